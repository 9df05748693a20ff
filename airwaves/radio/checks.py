"""Station checks: is the stream on air, and what does it carry.

A check resolves the station's entered URL (playlists, redirects), connects, reads the
first bytes and records the result on the station: OK, or failed with the reason;
codec, bitrate and HTTPS; the `icy-*` name, genre and homepage fill fields still empty.
A station failing AIRWAVES_STATION_BROKEN_AFTER checks in a row is marked broken
(hidden from listings); its next successful check clears that.

`check_due_stations()` is what the crawl loop calls:

1. pick up to `limit` stations whose next_check_at is due (never checked first);
2. claim each with a conditional update that moves its next_check_at past a lease;
   a claim another process made first matches no row and the station is skipped, so
   several processes never check one station twice at once;
3. probe the claimed stations concurrently (asyncio, `concurrency` at a time) — network
   only, the database is not touched meanwhile;
4. record each result in its own short write, which also sets the next check time
   (a working station in STATION_CHECK_INTERVAL_HOURS, a failing one sooner, backing off).

The probe runs in asyncio.run(), so call these from synchronous code (the CLI, the crawl
loop's thread), not from inside a running event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from airwaves.radio.models import Station, split_list

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(hours=1)
CHECK_TIMEOUT = 10.0
# Enough audio to tell the codec and an MP3 frame's bitrate; a slow stream (64 kbit/s
# Opus) sends this in about a second after the server's burst.
READ_BYTES = 8192


@dataclass
class CheckSummary:
    checked: int = 0
    ok: int = 0
    failed: int = 0
    newly_broken: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    skipped: int = 0  # claimed by another process first

    def describe(self) -> str:
        noun = "station" if self.checked == 1 else "stations"
        text = f"checked {self.checked} {noun}: {self.ok} OK, {self.failed} failed"
        if self.newly_broken:
            text += f"; now broken: {', '.join(self.newly_broken)}"
        if self.recovered:
            text += f"; working again: {', '.join(self.recovered)}"
        return text


def _client():
    from airwaves.lib.net import make_async_client

    return make_async_client(allow_private=settings.ALLOW_PRIVATE_URLS, timeout=CHECK_TIMEOUT)


async def probe(urls: list[str], *, concurrency: int = 16, timeout: float = CHECK_TIMEOUT):
    """StreamInfo for each URL, in order; check_stream never raises."""
    from airwaves.radio import streams

    limit = asyncio.Semaphore(concurrency)
    async with _client() as client:

        async def one(url: str):
            async with limit:
                try:
                    return await streams.check_stream(
                        url, client=client, timeout=timeout, read_bytes=READ_BYTES
                    )
                except Exception as error:  # noqa: BLE001 (a bug must not stop the batch)
                    log.exception("check_stream raised for %s", url)
                    return streams.StreamInfo(ok=False, url=url, error=f"internal error: {error}")

        return await asyncio.gather(*(one(url) for url in urls))


def next_check_after_failure(failures: int) -> timedelta:
    """1 h, 2 h, 4 h … up to the normal interval."""
    interval = timedelta(hours=settings.STATION_CHECK_INTERVAL_HOURS)
    return min(interval, FIRST_RETRY * (2 ** max(0, failures - 1)))


def record_check(station_id: int, info, *, now: datetime | None = None) -> str:
    """Writes one check result; returns "ok", "recovered", "failed" or "broken" (this
    check made the station broken)."""
    now = now or timezone.now()
    with transaction.atomic():
        station = Station.objects.select_for_update().get(pk=station_id)
        station.last_check_at = now
        if info.ok:
            outcome = "recovered" if station.broken else "ok"
            station.last_check_ok = True
            station.last_check_ok_at = now
            station.last_check_error = ""
            station.check_failures = 0
            station.broken = False
            station.next_check_at = now + timedelta(hours=settings.STATION_CHECK_INTERVAL_HOURS)
            station.https = info.https
            station.hls = info.is_hls
            if info.codec:
                station.codec = info.codec.upper()[:30]
            if info.bitrate:
                station.bitrate = info.bitrate
            if info.genre and not station.tags:
                station.tags = ",".join(_split_genre(info.genre))[:1000]
            if (
                info.homepage
                and not station.homepage
                and info.homepage.startswith(("http://", "https://"))
            ):
                station.homepage = info.homepage[:2048]
            resolved_changed = info.url and info.url != station.url_resolved
            if resolved_changed:
                station.url_resolved = info.url[:2048]
        else:
            was_broken = station.broken
            station.last_check_ok = False
            station.last_check_error = (info.error or "failed")[:1000]
            station.check_failures += 1
            station.broken = station.check_failures >= settings.STATION_BROKEN_AFTER
            station.next_check_at = now + next_check_after_failure(station.check_failures)
            outcome = "broken" if station.broken and not was_broken else "failed"
            resolved_changed = False
        station.save()
        if info.ok:
            station.sync_facets()
    if resolved_changed:
        station.rekey()
    return outcome


def _split_genre(genre: str) -> list[str]:
    return split_list(genre.replace("/", ",").replace(";", ","))


def check_station(station: Station, *, timeout: float = CHECK_TIMEOUT) -> str:
    """Checks one station now and records the result (see record_check)."""
    (info,) = asyncio.run(probe([station.url], timeout=timeout))
    outcome = record_check(station.pk, info)
    station.refresh_from_db()
    return outcome


def check_stations(
    stations: Iterable[Station], *, concurrency: int = 16, timeout: float = CHECK_TIMEOUT
) -> CheckSummary:
    rows = list(stations)
    summary = CheckSummary()
    if not rows:
        return summary
    infos = asyncio.run(probe([s.url for s in rows], concurrency=concurrency, timeout=timeout))
    for station, info in zip(rows, infos, strict=True):
        outcome = record_check(station.pk, info)
        summary.checked += 1
        if info.ok:
            summary.ok += 1
        else:
            summary.failed += 1
        if outcome == "broken":
            summary.newly_broken.append(station.name)
        elif outcome == "recovered":
            summary.recovered.append(station.name)
    return summary


def due_stations(now: datetime):
    return Station.objects.filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))


def claim(station: Station, now: datetime) -> bool:
    """Moves the station's next check past the lease, if nobody else did first."""
    return (
        Station.objects.filter(pk=station.pk, next_check_at=station.next_check_at).update(
            next_check_at=now + CLAIM_LEASE
        )
        == 1
    )


def check_due_stations(
    limit: int = 200, *, include_all: bool = False, concurrency: int = 16
) -> CheckSummary:
    """Checks up to `limit` due stations (all stations with include_all), see the module
    docstring. Safe to run in several processes at once."""
    now = timezone.now()
    rows = Station.objects.all() if include_all else due_stations(now)
    candidates = list(
        rows.order_by(F("next_check_at").asc(nulls_first=True), "pk").only(
            "pk", "name", "url", "next_check_at"
        )[:limit]
    )
    claimed = [s for s in candidates if claim(s, now)]
    summary = check_stations(claimed, concurrency=concurrency)
    summary.skipped = len(candidates) - len(claimed)
    return summary
