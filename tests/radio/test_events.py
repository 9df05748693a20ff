"""Now playing: ICY titles from a real Icecast reach station pages as server-sent events,
with one upstream connection per station however many pages are open."""

from __future__ import annotations

import time

import httpx
import pytest

from airwaves.radio import hub
from airwaves.radio.models import Station
from tests.radio import fixtures
from tests.radio.fixtures import (
    SERVES_STATIC_FILES,
    EventReader,
    make_station,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), SERVES_STATIC_FILES]
# The fixture, by name (a plain import would read as an unused import to linters).
asgi_server = fixtures.asgi_server
MOUNT = "/events.mp3"


@pytest.fixture
def on_air(icecast):
    """A mount of this module's own (its title changes), with a station for it."""
    icecast.add_source(MOUNT, "mp3", bitrate=128, title="Airwaves - Warm-up")
    yield make_station("Events FM", icecast.url(MOUNT))
    icecast.stop_source(MOUNT)


@pytest.fixture(autouse=True)
def short_linger(monkeypatch):
    monkeypatch.setattr(hub, "LINGER", 0.3)


def events_url(server, station) -> str:
    return f"{server.url}/radio/{station.slug}/events"


def test_a_title_set_in_icecast_reaches_the_station_page_events(asgi_server, on_air, icecast):
    title = "Sigur Rós - Hoppípolla; live 'n' loud"
    with EventReader(events_url(asgi_server, on_air)) as reader:
        reader.wait_for(lambda seen: seen[-1]["title"] == "Airwaves - Warm-up")
        icecast.set_title(MOUNT, title)
        events = reader.wait_for(lambda seen: seen[-1]["title"] == title)

    assert events[-1] == {
        "title": title,
        "artist": "Sigur Rós",
        "song": "Hoppípolla; live 'n' loud",
    }
    # Stored on the station too (just after the pages got it).
    stored = Station.objects.filter(pk=on_air.pk, now_playing=title, now_playing_at__isnull=False)
    wait_for(stored.exists, timeout=5, message="the title to be stored")


def test_the_current_title_comes_first_and_pages_share_one_upstream(asgi_server, on_air, icecast):
    url = events_url(asgi_server, on_air)
    with EventReader(url) as first:
        first.wait_for(lambda seen: seen[-1]["title"] == "Airwaves - Warm-up")
        with EventReader(url) as second, EventReader(url) as third:
            # Known already: sent at once, without waiting for the stream.
            second.wait_for(lambda seen: seen[0]["title"] == "Airwaves - Warm-up", timeout=2)
            third.wait_for(lambda seen: seen[0]["title"] == "Airwaves - Warm-up", timeout=2)
            assert icecast.mounts()[MOUNT] == 1
            icecast.set_title(MOUNT, "Everybody - Same song")
            for reader in (first, second, third):
                reader.wait_for(lambda seen: seen[-1]["title"] == "Everybody - Same song")
            assert icecast.mounts()[MOUNT] == 1
    # The last page left: the upstream is closed after the linger time.
    wait_for(lambda: icecast.mounts()[MOUNT] == 0, timeout=5, message="the upstream to close")


def test_a_station_without_a_title_sends_an_empty_one_and_keeps_alive(asgi_server, monkeypatch):
    monkeypatch.setattr(hub, "KEEPALIVE", 0.2)
    station = make_station("Silent FM", "http://127.0.0.1:9/nothing-listens-here")
    with EventReader(events_url(asgi_server, station)) as reader:
        events = reader.wait_for(lambda seen: True, timeout=3)
        assert events[0] == {"title": "", "artist": "", "song": ""}
        deadline = time.monotonic() + 3
        while not reader.comments and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reader.comments and reader.comments[0] == ": keep-alive"


def test_events_for_an_unknown_station_are_not_found(asgi_server):
    response = httpx.get(f"{asgi_server.url}/radio/nope/events")
    assert response.status_code == 404
