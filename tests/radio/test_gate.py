"""Event streams and proxied audio are bounded per client address and per process, and
refused while file descriptors run short; each place comes back when its listener leaves."""

from __future__ import annotations

import contextlib
import threading

import httpx
import pytest

from airwaves.radio import gate, hub
from tests.radio import fixtures
from tests.radio.fixtures import SERVES_STATIC_FILES, EventReader, make_station, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), SERVES_STATIC_FILES]
asgi_server = fixtures.asgi_server


@pytest.fixture(autouse=True)
def short_linger(monkeypatch):
    monkeypatch.setattr(hub, "LINGER", 0.3)


@pytest.fixture
def quiet_station():
    """HLS: its events stream opens no upstream, so only the gate is under test."""
    return make_station("Quiet FM", "https://hls.example.org/live.m3u8", hls=True)


def events_url(server, station) -> str:
    return f"{server.url}/radio/{station.slug}/events"


def all_places_back() -> bool:
    return gate.open_by_kind["events"] == 0 and gate.open_by_kind["proxy"] == 0


def test_one_client_gets_429_beyond_its_streams_and_x_forwarded_for_does_not_help(
    asgi_server, quiet_station, settings
):
    settings.RADIO_MAX_STREAMS_PER_CLIENT = 2
    url = events_url(asgi_server, quiet_station)
    with EventReader(url), EventReader(url):
        third = httpx.get(url, headers={"X-Forwarded-For": "203.0.113.9"}, timeout=5)
        assert third.status_code == 429
        assert third.headers["retry-after"] == str(gate.RETRY_AFTER)
        assert "at most 2" in third.text
        assert gate.open_by_client["127.0.0.1"] == 2
    wait_for(all_places_back, timeout=5, message="the places to come back")
    with EventReader(url):
        pass  # a place again


def test_the_process_answers_503_beyond_its_event_streams(asgi_server, quiet_station, settings):
    settings.RADIO_MAX_EVENT_STREAMS = 1
    url = events_url(asgi_server, quiet_station)
    with EventReader(url):
        second = httpx.get(url, timeout=5)
        assert second.status_code == 503
        assert "as many now-playing updates as it is configured for (1)" in second.text
        assert second.headers["retry-after"] == str(gate.RETRY_AFTER)
    wait_for(all_places_back, timeout=5, message="the place to come back")


def test_streams_are_refused_while_file_descriptors_run_short(asgi_server, quiet_station, settings):
    from airwaves import serving

    settings.FD_RESERVE = 10**9
    serving.forget_fd_count()
    response = httpx.get(events_url(asgi_server, quiet_station), timeout=5)
    assert response.status_code == 503
    assert "too busy" in response.text
    assert all_places_back()


def test_an_unknown_station_gives_its_place_back(asgi_server):
    response = httpx.get(f"{asgi_server.url}/radio/no-such-station/events", timeout=5)
    assert response.status_code == 404
    response = httpx.get(f"{asgi_server.url}/radio/no-such-station/stream", timeout=5)
    assert response.status_code == 404
    assert all_places_back()


def test_proxy_listeners_share_the_per_client_cap(asgi_server, quiet_station, icecast, settings):
    settings.RADIO_MAX_STREAMS_PER_CLIENT = 2
    station = make_station("Gate FM", icecast.url("/live.mp3"))
    stream = f"{asgi_server.url}/radio/{station.slug}/stream"
    with EventReader(events_url(asgi_server, quiet_station)):
        with httpx.stream("GET", stream, timeout=10) as first:
            assert first.status_code == 200
            second = httpx.get(stream, timeout=5)
            assert second.status_code == 429
            assert gate.open_by_kind["proxy"] == 1
    wait_for(all_places_back, timeout=5, message="the places to come back")


def test_the_process_answers_503_beyond_its_proxy_listeners(asgi_server, icecast, settings):
    settings.RADIO_MAX_PROXY_LISTENERS = 1
    station = make_station("Gate FM", icecast.url("/live.mp3"))
    stream = f"{asgi_server.url}/radio/{station.slug}/stream"
    with httpx.stream("GET", stream, timeout=10) as first:
        assert first.status_code == 200
        second = httpx.get(stream, timeout=5)
        assert second.status_code == 503
        assert "as many radio streams as it is configured for (1)" in second.text
    wait_for(all_places_back, timeout=5, message="the place to come back")


def test_a_refused_upstream_gives_the_place_back(asgi_server, settings):
    station = make_station("Off Air", "http://127.0.0.1:9/live")
    response = httpx.get(f"{asgi_server.url}/radio/{station.slug}/stream", timeout=20)
    assert response.status_code == 502
    assert all_places_back()


def worker_threads() -> int:
    """Threads of sync_to_async executors (the server runs in this process)."""
    return sum(1 for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor"))


def test_open_streams_hold_no_thread_each(asgi_server, quiet_station, icecast, settings):
    settings.RADIO_MAX_STREAMS_PER_CLIENT = 100
    station = make_station("Thread FM", icecast.url("/live.mp3"))
    stream = f"{asgi_server.url}/radio/{station.slug}/stream"
    # Warm up: the shared threads (the one for synchronous code, the hub's) exist first.
    with EventReader(events_url(asgi_server, quiet_station)):
        pass
    with httpx.stream("GET", stream, timeout=10) as first:
        assert first.status_code == 200
    wait_for(all_places_back, timeout=5, message="the warm-up streams to end")
    before = worker_threads()
    with contextlib.ExitStack() as stack:
        for _ in range(20):
            stack.enter_context(EventReader(events_url(asgi_server, quiet_station)))
        for _ in range(10):
            response = stack.enter_context(httpx.stream("GET", stream, timeout=10))
            assert response.status_code == 200
        assert gate.open_by_kind["events"] == 20 and gate.open_by_kind["proxy"] == 10
        during = worker_threads()
    assert during - before <= 2, (before, during)
