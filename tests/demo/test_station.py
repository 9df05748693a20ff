"""The demo station end to end, through the same code as any station: the check, the
now-playing events, the proxy, votes and hearts; and the one loopback origin the SSRF
guard lets through for it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import httpx
import pytest

from airwaves.demo.broadcaster import PROGRAMMES, Broadcaster
from airwaves.demo.station import load_demo_stations
from airwaves.lib.guard import BlockedAddressError, check_url
from airwaves.lib.net import make_client
from airwaves.radio import checks, streams
from airwaves.radio.models import Station, StationFavourite
from tests.radio.fixtures import SERVES_STATIC_FILES, EventReader

pytestmark = [pytest.mark.django_db(transaction=True), SERVES_STATIC_FILES]

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
TITLES = {title for _stem, title in PROGRAMMES}


def decoded_seconds(url: str, seconds: float = 2.0) -> float:
    """How much audio ffmpeg decodes from the first `seconds` of `url`."""
    out = subprocess.run(
        [FFMPEG, "-v", "error", "-t", str(seconds), "-i", url, "-ac", "1", "-ar", "8000"]
        + ["-f", "s16le", "-"],
        capture_output=True,
        timeout=30,
        check=True,
    )
    return len(out.stdout) / 2 / 8000


def test_the_check_marks_both_stations_on_air_with_codec_and_bitrate(demo_radio, broadcaster):
    mp3, hls = demo_radio
    assert mp3.last_check_ok and not mp3.broken, mp3.last_check_error
    assert (mp3.codec, mp3.bitrate, mp3.hls) == ("MP3", 32, False)
    assert mp3.url_resolved == broadcaster.url + "/live.mp3"
    assert mp3.homepage == "https://github.com/airwaves-fm/airwaves"  # its icy-url
    assert hls.last_check_ok and not hls.broken, hls.last_check_error
    assert (hls.codec, hls.bitrate, hls.hls) == ("MP3", 32, True)


def test_a_new_start_moves_the_stations_to_the_new_origin(demo_radio):
    with Broadcaster() as other:
        moved = load_demo_stations(other.url)
    assert [s.pk for s in moved] == [s.pk for s in demo_radio]
    assert moved[0].url == other.url + "/live.mp3"
    assert moved[0].url_key == Station.key_for(other.url + "/live.mp3")
    assert Station.objects.count() == 2


def test_another_loopback_url_is_still_refused(demo_radio, broadcaster):
    # A real server on 127.0.0.1 that would answer, on another port.
    with Broadcaster() as other:
        info = asyncio.run(streams.check_stream(other.url + "/live.mp3", allow_private=False))
        assert not info.ok and "refused to connect to 127.0.0.1" in info.error
        with make_client(allow_private=False) as client, pytest.raises(BlockedAddressError):
            client.get(other.url + "/live.mp3")
        with pytest.raises(BlockedAddressError):
            check_url(other.url + "/", allow_private=False)
        # A station pointed at it fails its check, as any station on a private address.
        station = Station.objects.create(name="Not The Demo", url=other.url + "/live.mp3")
        assert checks.check_station(station) == "failed"
        assert "refused" in station.last_check_error
    # The demo origin under another scheme, or another loopback address, is no exception.
    port = broadcaster.url.rsplit(":", 1)[1]
    for url in (f"https://127.0.0.1:{port}/live.mp3", f"http://127.0.0.2:{port}/live.mp3"):
        with make_client(allow_private=False) as client, pytest.raises(BlockedAddressError):
            client.get(url)


def test_the_station_page_event_stream_delivers_a_changing_title(site, demo_radio):
    mp3 = demo_radio[0]
    page = httpx.get(f"{site.url}/radio/{mp3.slug}/")
    assert page.status_code == 200 and f"/radio/{mp3.slug}/events" in page.text
    with EventReader(f"{site.url}/radio/{mp3.slug}/events") as events:
        seen = events.wait_for(lambda seen: len({e["title"] for e in seen} & TITLES) >= 2)
    titles = [e["title"] for e in seen if e["title"]]
    assert set(titles) <= TITLES
    assert titles[0] != titles[1]
    assert " - " in titles[0] and seen[-1]["artist"] and seen[-1]["song"]
    mp3.refresh_from_db()
    assert mp3.now_playing in TITLES


def test_the_proxy_and_the_direct_stream_decode_as_audio(site, demo_radio):
    mp3 = demo_radio[0]
    proxied = f"{site.url}/radio/{mp3.slug}/stream"
    with httpx.stream("GET", proxied, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "audio/mpeg"
    assert decoded_seconds(proxied) >= 1.9
    assert decoded_seconds(mp3.stream_url) >= 1.9
    mp3.refresh_from_db()
    assert mp3.click_count >= 1  # the proxy counted the listener like any other


def test_the_hls_variant_decodes_as_audio(demo_radio):
    hls = demo_radio[1]
    assert decoded_seconds(hls.stream_url) >= 1.9


def test_votes_and_hearts_count_for_the_demo_station(demo_radio, client, alice):
    mp3 = demo_radio[0]
    assert client.post(f"/radio/{mp3.slug}/vote").status_code in (200, 302)
    assert Station.objects.get(pk=mp3.pk).votes == 1
    client.force_login(alice)
    assert client.post(f"/radio/{mp3.slug}/favourite").status_code in (200, 302)
    assert StationFavourite.objects.filter(user=alice, station=mp3).exists()
