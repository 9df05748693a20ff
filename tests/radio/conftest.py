"""Fixtures for the live-radio tests: a real Icecast server with a few stations on air.

`icecast` is started once per test session (tests/icecast.py) with these mounts, each an
ffmpeg source sending a sine tone; tests may listen to them but must not stop or retitle
them (start a mount of your own for that with the `icecast_source` fixture, which stops
it when the test ends):

    /live.mp3    MP3 128 kbps, icy-metaint 16000, title "Airwaves Test Radio - Sine 440"
    /live.ogg    Ogg Vorbis 96 kbps
    /live.opus   Ogg Opus 64 kbps

All of them announce icy-name "Airwaves Test Radio", icy-genre "Test Tones",
icy-description "A sine wave for the test suite", icy-url "https://example.org/radio".
Titles set with `icecast.set_title()` reach MP3 listeners in UTF-8, except on a mount named
/latin1.mp3 (not started), configured with Icecast's historical ISO-8859-1.
Stream code refuses loopback addresses unless told otherwise: use `private_urls`
(or the `feed_server` fixture, which sets the same variable).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.icecast import FFMPEG, Icecast, IcecastError

# A mount (not started) whose titles Icecast writes in ISO-8859-1, its historical default.
LATIN1_MOUNT = "/latin1.mp3"
STATIONS = {
    "/live.mp3": ("mp3", 128, "Airwaves Test Radio - Sine 440"),
    "/live.ogg": ("ogg", 96, None),
    "/live.opus": ("opus", 64, None),
}


@pytest.fixture(scope="session")
def icecast() -> Iterator[Icecast]:
    server = Icecast(charsets={LATIN1_MOUNT: "ISO-8859-1"})
    try:
        server.start()
        # Start every source first and wait afterwards: Vorbis takes ~1.5 s to come up.
        for mount, (fmt, bitrate, title) in STATIONS.items():
            server.add_source(mount, fmt, bitrate, title, wait=False)
        for mount in STATIONS:
            server.wait_for_mount(mount)
    except IcecastError as exc:
        server.stop()
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def icecast_source(icecast: Icecast) -> Iterator[Callable[..., str]]:
    """Starts mounts of a test's own and stops them when it ends:
    `url = icecast_source("/mine.mp3", "mp3", bitrate=64, title="A - B")`
    (the arguments of Icecast.add_source)."""
    started: list[str] = []

    def add(mount: str, *args: Any, **kwargs: Any) -> str:
        url = icecast.add_source(mount, *args, **kwargs)
        started.append(mount)
        return url

    yield add
    for mount in started:
        icecast.stop_source(mount)


@pytest.fixture
def private_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets stream code reach 127.0.0.1 (Icecast and FeedServer listen there)."""
    monkeypatch.setenv("AIRWAVES_ALLOW_PRIVATE_URLS", "1")


# ffmpeg output options for each sample: two seconds of a tone, as a station would send it.
SAMPLES = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"],
    "aac": ["-c:a", "aac", "-b:a", "96k", "-f", "adts"],
    "ogg": ["-c:a", "libvorbis", "-b:a", "96k", "-f", "ogg"],
    "opus": ["-c:a", "libopus", "-b:a", "64k", "-f", "ogg"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "ts": ["-c:a", "aac", "-b:a", "96k", "-f", "mpegts"],  # an HLS segment
}


@pytest.fixture(scope="session")
def audio_samples() -> dict[str, bytes]:
    """Two seconds of audio in each format of SAMPLES, made by ffmpeg: {"mp3": b"...", ...}."""
    samples = {}
    for name, options in SAMPLES.items():
        result = subprocess.run(
            [FFMPEG, "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2"]
            + ["-ac", "2", "-ar", "48000" if name == "opus" else "44100", *options, "-"],
            capture_output=True,
            check=True,
            timeout=30,
        )
        samples[name] = result.stdout
    return samples
