"""The in-process crawler behind `airwaves crawl` and `airwaves serve`.

An asyncio loop downloads many feeds at once (one shared HTTP transport, a global and a
per-host concurrency limit) and hands database work to threads, since Django's ORM is
synchronous. It runs the same stages as `refresh_feed` (refresh.py), in batches where
that pays: feeds are claimed a batch at a time, and the common outcome — nothing
changed — is written for many feeds in one transaction. A feed that changed goes
through `finish_refresh` in a store thread, exactly as in `refresh_feed`.

With a broker configured the same loop only schedules: due feeds become Celery tasks
running `refresh_feed` on any worker machine (tasks.py).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.utils import timezone

from airwaves.crawler.claims import make_all_due, take_due_feeds
from airwaves.crawler.fetch import FetchResult, afetch_feed
from airwaves.crawler.refresh import (
    FeedState,
    RefreshResult,
    fail_refresh,
    fetch_meta,
    fetch_options,
    finish_refresh,
    unchanged_status,
)
from airwaves.crawler.store import FeedMeta, record_not_modified_many
from airwaves.lib.net import make_async_transport

log = logging.getLogger(__name__)

BATCH_SIZE = 200
STORE_THREADS = 4  # on PostgreSQL
PAUSE_WHEN_IDLE = 15.0  # seconds between looks at the schedule when nothing is due


@dataclass
class PassSummary:
    statuses: Counter = field(default_factory=Counter)
    new_episodes: int = 0

    def add(self, result: RefreshResult) -> None:
        self.statuses[result.status] += 1
        self.new_episodes += result.new_episodes

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def describe(self) -> str:
        parts = ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items()))
        return f"refreshed {self.total} feeds ({parts or 'none due'}), {self.new_episodes} new episodes"


class Crawler:
    """1. Take a batch of due feeds (claims.take_due_feeds) and claim them for running.
    2. Download each under the global and per-host limits.
    3. Unchanged feeds (304, same bytes): queue their health update; a writer flushes
       the queue in one transaction per batch.
    4. Changed or failed feeds: finish_refresh / fail_refresh in a worker thread.
    5. Repeat until nothing is due; stop taking work when `stop` is set, and let the
       downloads in flight finish.
    """

    def __init__(
        self,
        *,
        concurrency: int | None = None,
        per_host: int | None = None,
        stop: threading.Event | None = None,
        on_result: Callable[[RefreshResult], None] | None = None,
    ) -> None:
        self.concurrency = concurrency or settings.CRAWL_CONCURRENCY
        self.per_host = per_host or settings.CRAWL_PER_HOST
        self.stop = stop or threading.Event()
        self.on_result = on_result
        self.lease = timedelta(seconds=settings.CRAWL_LEASE_SECONDS)
        self._host_limits: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.per_host)
        )
        # Threads. One for claims and batched 304s. Changed feeds (parse, process, store)
        # go to the store threads: on SQLite that is the same single thread, since SQLite
        # has one writer and its busy wait sleeps, and parsing in parallel threads only
        # takes turns on the GIL; on PostgreSQL, several, so stores overlap their
        # round trips to the server.
        self._db = ThreadPoolExecutor(1, thread_name_prefix="crawl-db")
        self._pools = {self._db: 1}
        self._stores = self._db
        if connection.vendor != "sqlite":
            self._stores = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="crawl-store")
            self._pools[self._stores] = STORE_THREADS
        self._unchanged: list[tuple[FeedState, FeedMeta, str]] = []

    async def run_pass(self, include_all: bool = False) -> PassSummary:
        summary = PassSummary()
        if include_all:
            await self._in_db(make_all_due, timezone.now())
        limit = asyncio.Semaphore(self.concurrency)
        async with make_async_transport(allow_private=settings.ALLOW_PRIVATE_URLS) as transport:
            pending: set[asyncio.Task] = set()
            while not self.stop.is_set():
                states = await self._in_db(self._claim_batch)
                if not states:
                    break
                for state in states:
                    await limit.acquire()
                    task = asyncio.create_task(self._refresh(transport, state, summary))
                    task.add_done_callback(lambda _t: limit.release())
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                    if self.stop.is_set():
                        break
                # Flush what finished while the batch was being started.
                await self._flush_unchanged(summary)
            if pending:
                await asyncio.gather(*pending)
            await self._flush_unchanged(summary)
        return summary

    async def run_forever(self) -> None:
        while not self.stop.is_set():
            try:
                summary = await self.run_pass()
            except Exception:  # the database went away, say: try again after the pause
                log.exception("crawl pass failed")
                summary = PassSummary()
            if summary.total:
                log.warning("crawler: %s", summary.describe())
            # Radio stations due for a stream check ride along with the feeds.
            await asyncio.to_thread(check_due_stations_quietly)
            await asyncio.to_thread(self.stop.wait, PAUSE_WHEN_IDLE)

    def close(self) -> None:
        """Closes every worker thread's database connection, then the threads."""
        for pool, size in self._pools.items():
            # Each close task waits for the others, so each lands on its own thread.
            barrier = threading.Barrier(size)

            def close_connections(barrier: threading.Barrier = barrier) -> None:
                connections.close_all()
                barrier.wait(timeout=10)

            for _ in range(size):
                pool.submit(close_connections)
            pool.shutdown(wait=True)

    # -- stages ---------------------------------------------------------------

    def _claim_batch(self) -> list[FeedState]:
        # Taken for this pass and claimed for running at once (see claims.py).
        return take_due_feeds(
            timezone.now(), limit=BATCH_SIZE, per_host=self.per_host, lease=self.lease, run=True
        )

    async def _refresh(self, transport, state: FeedState, summary: PassSummary) -> None:
        try:
            async with self._host_limits[state.host]:
                fetched = await afetch_feed(
                    state.feed_url,
                    etag=state.etag,
                    last_modified=state.last_modified,
                    transport=transport,
                    **fetch_options(),
                )
        except Exception as error:
            self._report(summary, await self._in_stores(fail_refresh, state.podcast_id, error))
            return
        meta = fetch_meta(fetched)
        status = unchanged_status(state, meta, fetched.status)
        if status is not None:
            self._unchanged.append((state, meta, status))
            if len(self._unchanged) >= BATCH_SIZE:
                await self._flush_unchanged(summary)
            return
        result = await self._in_stores(_finish_or_fail, state, fetched, meta)
        self._report(summary, result)

    async def _flush_unchanged(self, summary: PassSummary) -> None:
        batch, self._unchanged = self._unchanged, []
        if not batch:
            return
        await self._in_db(_record_unchanged, batch)
        for state, _fetched, status in batch:
            self._report(summary, RefreshResult(state.podcast_id, status))

    def _report(self, summary: PassSummary, result: RefreshResult) -> None:
        summary.add(result)
        if result.status == "error":
            log.info("feed %s: %s", result.podcast_id, result.error)
        if self.on_result is not None:
            self.on_result(result)

    async def _in_db(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    async def _in_stores(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._stores, fn, *args)


def _finish_or_fail(state: FeedState, fetched: FetchResult, meta: FeedMeta) -> RefreshResult:
    try:
        return finish_refresh(state, fetched, meta)
    except Exception as error:
        return fail_refresh(state.podcast_id, error)


def _record_unchanged(batch: list[tuple[FeedState, FeedMeta, str]]) -> None:
    """Health and schedule of many unchanged feeds, in one transaction."""
    record_not_modified_many(
        [(state.podcast_id, state.feed_interval, meta) for state, meta, _ in batch]
    )


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


def crawl_pass(include_all: bool = False, stop: threading.Event | None = None) -> PassSummary:
    """One pass over the due feeds, in-process or, with a broker, through Celery."""
    if settings.BROKER_URL:
        from airwaves.crawler.tasks import enqueue_due_feeds

        summary = PassSummary()
        summary.statuses["queued"] = enqueue_due_feeds(include_all=include_all)
        return summary
    crawler = Crawler(stop=stop)
    try:
        return asyncio.run(crawler.run_pass(include_all=include_all))
    finally:
        crawler.close()


def _pass_in_child(_: int) -> PassSummary:
    return crawl_pass()


def crawl_pass_in_processes(processes: int, include_all: bool = False) -> PassSummary:
    """One pass shared by several processes (one per core): the claims keep them off
    each other's feeds, so together they refresh every due feed once."""
    if processes <= 1 or settings.BROKER_URL:
        return crawl_pass(include_all=include_all)
    if include_all:
        make_all_due(timezone.now())
    # Children are forked: they must not inherit this process's database connections.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        parts = pool.map(_pass_in_child, range(processes))
    summary = PassSummary()
    for part in parts:
        summary.statuses.update(part.statuses)
        summary.new_episodes += part.new_episodes
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
    connections.close_all()
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


def crawl_forever(stop: threading.Event, include_all_first: bool = False) -> None:
    """Passes until `stop` is set; the feeds in flight then finish before it returns."""
    if settings.BROKER_URL:
        from airwaves.crawler.tasks import schedule_forever

        schedule_forever(stop, include_all_first=include_all_first)
        return
    crawler = Crawler(stop=stop)

    async def main() -> None:
        if include_all_first:
            await crawler.run_pass(include_all=True)
        await crawler.run_forever()

    try:
        asyncio.run(main())
    finally:
        crawler.close()
