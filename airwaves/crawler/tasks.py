"""Feed refreshes as Celery tasks, for directories refreshed by many machines.

With AIRWAVES_BROKER_URL set (redis://… or amqp://…):
- `airwaves crawl` schedules: each pass takes the due feeds (claims.take_due_feeds,
  so several schedulers never queue a feed twice) and queues one task per feed;
- `airwaves worker` (any number, on any machine sharing the database) runs them:
  each task is `refresh_feed(podcast_id)`, the same function as everywhere else.

Celery is an optional extra (`airwaves[celery]`) and is imported here only, when the
app is first asked for (`celery_app()`, or this module's `app` and
`refresh_feed_task`); without it, that says what to install (SetupError).

Per-host limits across workers (with a Redis broker), in `host_slot`:
1. Before refreshing, a task takes a slot of the feed's host: a Redis sorted set per
   host holds one member per running refresh, scored by when its lease runs out. One
   Lua script (atomic) drops the expired members, counts the rest and adds this one
   if the host has room.
2. The refresh runs; every way it ends removes the member.
3. A worker killed mid-refresh never removes it: its lease runs out (the crawl lease,
   longer than any refresh: download timeout plus processing budget) and the slot
   is free again. Nothing else refreshes the lease, so no slot is held for good.
4. A task whose host is full retries a few times, a few seconds apart, then gives
   up: the feed is made due again and the next scheduling pass queues it anew.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.utils import timezone

from airwaves.crawler.claims import make_all_due, take_due_feeds, unclaimed_q
from airwaves.crawler.errors import SetupError
from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.models import Podcast

log = logging.getLogger(__name__)

SCHEDULE_BATCH = 1000
# A task whose host stays full gives up after this many retries, 1–5 s apart.
MAX_SLOT_RETRIES = 10
TASK_NAME = "airwaves.refresh_feed"
MEDIA_TASK_NAME = "airwaves.fetch_episode_media"


@cache
def celery_app():
    """The Celery app, with the refresh task registered."""
    try:
        from celery import Celery
    except ImportError:
        raise SetupError(
            "AIRWAVES_BROKER_URL is set but Celery is not installed: "
            "install airwaves[celery] (pip install 'airwaves[celery]'), "
            "or unset AIRWAVES_BROKER_URL to refresh feeds in-process"
        ) from None
    app = Celery("airwaves")
    app.conf.update(
        broker_url=settings.BROKER_URL or "memory://",
        task_default_queue=settings.CELERY_QUEUE,
        # A refresh is idempotent, so a task lost with its worker may simply run again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=4,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK_NAME, bind=True, max_retries=MAX_SLOT_RETRIES)(run_refresh_task)
    app.task(name=MEDIA_TASK_NAME, ignore_result=True)(run_media_task)
    return app


def __getattr__(name: str):
    # `from airwaves.crawler.tasks import app` (the worker command) builds the app then.
    if name == "app":
        return celery_app()
    if name == "refresh_feed_task":
        return celery_app().tasks[TASK_NAME]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_refresh_task(task, podcast_id: int, host: str = "") -> str:
    """The body of the `airwaves.refresh_feed` task (`task` is the bound Celery task)."""
    with host_slot(host) as allowed:
        result = refresh_feed(podcast_id) if allowed else None
    if result is None:
        # The host already has its share of refreshes running on some worker.
        if task.request.retries >= MAX_SLOT_RETRIES:
            leave_due(podcast_id)
            return "host_busy"
        raise task.retry(countdown=1 + random.random() * 4)
    if result.status == "error":
        log.info("feed %s: %s", podcast_id, result.error)
    return result.status


def run_media_task(limit: int | None = None) -> str:
    """The body of the `airwaves.fetch_episode_media` task: one run of the chapters and
    transcripts job. Claim-based like refresh_feed, so running it twice, or on two
    workers at once, fetches each file once."""
    from airwaves.podcasts.extras import BATCH, fetch_pending_media

    return fetch_pending_media(limit=limit or BATCH).describe()


def leave_due(podcast_id: int) -> None:
    """Gives a feed taken for this pass back to the schedule (unless a refresh holds it)."""
    now = timezone.now()
    Podcast.objects.filter(unclaimed_q(now), pk=podcast_id).update(next_check_at=now)


# KEYS[1]: the host's sorted set. ARGV: lease (ms), limit, member. Redis's own clock, so
# workers whose clocks differ agree on when a lease ends.
_TAKE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""


@contextmanager
def host_slot(
    host: str, *, limit: int | None = None, lease_seconds: float | None = None
) -> Iterator[bool]:
    """Yields whether a slot of `host` was taken (steps 1–3 in the module docstring);
    `limit` and `lease_seconds` default to AIRWAVES_CRAWL_PER_HOST and the crawl lease.
    With another broker than Redis, or no host, every refresh is allowed."""
    client = _redis(settings.BROKER_URL)
    if client is None or not host:
        yield True
        return
    key = f"airwaves:host-leases:{host}"
    member = uuid.uuid4().hex
    lease_ms = int((lease_seconds or settings.CRAWL_LEASE_SECONDS) * 1000)
    taken = client.eval(_TAKE_SLOT, 1, key, lease_ms, limit or settings.CRAWL_PER_HOST, member)
    if not taken:
        yield False
        return
    try:
        yield True
    finally:
        client.zrem(key, member)


@cache
def _redis(broker_url: str):
    if not broker_url.startswith(("redis://", "rediss://")):
        return None
    import redis

    return redis.Redis.from_url(broker_url)


def enqueue_due_feeds(include_all: bool = False) -> int:
    """Queues every feed due now; returns how many were queued."""
    task = celery_app().tasks[TASK_NAME]  # before anything is taken: Celery may be missing
    now = timezone.now()
    if include_all:
        make_all_due(now)
    lease = timedelta(seconds=settings.CRAWL_LEASE_SECONDS)
    queued = 0
    while True:
        # The per-host cap here only mixes hosts within a batch; workers enforce the
        # real per-host concurrency (host_slot).
        feeds = take_due_feeds(
            timezone.now(), limit=SCHEDULE_BATCH, per_host=settings.CRAWL_PER_HOST, lease=lease
        )
        if not feeds:
            return queued
        for feed in feeds:
            task.delay(feed.podcast_id, feed.host)
        queued += len(feeds)
