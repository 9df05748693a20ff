"""Trending shows: hearts and plays of the last TRENDING_DAYS days.

Triggers (migration 0005) add each heart, and each listener's first play of an episode
on a day, to the show's ShowActivity row for that day and to Podcast.trending_score,
so the trending page reads one index in score order. What leaves the window is taken
off once a day by `expire`, which costs what that one day's activity costs, never what
the directory holds.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.utils import timezone

from airwaves.podcasts.models import TRENDING_DAYS, Podcast, ShowActivity, Total

EXPIRED_THROUGH = "trending_day"  # Total: the ordinal of the last day expire() ran for


def window_start(today: date) -> date:
    return today - timedelta(days=TRENDING_DAYS - 1)


def expire(today: date | None = None) -> int:
    """Subtracts days older than the window from the shows' scores and deletes them.
    Returns the number of shows whose score went down."""
    today = today or timezone.now().date()
    old = ShowActivity.objects.filter(day__lt=window_start(today))
    with transaction.atomic():
        lost = (
            old.filter(podcast=OuterRef("pk"))
            .order_by()
            .values("podcast")
            .annotate(total=Sum("score"))
            .values("total")
        )
        shows = Podcast.objects.filter(pk__in=old.values("podcast")).update(
            trending_score=F("trending_score") - Subquery(lost)
        )
        old.delete()
    return shows


def expire_if_due(today: date | None = None) -> bool:
    """Runs expire() once a day, whichever process asks first.

    1. Read the day expire() last ran for: one primary-key read, no write, on most
       calls.
    2. If that is before today, claim today with a conditional UPDATE (or the INSERT of
       the first ever claim); a process that loses the race changes no row and stops.
    3. The winner expires, in the same transaction as its claim, so a crash leaves the
       day unclaimed for the next caller.
    """
    today = today or timezone.now().date()
    if Total.get(EXPIRED_THROUGH) >= today.toordinal():
        return False
    with transaction.atomic():
        claimed = Total.objects.filter(name=EXPIRED_THROUGH, value__lt=today.toordinal()).update(
            value=today.toordinal()
        )
        if not claimed:
            _, created = Total.objects.get_or_create(
                name=EXPIRED_THROUGH, defaults={"value": today.toordinal()}
            )
            if not created:
                return False
        expire(today)
    return True
