"""When sync records are stamped, so that `since` neither misses nor repeats them; and
the website's follows and unfollows, recorded as subscription changes of the website's
own device so that phones see them on their next sync (called by every website write
path, listeners/follows.py).

Devices ask for what the server received `since` a whole second that it gave them. Step
by step:

1. Every writer of a user's subscription changes or episode actions holds the user's
   sync lock (`hold_sync_lock`) from before it takes the time it stamps rows with
   (`received_at`, `updated_at`) until it commits (`received_now`).
2. A reader takes the same lock, so every row stamped before that moment is committed
   and visible. It answers every row stamped before `end`, the whole second after both
   its clock and the latest stamp, gives `end` as the next `since`, and keeps it as the
   user's `answered_until` (`answered_until`).
3. A writer stamps rows with the later of its clock and `answered_until`: a row
   written in the second a reader has answered up to is stamped with the next second.

So one answer's rows and the next one's never overlap (no repeats), a row stamped just
before a reader looked is committed before it reads (no gaps), and a change is seen by
the next request, even in the same second. Stamps may run ahead of the clock by a
second for each time a device writes and then reads within one second. SQLite needs no more than the transaction for the lock: every write transaction
there is IMMEDIATE (settings.py) and holds the database's write lock from its start; on
PostgreSQL it is a transaction-level advisory lock per user.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from airwaves.sync.models import SubscriptionChange, SyncAccount

# pg_advisory_xact_lock's first key, "sync": the second is the user's id.
SYNC_LOCK = 0x73796E63


def hold_sync_lock(user) -> None:
    """Inside a transaction: waits for other transactions writing `user`'s sync rows
    to commit, and keeps them waiting until this one ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("hold_sync_lock() works inside transaction.atomic() only")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [SYNC_LOCK, user.pk & 0x7FFFFFFF]
            )


def received_now(user) -> datetime:
    """The time to stamp `user`'s sync rows with, inside a transaction, which it makes
    hold the user's sync lock."""
    hold_sync_lock(user)
    now = timezone.now()
    answered = (
        SyncAccount.objects.filter(user=user).values_list("answered_until", flat=True).first()
    )
    return max(now, answered) if answered else now


def answered_until(user, rows, field: str) -> datetime:
    """For a reader, inside a transaction: the whole second until which it answers
    `rows` (the user's rows, stamped in `field`): after every row stamped and committed
    so far, and before any row stamped from now on."""
    hold_sync_lock(user)
    latest = rows.aggregate(latest=Max(field))["latest"]
    now = timezone.now()
    end = max(now, latest or now).replace(microsecond=0) + timedelta(seconds=1)
    later = Greatest("answered_until", Value(end))
    if not SyncAccount.objects.filter(user=user).update(answered_until=later):
        try:
            with transaction.atomic():
                SyncAccount.objects.create(user=user, answered_until=end)
        except IntegrityError:  # made meanwhile by the settings page (which takes no lock)
            SyncAccount.objects.filter(user=user).update(answered_until=later)
    return end


def website_followed(user, podcast, followed: bool) -> None:
    from airwaves.sync.devices import website_device
    from airwaves.sync.lists import website_changed

    device = website_device(user)
    with transaction.atomic():
        now = received_now(user)
        SubscriptionChange.objects.create(
            user=user,
            device=device,
            podcast=podcast,
            url=podcast.feed_url,
            action=SubscriptionChange.Action.ADD if followed else SubscriptionChange.Action.REMOVE,
            received_at=now,
        )
        # With per-device lists, every device's list gets it too (lists.py).
        website_changed(user, podcast, followed, now)
