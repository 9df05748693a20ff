"""The demo broadcaster as a listener's player sees it, and what it does with bad requests."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
import pytest

from airwaves.demo import broadcaster as module
from airwaves.demo.broadcaster import (
    Broadcaster,
    ProgrammeError,
    id3_timestamp,
    load_programmes,
    read_frames,
)
from airwaves.lib.guard import allow_local_origin, forget_local_origin
from airwaves.radio import streams
from airwaves.radio.icy import IcyParser


def test_titles_follow_the_programmes_in_the_stream(broadcaster):
    with httpx.stream(
        "GET", broadcaster.url + "/live.mp3", headers={"Icy-MetaData": "1"}, timeout=10
    ) as response:
        assert response.headers["icy-metaint"] == "8192"
        assert response.headers["icy-br"] == "32"
        parser = IcyParser(8192)
        audio, titles = bytearray(), []
        for chunk in response.iter_bytes():
            more, found = parser.feed(chunk)
            audio += more
            titles += found
            if len(audio) >= module.BURST_BYTES:
                break
    # The burst spans several programmes, each named once, in the loop's order.
    order = [title for _stem, title in module.PROGRAMMES]
    assert len(titles) >= 2 and len(set(titles)) == len(titles)
    first = order.index(titles[0])
    assert titles == [order[(first + i) % len(order)] for i in range(len(titles))]
    assert streams.sniff_codec(bytes(audio[:4096])) == "MP3"


def test_without_icy_metadata_the_stream_is_audio_only(broadcaster):
    with httpx.stream("GET", broadcaster.url + "/live.mp3", timeout=10) as response:
        assert "icy-metaint" not in response.headers
        head = next(response.iter_bytes())
    assert b"StreamTitle" not in head and streams.sniff_codec(head) == "MP3"


def test_the_live_playlist_lists_programmes_that_have_played(broadcaster):
    text = httpx.get(broadcaster.url + "/hls/live.m3u8").text
    assert text.startswith("#EXTM3U") and "#EXT-X-TARGETDURATION:8" in text
    segments = [line for line in text.splitlines() if line.endswith(".mp3")]
    assert len(segments) == module.HLS_WINDOW
    last = int(segments[-1].removesuffix(".mp3"))
    body = httpx.get(f"{broadcaster.url}/hls/{last}.mp3").content
    start = broadcaster.schedule.segment_start(last) * 576 * 90_000 // 22050
    assert body.startswith(id3_timestamp(start))
    assert streams.sniff_codec(body) == "MP3"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/admin/",
        "/live.mp3/../etc/passwd",
        "/hls/-1.mp3",
        "/hls/x.mp3",
        "/hls/1" + "0" * 12 + ".mp3",
    ],
)
def test_unknown_paths_are_not_found(broadcaster, path):
    assert httpx.get(broadcaster.url + path).status_code == 404


def test_a_programme_not_played_yet_is_not_found(broadcaster):
    future = broadcaster.live_segment() + 5
    assert httpx.get(f"{broadcaster.url}/hls/{future}.mp3").status_code == 404


def test_other_methods_are_refused(broadcaster):
    assert httpx.post(broadcaster.url + "/live.mp3", content=b"x" * 1000).status_code == 501


def test_listeners_beyond_the_limit_are_refused(broadcaster):
    broadcaster.slots = threading.BoundedSemaphore(1)
    with httpx.stream("GET", broadcaster.url + "/live.mp3", timeout=10) as first:
        next(first.iter_bytes())
        refused = httpx.get(broadcaster.url + "/live.mp3", timeout=10)
        assert refused.status_code == 503
    # The place is given back when the listener leaves.
    assert asyncio.run(_wait_for_slot(broadcaster)), "the listener's place was not given back"


async def _wait_for_slot(broadcaster, timeout: float = 5.0) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if broadcaster.slots.acquire(blocking=False):
            broadcaster.slots.release()
            return True
        await asyncio.sleep(0.05)
    return False


def test_a_request_line_too_long_is_refused(broadcaster):
    host, port = broadcaster.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /" + b"a" * 70_000 + b" HTTP/1.0\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.0 414")


def test_a_file_with_tags_or_another_format_is_refused(tmp_path):
    frames = load_programmes()[0].frames
    assert read_frames(b"".join(frames), "ok.mp3") == frames
    with pytest.raises(ProgrammeError, match="no MP3 frame at byte 0"):
        read_frames(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"".join(frames), "tagged.mp3")
    with pytest.raises(ProgrammeError, match="cut.mp3: no MP3 frame at byte"):
        read_frames(b"".join(frames)[:-10], "cut.mp3")
    with pytest.raises(ProgrammeError, match="missing"):
        load_programmes(tmp_path / "missing")


def test_the_origin_passes_the_guard_only_while_registered(broadcaster):
    url = broadcaster.url + "/live.mp3"

    def check():
        return asyncio.run(streams.check_stream(url, allow_private=False))

    assert "refused" in check().error
    allow_local_origin(broadcaster.url)
    try:
        assert check().ok
    finally:
        forget_local_origin(broadcaster.url)
    assert "refused" in check().error
    for origin in ("http://localhost:80", "http://127.0.0.1:80/path"):
        with pytest.raises(ValueError, match="not an origin with an IP address"):
            allow_local_origin(origin)


def test_stopping_ends_the_listeners_streams():
    server = Broadcaster().start()
    with httpx.stream("GET", server.url + "/live.mp3", timeout=10) as response:
        chunks = response.iter_bytes()
        next(chunks)
        server.stop()
        with pytest.raises(StopIteration):
            while True:
                next(chunks)
