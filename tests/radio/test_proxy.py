"""The stream proxy against a real Icecast: audio passes, metadata does not, the upstream
goes away with the listener, and the number of upstream connections is capped."""

from __future__ import annotations

import logging
import socket
import subprocess

import httpx
import pytest

from airwaves.radio import proxy
from airwaves.radio.models import Station
from tests.radio import fixtures
from tests.radio.fixtures import SERVES_STATIC_FILES, make_station, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), SERVES_STATIC_FILES]
# The fixture, by name (a plain import would read as an unused import to linters).
asgi_server = fixtures.asgi_server
MOUNT = "/proxy.mp3"


@pytest.fixture
def on_air(icecast):
    icecast.add_source(MOUNT, "mp3", bitrate=128, title="Proxy - First")
    yield make_station("Proxy FM", icecast.url(MOUNT))
    icecast.stop_source(MOUNT)


def stream_url(server, station) -> str:
    return f"{server.url}/radio/{station.slug}/stream"


def read_stream(url: str, size: int) -> tuple[httpx.Response, bytes]:
    with httpx.stream("GET", url, timeout=10) as response:
        data = b""
        if response.status_code == 200:
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) >= size:
                    break
        else:
            response.read()
            data = response.content
    return response, data


def test_the_proxy_passes_audio_without_metadata_and_it_decodes(asgi_server, on_air, icecast):
    icecast.set_title(MOUNT, "Proxy - Second; with 'quotes'")
    response, audio = read_stream(stream_url(asgi_server, on_air), 24_000)

    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert b"StreamTitle" not in audio and b"Proxy - " not in audio
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "mp3", "-i", "-", "-f", "null", "-"],
        input=audio,
        capture_output=True,
        timeout=20,
    )
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stderr == b""
    assert Station.objects.get(pk=on_air.pk).click_count == 1


def test_the_upstream_is_released_when_the_listener_leaves(asgi_server, on_air, icecast):
    sock = socket.create_connection(("127.0.0.1", int(asgi_server.url.rsplit(":", 1)[1])))
    sock.sendall(f"GET /radio/{on_air.slug}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    wait_for(lambda: icecast.mounts()[MOUNT] == 1, message="the proxy to connect upstream")
    assert proxy.slots.active == 1

    sock.close()  # the listener closes the tab

    wait_for(lambda: icecast.mounts()[MOUNT] == 0, timeout=5, message="the upstream to close")
    wait_for(lambda: proxy.slots.active == 0, timeout=5, message="the slot to be free")


def test_listeners_of_a_station_share_one_upstream(asgi_server, on_air, icecast):
    url = stream_url(asgi_server, on_air)
    with httpx.stream("GET", url, timeout=10) as first:
        assert first.status_code == 200
        with httpx.stream("GET", url, timeout=10) as second:
            assert second.status_code == 200
            head = next(second.iter_bytes())
            # The second listener starts with recent audio, at a frame boundary.
            assert len(head) > 8000
            assert head[0] == 0xFF and head[1] & 0xE0 == 0xE0
            assert icecast.mounts()[MOUNT] == 1
            assert proxy.slots.active == 1
    wait_for(lambda: icecast.mounts()[MOUNT] == 0, timeout=5, message="the upstream to close")


def test_listeners_beyond_the_cap_are_told_to_come_back_later(
    asgi_server, on_air, icecast, settings
):
    settings.RADIO_MAX_PROXY_STREAMS = 1
    other = make_station("Other FM", icecast.url("/live.mp3"))
    with httpx.stream("GET", stream_url(asgi_server, on_air), timeout=10) as first:
        assert first.status_code == 200
        response, body = read_stream(stream_url(asgi_server, other), 1)
        assert response.status_code == 503
        assert b"relaying as many radio streams as it is configured for (1)" in body
    wait_for(lambda: proxy.slots.active == 0, timeout=5, message="the slot to be free")
    response, _ = read_stream(stream_url(asgi_server, other), 1000)
    assert response.status_code == 200


def test_a_station_off_air_gets_a_clear_bad_gateway(asgi_server, caplog):
    station = make_station("Off Air", "http://127.0.0.1:9/live")
    with caplog.at_level(logging.WARNING, logger="airwaves.radio.proxy"):
        response, body = read_stream(stream_url(asgi_server, station), 1)
    assert response.status_code == 502
    assert body == b"The stream of Off Air could not be reached. Try again later.\n"
    assert proxy.slots.active == 0
    # The reason is for the operator's log, not for the listener.
    assert "could not connect to" in caplog.text and "127.0.0.1:9" in caplog.text


def test_the_proxy_refuses_private_addresses_without_saying_why(
    asgi_server, on_air, settings, caplog
):
    settings.ALLOW_PRIVATE_URLS = False
    with caplog.at_level(logging.WARNING, logger="airwaves.radio.proxy"):
        response, body = read_stream(stream_url(asgi_server, on_air), 1)
    assert response.status_code == 502
    assert body == b"The stream of Proxy FM could not be reached. Try again later.\n"
    for secret in (b"127.0.0.1", b"loopback", b"AIRWAVES_ALLOW_PRIVATE_URLS", b"refused"):
        assert secret not in body
    assert "refused to connect to 127.0.0.1 (loopback address)" in caplog.text


def test_hls_stations_are_not_relayed(asgi_server):
    station = make_station("HLS FM", "https://hls.example.com/live.m3u8", hls=True)
    response, body = read_stream(stream_url(asgi_server, station), 1)
    assert response.status_code == 409
    assert b"streams HLS" in body


def test_an_ogg_station_keeps_its_content_type_and_starts_at_its_headers(asgi_server, icecast):
    station = make_station("Ogg FM", icecast.url("/live.ogg"))
    response, audio = read_stream(stream_url(asgi_server, station), 4000)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/ogg"
    # Ogg cannot be joined half-way: each listener has its own upstream from the start.
    assert audio.startswith(b"OggS") and b"vorbis" in audio[:100]
