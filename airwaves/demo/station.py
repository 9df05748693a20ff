"""The demo radio stations: Airwaves Demo Radio as an MP3 stream and as HLS, both played by
the demo broadcaster (broadcaster.py) that `airwaves serve --demo` starts.

They are ordinary Station rows, checked, proxied and listened to by the same code as any
station. Two things differ, both here: their stream URLs point at the broadcaster's origin,
which changes with every start (a free port), and that one origin is let past the SSRF
guard (lib/guard.allow_local_origin) — every other loopback URL stays refused.

Server processes started by `serve --workers N` are separate interpreters: the origin
reaches them in ORIGIN_ENV, which asgi.py hands to `allow_origin_from_environment`.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from airwaves.demo.broadcaster import Broadcaster
from airwaves.lib.guard import allow_local_origin

ORIGIN_ENV = "AIRWAVES_DEMO_STATION_ORIGIN"


@dataclass(frozen=True)
class DemoStation:
    uuid: uuid.UUID  # fixed: the same row is found again at every start
    name: str
    path: str  # on the broadcaster


DEMO_STATIONS = (
    DemoStation(
        uuid.UUID("5d1a6c0e-2f57-4b6e-9d0a-a1b2c3d40001"), "Airwaves Demo Radio", "/live.mp3"
    ),
    DemoStation(
        uuid.UUID("5d1a6c0e-2f57-4b6e-9d0a-a1b2c3d40002"),
        "Airwaves Demo Radio (HLS)",
        "/live.m3u8",
    ),
)


def load_demo_stations(origin: str) -> list:
    """Creates the demo stations, or points them at `origin` (the broadcaster's, this
    start's). Their check results are left to the check (run_checks)."""
    from airwaves.radio.models import Station

    stations = []
    for demo in DEMO_STATIONS:
        url = origin.rstrip("/") + demo.path
        station = Station.objects.filter(uuid=demo.uuid).first()
        if station is None:
            station = Station(
                uuid=demo.uuid,
                name=demo.name,
                tags="demo,speech,test tones",
                language="English",
                language_codes="en",
            )
        if station.url != url:
            station.url = url
            station.url_resolved = ""
            station.url_key = Station.key_for(url)
            # Due now: what the last start's check found was about another port.
            station.next_check_at = None
        station.save()
        station.sync_facets()
        stations.append(station)
    return stations


def run_checks(stations: list) -> list[str]:
    """Checks the demo stations now, as the crawler would: one outcome per station."""
    from airwaves.radio.checks import check_station

    return [check_station(station) for station in stations]


def start_demo_station() -> tuple[Broadcaster, list]:
    """Starts the broadcaster, lets its origin past the guard, and loads and checks the
    demo stations. The caller stops the broadcaster when the site stops."""
    broadcaster = Broadcaster().start()
    allow_local_origin(broadcaster.url)
    os.environ[ORIGIN_ENV] = broadcaster.url  # for server processes started after this
    stations = load_demo_stations(broadcaster.url)
    run_checks(stations)
    return broadcaster, stations


def allow_origin_from_environment() -> None:
    """In a server process of `serve --demo --workers N`: the origin its supervisor's
    broadcaster registered."""
    origin = os.environ.get(ORIGIN_ENV, "")
    if origin:
        allow_local_origin(origin)
