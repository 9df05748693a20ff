"""Fixtures for the demo station: its broadcaster on 127.0.0.1, the stations pointed at
it and checked, and the site under uvicorn, with nothing private allowed past the SSRF
guard but the broadcaster's own origin (as under `airwaves serve --demo`)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from airwaves.demo.broadcaster import Broadcaster
from airwaves.demo.station import load_demo_stations, run_checks
from airwaves.lib.guard import allow_local_origin, forget_local_origin
from tests.radio.fixtures import AsgiServer


@pytest.fixture
def broadcaster() -> Iterator[Broadcaster]:
    with Broadcaster() as server:
        yield server


@pytest.fixture
def guarded(settings, monkeypatch) -> None:
    """Loopback addresses refused, as on a real site."""
    settings.ALLOW_PRIVATE_URLS = False
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS", raising=False)


@pytest.fixture
def demo_radio(transactional_db, broadcaster, guarded) -> Iterator[list]:
    """The demo stations (MP3, then HLS), checked through the guard."""
    allow_local_origin(broadcaster.url)
    stations = load_demo_stations(broadcaster.url)
    # In a thread of its own: the check runs its own event loop, and a browser test's
    # thread has Playwright's running.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_check_in_thread, stations).result()
    for station in stations:
        station.refresh_from_db()
    yield stations
    forget_local_origin(broadcaster.url)


def _check_in_thread(stations: list) -> None:
    try:
        run_checks(stations)
    finally:
        connections.close_all()  # this thread's own connection, before it ends


@pytest.fixture
def site(demo_radio) -> Iterator[AsgiServer]:
    server = AsgiServer().start()
    yield server
    server.stop()
