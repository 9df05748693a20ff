"""`airwaves serve --demo` as a newcomer runs it: the demo station is on air, listed on
/radio/ and the home page, and plays through the site, with no private address allowed
past the SSRF guard but the demo broadcaster's."""

from __future__ import annotations

import os
import shutil

import httpx

from airwaves.radio.playlists import sniff_codec
from airwaves.staticstorage import digest_path
from tests.test_serve import start, stop


def test_serve_demo_puts_the_demo_station_on_air(tmp_path, settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.pop("AIRWAVES_ALLOW_PRIVATE_URLS", None)
    env["AIRWAVES_DATA_DIR"] = str(tmp_path)
    # The static files this run already collected: collecting them again takes longer
    # than the rest of the start-up, and is tested in tests/test_static.py.
    shutil.copytree(settings.STATIC_ROOT, tmp_path / "static")
    shutil.copy(digest_path(settings.STATIC_ROOT), digest_path(tmp_path / "static"))
    proc, base = start(env, "--demo", "--no-crawl")
    try:
        radio = httpx.get(base + "/radio/").text
        assert "Airwaves Demo Radio" in radio and "Airwaves Demo Radio (HLS)" in radio
        assert "MP3 · 32 kbps" in radio
        assert "Airwaves Demo Radio" in httpx.get(base + "/").text
        station = httpx.get(base + "/radio/airwaves-demo-radio/").text
        assert "MP3, 32 kbps" in station
        with httpx.stream("GET", base + "/radio/airwaves-demo-radio/stream", timeout=10) as audio:
            assert audio.status_code == 200
            assert sniff_codec(next(audio.iter_bytes())) == "MP3"
    finally:
        stop(proc)
