"""Clicks and votes, counted once per client per station per day.

A row in StationClick / StationVote is the proof that a client already counted today;
the unique constraint on (station, client_key, day) settles races between two requests
from the same client. Station.click_count / votes move only when a row was created.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from airwaves.lib.clients import client_key
from airwaves.radio.models import Station, StationClick, StationVote


def _today() -> date:
    return timezone.now().date()


def _add_row(model, station_id: int, address: str, day: date) -> bool:
    key = client_key(address, day, settings.SECRET_KEY)
    try:
        with transaction.atomic():
            model.objects.create(station_id=station_id, client_key=key, day=day)
    except IntegrityError:
        return False  # this client already counted today
    return True


def record_click(station_id: int, address: str, *, day: date | None = None) -> bool:
    """Counts a listener starting the station; False if this client already did today."""
    day = day or _today()
    with transaction.atomic():
        if not _add_row(StationClick, station_id, address, day):
            return False
        today = StationClick.objects.filter(station_id=station_id, day=day).count()
        yesterday = StationClick.objects.filter(
            station_id=station_id, day=day - timedelta(days=1)
        ).count()
        Station.objects.filter(pk=station_id).update(
            click_count=F("click_count") + 1, click_trend=today - yesterday
        )
    return True


def record_vote(station_id: int, address: str, *, day: date | None = None) -> bool:
    """Counts a vote; False if this client already voted for the station today."""
    day = day or _today()
    with transaction.atomic():
        if not _add_row(StationVote, station_id, address, day):
            return False
        Station.objects.filter(pk=station_id).update(votes=F("votes") + 1)
    return True
