"""The in-process crawler behind `airwaves crawl` and `airwaves serve`.

An asyncio loop downloads many feeds at once (one shared HTTP transport, a global and a
per-host concurrency limit) and hands database work to threads, since Django's ORM is
synchronous. It runs the same stages as `refresh_feed` (refresh.py), in batches where
that pays: feeds are claimed a batch at a time, and the common outcome — nothing
changed — is written for many feeds in one transaction. A feed that changed goes
through `finish_refresh` in a store thread, exactly as in `refresh_feed`.

Which dispatcher runs (this loop, or Celery with a broker configured) and what runs
beside it (radio station checks) is decided in jobs.py.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from airwaves.crawler.claims import FeedState, make_all_due, take_due_feeds
from airwaves.crawler.fetch import FetchResult, afetch_feed
from airwaves.crawler.refresh import (
    RefreshResult,
    fail_refresh,
    fetch_meta,
    fetch_options,
    finish_refresh,
    unchanged_status,
)
from airwaves.crawler.store import FeedMeta, NotModified, record_not_modified_many
from airwaves.lib.net import make_async_transport

log = logging.getLogger(__name__)

BATCH_SIZE = 200
STORE_THREADS = 4  # on PostgreSQL


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

    def merge(self, other: PassSummary) -> None:
        self.statuses.update(other.statuses)
        self.new_episodes += other.new_episodes


class Unchanged(NamedTuple):
    """A feed the pass found unchanged (304, same bytes), waiting for the batched write."""

    state: FeedState
    meta: FeedMeta
    status: str  # "not_modified" or "unchanged"


class Crawler:
    """1. Take a batch of due feeds (claims.take_due_feeds) and claim them for running.
    2. Download each under the global and per-host limits.
    3. Unchanged feeds (304, same bytes): queue their health update; a writer flushes
       the queue in one transaction per batch.
    4. Changed or failed feeds: finish_refresh / fail_refresh in a worker thread.
    5. Repeat until nothing is due; stop taking work when `stop` is set, and let the
       downloads in flight finish.

    One pass is `run_pass`; jobs.py runs passes one after another.
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
        self._unchanged: list[Unchanged] = []

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
            self._unchanged.append(Unchanged(state, meta, status))
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
        for feed in batch:
            self._report(summary, RefreshResult(feed.state.podcast_id, feed.status))

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


def _record_unchanged(batch: list[Unchanged]) -> None:
    """Health and schedule of many unchanged feeds, in one transaction."""
    record_not_modified_many(
        [NotModified(f.state.podcast_id, f.state.feed_interval, f.meta) for f in batch]
    )
