"""Which process refreshes which feed, without a coordinator.

Two conditional updates keep any number of crawler processes and Celery workers from
doing the same work twice:

1. Dispatch: a scheduler takes due feeds for a pass by moving their `next_check_at`
   one lease ahead, in a transaction that skips rows another scheduler has locked
   (PostgreSQL) or that holds the write lock (SQLite). A feed taken by one scheduler
   is not due for any other; if its refresh never happens (a crashed worker), the
   lease runs out and the feed is due again.
2. Run: `refresh_feed` claims the feed itself by setting `claimed_until` only where
   it is unset or expired. The loser of a race (the same feed queued twice, or
   `airwaves add` during a crawl) does nothing. Every way a refresh ends clears it.

A feed whose run claim is live is not due for anyone, whatever its `next_check_at`
says: neither `make_all_due` (`crawl --all` started while another crawl runs) nor a
scheduler takes it, so two crawls never refresh one feed at once.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q

from airwaves.crawler.store import update_columns
from airwaves.podcasts.models import Podcast


def unclaimed_q(now: datetime) -> Q:
    """No refresh of the feed is running (its run claim is unset or has expired)."""
    return Q(claimed_until=None) | Q(claimed_until__lt=now)


def due_q(now: datetime) -> Q:
    return (
        Q(source=Podcast.Source.FEED, moved_to=None)
        & (Q(next_check_at=None) | Q(next_check_at__lte=now))
        & unclaimed_q(now)
    )


def claim_feed(podcast_id: int, now: datetime, lease: timedelta) -> bool:
    claimed = Podcast.objects.filter(unclaimed_q(now), pk=podcast_id).update(
        claimed_until=now + lease
    )
    return claimed == 1


def make_all_due(now: datetime) -> int:
    """`crawl --all`: every crawlable feed is due now, dead ones included; feeds being
    refreshed right now are left to the refresh that holds them (it schedules them)."""
    return Podcast.objects.filter(
        unclaimed_q(now), source=Podcast.Source.FEED, moved_to=None
    ).update(next_check_at=now)


class FeedState(NamedTuple):
    """What a refresh needs to know about a feed before fetching it: what
    take_due_feeds reads of each feed it takes."""

    podcast_id: int
    feed_url: str
    etag: str
    last_modified: str
    content_hash: str
    feed_interval: int | None
    host: str = ""


# FeedState's columns, in order.
TAKEN_COLUMNS = ("pk", "feed_url", "etag", "last_modified", "content_hash", "feed_interval", "host")


def take_due_feeds(
    now: datetime, *, limit: int, per_host: int, lease: timedelta, run: bool = False
) -> list[FeedState]:
    """Takes up to `limit` due feeds for one pass, at most `per_host` from any host; a
    feed another refresh holds is not due. With `run`, the caller refreshes them
    itself: they are also claimed for running (claimed_until), in the same write."""
    wanted = due_q(now)
    # Read more candidates than needed so a host with many due feeds cannot fill the
    # whole batch; the per-host cap then spreads the pass over hosts.
    candidates = (
        Podcast.objects.filter(wanted)
        .order_by("next_check_at", "pk")
        .values_list("pk", "host")[: limit * 4]
    )
    per_host_count: Counter[str] = Counter()
    picked: list[int] = []
    for pk, host in candidates:
        if per_host_count[host] >= per_host:
            continue
        per_host_count[host] += 1
        picked.append(pk)
        if len(picked) >= limit:
            break
    if not picked:
        return []
    changes = {"next_check_at": now + lease}
    if run:
        changes["claimed_until"] = now + lease
    with transaction.atomic():
        rows = Podcast.objects.filter(wanted, pk__in=picked)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        taken = [FeedState._make(row) for row in rows.values_list(*TAKEN_COLUMNS)]
        update_columns(Podcast, [(feed.podcast_id, changes) for feed in taken])
    return taken
