"""The crawler's background jobs, run side by side by `airwaves crawl` and `airwaves serve`.

- Feeds: refreshed in-process by loop.Crawler or, with a broker configured, queued for
  Celery workers by tasks.enqueue_due_feeds. Only this module chooses between them, so
  loop.py and tasks.py never import each other (nor this module).
- Radio stations due for a stream check, and publishers' artwork not yet fetched
  (airwaves/artwork/jobs.py), after each pass over the feeds.

`crawl_pass` is one pass; `crawl_forever` repeats passes until told to stop. Each has a
form that runs one crawler per process (`--processes`), the claims keeping them off
each other's feeds.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from airwaves.crawler.claims import make_all_due
from airwaves.crawler.errors import SetupError
from airwaves.crawler.loop import Crawler, PassSummary

log = logging.getLogger(__name__)

PAUSE_WHEN_IDLE = 15.0  # seconds between looks at the schedule when nothing is due


def check_setup() -> None:
    """Raises SetupError when the configured dispatcher cannot run (a broker is set but
    Celery is not installed), before any feed is taken."""
    if settings.BROKER_URL:
        from airwaves.crawler.tasks import celery_app

        celery_app()


def check_due_stations_quietly() -> None:
    from airwaves.radio.checks import check_due_stations

    try:
        summary = check_due_stations()
        if summary.checked:
            log.warning("stations: checked %d (%d failed)", summary.checked, summary.failed)
    except Exception:  # a station check must never stop the feed crawler
        log.exception("checking radio stations failed")
    finally:
        close_old_connections()


def after_pass_quietly() -> None:
    """The chores after each pass: due station checks, then a bounded run of pending
    artwork, then one of chapters and transcripts. Each logs its own failures and never
    raises."""
    from airwaves.artwork.jobs import fetch_artwork_quietly
    from airwaves.podcasts.extras import fetch_media_quietly

    check_due_stations_quietly()
    fetch_artwork_quietly()
    fetch_media_quietly()


def queue_pass(include_all: bool = False) -> PassSummary:
    """With a broker: queues the due feeds as Celery tasks."""
    from airwaves.crawler.tasks import enqueue_due_feeds

    summary = PassSummary()
    summary.statuses["queued"] = enqueue_due_feeds(include_all=include_all)
    return summary


def crawl_pass(include_all: bool = False, stop: threading.Event | None = None) -> PassSummary:
    """One pass over the due feeds, in-process or, with a broker, through Celery."""
    if settings.BROKER_URL:
        return queue_pass(include_all)
    crawler = Crawler(stop=stop)
    try:
        return asyncio.run(crawler.run_pass(include_all=include_all))
    finally:
        crawler.close()


def crawl_forever(stop: threading.Event, include_all_first: bool = False) -> None:
    """Passes until `stop` is set; the feeds in flight then finish before it returns.

    1. A pass over the due feeds (the first one over every feed with include_all_first).
    2. The radio stations due for a check, and pending artwork (after_pass_quietly).
    3. A pause (PAUSE_WHEN_IDLE), cut short by `stop`; then again from 1.
    A pass that fails (the database went away, say) is logged and tried again after
    the pause; only a set-up that cannot work (SetupError) ends the loop.
    """
    if settings.BROKER_URL:
        check_setup()
        _forever(stop, include_all_first, queue_pass)
        return
    crawler = Crawler(stop=stop)

    async def main() -> None:
        include_all = include_all_first
        while not stop.is_set():
            try:
                summary = await crawler.run_pass(include_all=include_all)
            except Exception:
                log.exception("crawl pass failed")
                summary = PassSummary()
            include_all = False
            if summary.total:
                log.warning("crawler: %s", summary.describe())
            await asyncio.to_thread(after_pass_quietly)
            await asyncio.to_thread(stop.wait, PAUSE_WHEN_IDLE)

    try:
        asyncio.run(main())
    finally:
        crawler.close()


def _forever(stop: threading.Event, include_all: bool, one_pass) -> None:
    while not stop.is_set():
        try:
            summary = one_pass(include_all)
        except SetupError:
            raise
        except Exception:  # the broker or the database went away: try again later
            log.exception("scheduling pass failed")
            summary = PassSummary()
        include_all = False
        if summary.total:
            log.warning("scheduler: %s", summary.describe())
        after_pass_quietly()
        stop.wait(PAUSE_WHEN_IDLE)


def _pass_in_child(_: int) -> PassSummary:
    return crawl_pass()


def close_connections_before_fork() -> None:
    """Children are forked: they must not inherit this process's database connections,
    nor the PostgreSQL pool's (its idle connections would be one socket used by two
    processes). Each process opens its own when it next needs one."""
    connections.close_all()
    for connection in connections.all(initialized_only=True):
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()


def crawl_pass_in_processes(processes: int, include_all: bool = False) -> PassSummary:
    """One pass shared by several processes (one per core): the claims keep them off
    each other's feeds, so together they refresh every due feed once."""
    if processes <= 1 or settings.BROKER_URL:
        return crawl_pass(include_all=include_all)
    if include_all:
        make_all_due(timezone.now())
    close_connections_before_fork()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        parts = pool.map(_pass_in_child, range(processes))
    summary = PassSummary()
    for part in parts:
        summary.merge(part)
    return summary


def crawl_forever_in_processes(
    processes: int, stop: threading.Event, include_all_first: bool = False
) -> None:
    """`crawl_forever` in several processes; stopping stops them all, each finishing
    its feeds in flight."""
    if processes <= 1 or settings.BROKER_URL:
        crawl_forever(stop, include_all_first=include_all_first)
        return
    if include_all_first:
        make_all_due(timezone.now())
    close_connections_before_fork()
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_forever_in_child, daemon=True) for _ in range(processes)]
    for child in children:
        child.start()
    while not stop.wait(1.0):
        if not any(child.is_alive() for child in children):
            log.error("every crawler process has exited")
            break
    for child in children:
        if child.pid is not None:
            os.kill(child.pid, signal.SIGTERM)
    for child in children:
        child.join()


def _forever_in_child() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    crawl_forever(stop)
