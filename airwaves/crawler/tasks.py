"""Feed refreshes as Celery tasks, for directories refreshed by many machines.

With AIRWAVES_BROKER_URL set (redis://… or amqp://…):
- `airwaves crawl` schedules: each pass takes the due feeds (claims.take_due_feeds,
  so several schedulers never queue a feed twice) and queues one task per feed;
- `airwaves worker` (any number, on any machine sharing the database) runs them:
  each task is `refresh_feed(podcast_id)`, the same function as everywhere else.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache

from celery import Celery
from django.conf import settings
from django.utils import timezone

from airwaves.crawler.claims import make_all_due, take_due_feeds
from airwaves.crawler.loop import check_due_stations_quietly
from airwaves.crawler.refresh import refresh_feed

log = logging.getLogger(__name__)

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

SCHEDULE_BATCH = 1000
PAUSE_WHEN_IDLE = 15.0


@app.task(name="airwaves.refresh_feed", bind=True, max_retries=None)
def refresh_feed_task(self, podcast_id: int, host: str = "") -> str:
    with host_slot(host) as allowed:
        if not allowed:
            # The host already has its share of refreshes running on some worker.
            raise self.retry(countdown=1 + random.random() * 4)
        result = refresh_feed(podcast_id)
    if result.status == "error":
        log.info("feed %s: %s", podcast_id, result.error)
    return result.status


@contextmanager
def host_slot(host: str) -> Iterator[bool]:
    """A per-host counting semaphore shared by all workers, kept in the broker's Redis
    (keys expire with the lease, so a crashed worker's slots come back). With another
    broker, or no host, every refresh is allowed."""
    client = _redis()
    if client is None or not host:
        yield True
        return
    key = f"airwaves:host-slots:{host}"
    count = client.incr(key)
    client.expire(key, settings.CRAWL_LEASE_SECONDS)
    try:
        yield count <= settings.CRAWL_PER_HOST
    finally:
        client.decr(key)


@cache
def _redis():
    if not settings.BROKER_URL.startswith(("redis://", "rediss://")):
        return None
    import redis

    return redis.Redis.from_url(settings.BROKER_URL)


def enqueue_due_feeds(include_all: bool = False) -> int:
    """Queues every feed due now; returns how many were queued."""
    now = timezone.now()
    if include_all:
        make_all_due(now)
    lease = timedelta(seconds=settings.CRAWL_LEASE_SECONDS)
    queued = 0
    while True:
        # The per-host cap here only mixes hosts within a batch; workers enforce the
        # real per-host concurrency (host_slot).
        rows = take_due_feeds(
            timezone.now(), limit=SCHEDULE_BATCH, per_host=settings.CRAWL_PER_HOST, lease=lease
        )
        if not rows:
            return queued
        for feed in rows:
            refresh_feed_task.delay(feed.podcast_id, feed.host)
        queued += len(rows)


def schedule_forever(stop: threading.Event, include_all_first: bool = False) -> None:
    include_all = include_all_first
    while not stop.is_set():
        queued = enqueue_due_feeds(include_all=include_all)
        include_all = False
        if queued:
            log.warning("scheduler: queued %d feeds", queued)
        check_due_stations_quietly()
        stop.wait(PAUSE_WHEN_IDLE)
