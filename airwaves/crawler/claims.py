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
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from airwaves.crawler.store import update_columns
from airwaves.podcasts.models import Podcast


def due_q(now: datetime) -> Q:
    return Q(source=Podcast.Source.FEED, moved_to=None) & (
        Q(next_check_at=None) | Q(next_check_at__lte=now)
    )


def claim_feed(podcast_id: int, now: datetime, lease: timedelta) -> bool:
    free = Q(claimed_until=None) | Q(claimed_until__lt=now)
    claimed = Podcast.objects.filter(free, pk=podcast_id).update(claimed_until=now + lease)
    return claimed == 1


def make_all_due(now: datetime) -> int:
    """`crawl --all`: every crawlable feed is due now, dead ones included."""
    return Podcast.objects.filter(source=Podcast.Source.FEED, moved_to=None).update(
        next_check_at=now
    )


# What take_due_feeds reads of each feed it takes: all a refresh needs to start.
TAKEN_COLUMNS = ("pk", "feed_url", "etag", "last_modified", "content_hash", "feed_interval", "host")


def take_due_feeds(
    now: datetime, *, limit: int, per_host: int, lease: timedelta, run: bool = False
) -> list[tuple]:
    """Takes up to `limit` due feeds for one pass, at most `per_host` from any host,
    and returns their TAKEN_COLUMNS. With `run`, the caller refreshes them itself: they
    are also claimed for running (claimed_until), in the same write."""
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
        taken = list(rows.values_list(*TAKEN_COLUMNS))
        update_columns(Podcast, [(row[0], changes) for row in taken])
    return taken
