"""refresh_feed: fetch → parse → process → store for one feed.

A plain function, idempotent and safe to run twice at once (see claims.py); every
dispatcher (the CLI, the in-process loop, Celery workers) calls this.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.utils import timezone

from airwaves import pagecache
from airwaves.crawler.budget import Budget
from airwaves.crawler.claims import FeedState, claim_feed
from airwaves.crawler.errors import CrawlError, HTTPStatusError
from airwaves.crawler.fetch import FetchResult, fetch_feed
from airwaves.crawler.paging import follow_pages
from airwaves.crawler.parse import http_charset, parse_feed
from airwaves.crawler.process import channel_fingerprint, process_feed
from airwaves.crawler.schedule import server_interval
from airwaves.crawler.store import (
    FeedMeta,
    known_items,
    record_failure,
    record_not_modified,
    store_feed,
    stored_episodes,
)
from airwaves.podcasts.models import Podcast

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RefreshResult:
    podcast_id: int
    # "ok", "not_modified", "unchanged" (same bytes), "error", or "skipped" (another
    # refresh of this feed is running)
    status: str
    new_episodes: int = 0
    updated_episodes: int = 0
    error: str = ""


def begin_refresh(podcast_id: int) -> FeedState | None:
    """Claims the feed; None when another refresh of it holds the claim."""
    lease = timedelta(seconds=settings.CRAWL_LEASE_SECONDS)
    if not claim_feed(podcast_id, timezone.now(), lease):
        return None
    row = Podcast.objects.values_list(
        "feed_url", "etag", "last_modified", "content_hash", "feed_interval"
    ).get(pk=podcast_id)
    return FeedState(podcast_id, *row)


def fetch_meta(fetched: FetchResult) -> FeedMeta:
    return FeedMeta(
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        content_hash=hashlib.sha256(fetched.content).hexdigest() if fetched.content else "",
        permanent_url=fetched.permanent_url,
        server_seconds=server_interval(fetched.headers, timezone.now()),
    )


def unchanged_status(state: FeedState, meta: FeedMeta, status_code: int) -> str | None:
    """ "not_modified" for a 304, "unchanged" when a server that ignores conditional GET
    sent the same bytes again (nothing to parse), None when there is work to do."""
    if status_code == 304:
        return "not_modified"
    if meta.content_hash and meta.content_hash == state.content_hash and not meta.permanent_url:
        return "unchanged"
    return None


def finish_refresh(
    state: FeedState, fetched: FetchResult, meta: FeedMeta | None = None
) -> RefreshResult:
    """Everything after the download: skip what did not change, else parse and store."""
    meta = meta or fetch_meta(fetched)
    status = unchanged_status(state, meta, fetched.status)
    if status is not None:
        record_not_modified(state.podcast_id, state.feed_interval, meta)
        return RefreshResult(state.podcast_id, status)
    # The download had its own caps; what follows grows with the feed, so it has a
    # budget too (a feed past it fails, keeping what it had, and frees its claim).
    budget = Budget(settings.REFRESH_TIME_BUDGET)
    # Read once, used twice: by parse to skip items whose XML is as stored, and by store
    # to match the rest. This refresh holds the feed's claim, so nothing else writes
    # these episodes in between (store_feed copes if a claim ran out meanwhile).
    episodes = stored_episodes(state.podcast_id)
    known = known_items(episodes)
    max_items = settings.FEED_MAX_ITEMS or None
    parsed = parse_feed(
        fetched.content,
        url=fetched.url,
        known=known,
        max_items=max_items,
        budget=budget,
        charset=http_charset(fetched.headers.get("Content-Type")),
    )
    if parsed.next_page_url and settings.FEED_MAX_PAGES > 1:
        follow_pages(
            parsed,
            fetched.url,
            fetch_page,
            max_pages=settings.FEED_MAX_PAGES,
            known=known,
            max_items=max_items,
            budget=budget,
        )
    meta.channel_hash = channel_fingerprint(parsed)
    feed = process_feed(parsed, base_url=fetched.url, budget=budget)
    stored = store_feed(state.podcast_id, feed, meta, episodes, budget=budget)
    # New bytes were stored: the show's cached pages are built again on their next
    # request. The change is kept whether or not the cache answers.
    try:
        slug = Podcast.objects.values_list("slug", flat=True).get(pk=state.podcast_id)
        pagecache.show_changed(slug)
    except Exception:
        log.exception("could not expire the cached pages of feed %s", state.podcast_id)
    return RefreshResult(state.podcast_id, "ok", stored.new_episodes, stored.updated_episodes)


def fail_refresh(podcast_id: int, error: BaseException) -> RefreshResult:
    """Records why a refresh failed. A bug costs one feed, never the crawler."""
    if isinstance(error, CrawlError):
        reason = str(error)
    else:
        log.error("refreshing feed %s failed", podcast_id, exc_info=error)
        reason = f"internal error: {type(error).__name__}: {error}"
    retry_after = error.retry_after if isinstance(error, HTTPStatusError) else None
    try:
        record_failure(podcast_id, reason, retry_after)
    except Exception:  # the database itself failed: the lease will expire instead
        log.exception("could not record the failure of feed %s", podcast_id)
    return RefreshResult(podcast_id, "error", error=reason)


def fetch_page(url: str) -> tuple[bytes, str, str]:
    """One more page of a paged feed, fetched like the feed (guarded, with its caps)."""
    page = fetch_feed(url, **fetch_options())
    return page.content, page.url, http_charset(page.headers.get("Content-Type"))


def fetch_options() -> dict:
    return {
        "max_bytes": settings.FEED_MAX_BYTES,
        "total_timeout": settings.FEED_TIMEOUT,
        "allow_private": settings.ALLOW_PRIVATE_URLS,
    }


def refresh_feed(podcast_id: int, *, client: httpx.Client | None = None) -> RefreshResult:
    state = begin_refresh(podcast_id)
    if state is None:
        return RefreshResult(podcast_id, "skipped")
    try:
        fetched = fetch_feed(
            state.feed_url,
            etag=state.etag,
            last_modified=state.last_modified,
            client=client,
            **fetch_options(),
        )
        return finish_refresh(state, fetched)
    except Exception as error:
        # Every ending writes the claim free; if even that fails (the database is
        # down), the lease expires on its own.
        return fail_refresh(podcast_id, error)
