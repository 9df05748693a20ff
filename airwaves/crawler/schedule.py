"""When a feed is checked next: computed here and nowhere else.

The interval is the largest of what the feed and its server ask for — the feed's own
cadence (recent episode intervals), <ttl>, sy:updatePeriod/updateFrequency,
podcast:updateFrequency,
Cache-Control max-age, Expires, Retry-After — clamped between configurable bounds.
Errors back off exponentially; a feed failing for long enough is declared dead and
re-checked only rarely until it works again or the operator revives it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from airwaves.crawler.types import ParsedFeed

SY_PERIODS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 7 * 86400,
    "monthly": 30 * 86400,
    "yearly": 365 * 86400,
}
# A show is checked about this many times per typical gap between its episodes.
CHECKS_PER_EPISODE_GAP = 10


@dataclass(frozen=True, slots=True)
class Bounds:
    minimum: timedelta = timedelta(minutes=15)
    maximum: timedelta = timedelta(hours=24)
    default: timedelta = timedelta(hours=1)
    first_retry: timedelta = timedelta(minutes=15)
    max_backoff: timedelta = timedelta(hours=24)
    # Dead: failing for at least this long and this many times in a row.
    dead_after: timedelta = timedelta(days=14)
    dead_after_errors: int = 10
    dead_recheck: timedelta = timedelta(days=30)


def bounds_from_settings() -> Bounds:
    from django.conf import settings

    return Bounds(
        minimum=timedelta(seconds=settings.CRAWL_MIN_INTERVAL),
        maximum=timedelta(seconds=settings.CRAWL_MAX_INTERVAL),
        dead_after=timedelta(days=settings.CRAWL_DEAD_AFTER_DAYS),
        dead_recheck=timedelta(days=settings.CRAWL_DEAD_RECHECK_DAYS),
    )


def feed_interval(feed: ParsedFeed) -> int | None:
    """What the feed itself says about how often it changes, in seconds."""
    candidates = [cadence_interval(e.published for e in feed.episodes)]
    if feed.ttl_minutes:
        candidates.append(feed.ttl_minutes * 60)
    if feed.update_period in SY_PERIODS:
        frequency = feed.update_frequency or 1
        candidates.append(SY_PERIODS[feed.update_period] // max(frequency, 1))
    if feed.release_interval:
        candidates.append(feed.release_interval // CHECKS_PER_EPISODE_GAP)
    if feed.complete:
        candidates.append(SY_PERIODS["yearly"])  # clamped to the maximum interval
    known = [c for c in candidates if c]
    # At most a year: the interval is clamped to the configured maximum anyway, and a
    # <ttl> of 999999999999999999 minutes must still fit the column it is kept in.
    return min(max(known), SY_PERIODS["yearly"]) if known else None


def cadence_interval(dates: Iterable[datetime | None], recent: int = 10) -> int | None:
    """A tenth of the median gap between the most recent episodes, so a weekly show is
    checked about daily and a daily one every couple of hours."""
    stamps = sorted((d for d in dates if d is not None), reverse=True)[: recent + 1]
    gaps = [(a - b).total_seconds() for a, b in zip(stamps, stamps[1:], strict=False)]
    gaps = [g for g in gaps if g > 0]
    if len(gaps) < 2:
        return None
    return int(statistics.median(gaps) / CHECKS_PER_EPISODE_GAP)


def server_interval(headers: Mapping[str, str], now: datetime) -> int | None:
    """What the HTTP response asks for: Cache-Control max-age, or Expires."""
    for directive in headers.get("cache-control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isascii() and value.strip().isdigit():
            return int(value.strip())
    expires = headers.get("expires", "")
    if expires:
        try:
            when = parsedate_to_datetime(expires)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is not None:
            return max(int((when - now).total_seconds()), 0)
    return None


def next_check_after_success(
    now: datetime,
    *,
    feed_seconds: int | None = None,
    server_seconds: int | None = None,
    bounds: Bounds | None = None,
) -> datetime:
    bounds = bounds or Bounds()
    asked = [s for s in (feed_seconds, server_seconds) if s]
    # Clamped as seconds first: a feed's <ttl> or a max-age can be more seconds than a
    # timedelta holds.
    most = bounds.maximum.total_seconds()
    interval = timedelta(seconds=min(max(asked), most)) if asked else bounds.default
    return now + min(max(interval, bounds.minimum), bounds.maximum)


def next_check_after_error(
    now: datetime,
    error_count: int,
    *,
    retry_after: float | None = None,
    bounds: Bounds | None = None,
) -> datetime:
    """Exponential backoff (15 min, 30 min, 1 h, ... capped), but never sooner than a
    429/503 Retry-After asks."""
    bounds = bounds or Bounds()
    backoff = bounds.first_retry * (2 ** min(max(error_count - 1, 0), 20))
    delay = min(backoff, bounds.max_backoff)
    if retry_after:
        delay = max(delay, timedelta(seconds=min(retry_after, bounds.maximum.total_seconds())))
    return now + delay


def is_dead(
    now: datetime, first_error_at: datetime | None, error_count: int, bounds: Bounds | None = None
) -> bool:
    bounds = bounds or Bounds()
    return (
        first_error_at is not None
        and error_count >= bounds.dead_after_errors
        and now - first_error_at >= bounds.dead_after
    )
