"""Checking, resolving and opening station streams, against a real Icecast and FeedServer."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from airwaves.lib.net import make_async_client
from airwaves.radio.streams import (
    StreamError,
    StreamInfo,
    check_stream,
    open_stream,
    resolve_stream,
)
from tests.feedserver import FeedServer, Request
from tests.icecast import Icecast
from tests.tls import client_tls, make_certificates, server_tls

TESTDATA = Path(__file__).parent / "testdata"
SAMPLE_HOST = "http://radio.example.org:8000"  # where the saved playlists point


def check(url: str, **options) -> StreamInfo:
    return asyncio.run(check_stream(url, **options))


def resolve(url: str, **options) -> tuple[str, bool]:
    return asyncio.run(resolve_stream(url, **options))


def serve_sample(server: FeedServer, path: str, name: str, icecast: Icecast, **headers) -> str:
    """Serves testdata/<name> at `path`, its radio.example.org entries moved to Icecast."""
    data = (TESTDATA / name).read_bytes().replace(SAMPLE_HOST.encode(), icecast.base_url.encode())
    server.route(path, data, headers=headers)
    return server.url(path)


# -- check_stream on Icecast -----------------------------------------------------------------


def test_a_live_mp3_mount_is_ok_with_its_codec_bitrate_and_icy_details(
    icecast: Icecast, private_urls: None
) -> None:
    info = check(icecast.url("/live.mp3"))
    assert info == StreamInfo(
        ok=True,
        url=icecast.url("/live.mp3"),
        content_type="audio/mpeg",
        codec="MP3",
        bitrate=128,
        name="Airwaves Test Radio",
        genre="Test Tones",
        description="A sine wave for the test suite",
        homepage="https://example.org/radio",
        metaint=16000,
    )


@pytest.mark.parametrize(
    ("mount", "codec", "bitrate"), [("/live.ogg", "OGG", 96), ("/live.opus", "OPUS", 64)]
)
def test_ogg_mounts_are_told_apart_by_their_first_bytes(
    icecast: Icecast, private_urls: None, mount: str, codec: str, bitrate: int
) -> None:
    info = check(icecast.url(mount), read_bytes=4096)
    assert (info.ok, info.error, info.content_type) == (True, "", "audio/ogg")
    assert (info.codec, info.bitrate, info.metaint) == (codec, bitrate, None)
    assert info.name == "Airwaves Test Radio"


def test_a_stopped_mount_is_not_ok(
    icecast: Icecast, icecast_source: Callable[..., str], private_urls: None
) -> None:
    url = icecast_source("/goes-off-air.mp3", "mp3")
    assert check(url, read_bytes=1024).ok
    icecast.stop_source("/goes-off-air.mp3")
    info = check(url)
    assert not info.ok
    assert info.error == (
        f"HTTP 404 File Not Found from {url}: "
        "nothing there (the station is off air, or the address is wrong)"
    )


def test_a_mount_that_never_existed_is_not_ok(icecast: Icecast, private_urls: None) -> None:
    info = check(icecast.url("/no-such-mount"))
    assert not info.ok
    assert info.error.startswith("HTTP 404 File Not Found from http://127.0.0.1:")


def test_loopback_is_refused_unless_private_addresses_are_allowed(
    icecast: Icecast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS", raising=False)
    info = check(icecast.url("/live.mp3"))
    assert not info.ok
    assert info.error.startswith("refused to connect to 127.0.0.1 (loopback address)")
    assert "AIRWAVES_ALLOW_PRIVATE_URLS=1" in info.error

    async def with_clients() -> tuple[StreamInfo, StreamInfo]:
        async with make_async_client(allow_private=False) as strict:
            refused = await check_stream(icecast.url("/live.mp3"), client=strict)
        async with make_async_client(allow_private=True) as lenient:
            allowed = await check_stream(icecast.url("/live.mp3"), client=lenient, read_bytes=1)
        return refused, allowed

    refused, allowed = asyncio.run(with_clients())
    assert "loopback address" in refused.error
    assert allowed.ok  # a given client's guard decides, whatever the environment says


def test_check_stream_reads_no_more_than_it_needs(icecast: Icecast, private_urls: None) -> None:
    started = time.monotonic()
    info = check(icecast.url("/live.mp3"), read_bytes=2048)
    assert info.ok
    assert time.monotonic() - started < 1.5  # the burst alone holds 2 KiB


# -- check_stream on other servers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "content_type", "codec"),
    [
        ("mp3", "application/octet-stream", "MP3"),
        ("aac", "application/octet-stream", "AAC"),
        ("aac", "audio/aacp", "AAC+"),
        ("ogg", "", "OGG"),
        ("opus", "application/ogg", "OPUS"),
        ("flac", "application/octet-stream", "FLAC"),
        ("mp3", "audio/mpeg", "MP3"),
    ],
)
def test_the_codec_comes_from_the_bytes_when_the_content_type_is_generic(
    feed_server: FeedServer,
    audio_samples: dict[str, bytes],
    sample: str,
    content_type: str,
    codec: str,
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    feed_server.route("/stream", audio_samples[sample], headers=headers)
    info = check(feed_server.url("/stream"))
    assert (info.ok, info.error, info.codec) == (True, "", codec)


def test_the_mp3_bitrate_comes_from_the_frames_without_icy_br(
    feed_server: FeedServer, audio_samples: dict[str, bytes]
) -> None:
    feed_server.route("/stream", audio_samples["mp3"], headers={"Content-Type": "audio/mpeg"})
    assert check(feed_server.url("/stream")).bitrate == 128


def test_icy_headers_in_other_spellings_are_read(
    feed_server: FeedServer, audio_samples: dict[str, bytes]
) -> None:
    headers = {
        "Content-Type": "audio/mpeg",
        "icy-br": "192, 192",
        "icy-name": "Radio Zwölf",  # sent as Latin-1 bytes by http.server
        "x-audiocast-genre": "Jazz",
    }
    feed_server.route("/stream", audio_samples["mp3"], headers=headers)
    info = check(feed_server.url("/stream"))
    assert (info.bitrate, info.name, info.genre) == (192, "Radio Zwölf", "Jazz")


def test_an_html_page_is_not_a_stream(feed_server: FeedServer) -> None:
    page = (TESTDATA / "not_a_station.html").read_bytes()
    feed_server.route("/listen", page, headers={"Content-Type": "text/html; charset=utf-8"})
    feed_server.route("/mislabelled", page, headers={"Content-Type": "audio/mpeg"})
    for path in ("/listen", "/mislabelled"):
        info = check(feed_server.url(path))
        assert not info.ok
        assert info.error == (
            f"{feed_server.url(path)} is a web page (HTML), not a stream or a playlist"
        )


def test_an_empty_body_is_not_a_stream(feed_server: FeedServer) -> None:
    feed_server.route("/empty", b"", headers={"Content-Type": "audio/mpeg"})
    info = check(feed_server.url("/empty"))
    assert info.error == f"{feed_server.url('/empty')} answered with an empty body, not a stream"


def test_text_is_not_a_stream(feed_server: FeedServer) -> None:
    feed_server.route(
        "/text", "Stream moved, see our website", headers={"Content-Type": "text/plain"}
    )
    info = check(feed_server.url("/text"))
    assert info.error == (
        f"{feed_server.url('/text')} is not audio or a playlist (text/plain): "
        "'Stream moved, see our website'"
    )


def test_a_server_that_never_answers_times_out(feed_server: FeedServer) -> None:
    def silent() -> Iterator[bytes]:
        time.sleep(3)
        yield b""

    feed_server.handle("/silent", lambda request: (200, {"Content-Type": "audio/mpeg"}, silent()))
    started = time.monotonic()
    info = check(feed_server.url("/silent"), timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert info.error == f"timed out after 0.5 s: no answer from {feed_server.url('/silent')}"


def test_a_slow_stream_that_sent_some_audio_in_time_is_ok(
    feed_server: FeedServer, audio_samples: dict[str, bytes]
) -> None:
    def trickle() -> Iterator[bytes]:
        yield audio_samples["mp3"][:8192]
        time.sleep(3)
        yield audio_samples["mp3"][8192:]

    feed_server.handle("/slow", lambda request: (200, {"Content-Type": "audio/mpeg"}, trickle()))
    info = check(feed_server.url("/slow"), timeout=1, read_bytes=65536)
    assert (info.ok, info.codec) == (True, "MP3")


def test_an_old_shoutcast_server_answering_icy_200_ok_is_read_as_http_1_0(
    private_urls: None, audio_samples: dict[str, bytes]
) -> None:
    # SHOUTcast 1 answers "ICY 200 OK" instead of an HTTP status line, then streams.
    with socket.create_server(("127.0.0.1", 0)) as server:

        def answer() -> None:
            connection, _ = server.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(
                    b"ICY 200 OK\r\ncontent-type: audio/mpeg\r\nicy-name: Old Server\r\n"
                    b"icy-br: 128\r\n\r\n" + audio_samples["mp3"]
                )

        threading.Thread(target=answer, daemon=True).start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/;"
        info = check(url)
    assert (info.ok, info.error, info.codec, info.bitrate) == (True, "", "MP3", 128)
    assert info.name == "Old Server"


def test_a_server_answering_garbage_gets_a_clear_reason(private_urls: None) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:

        def answer() -> None:
            connection, _ = server.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")

        threading.Thread(target=answer, daemon=True).start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/live"
        info = check(url)
    assert not info.ok
    assert info.error.startswith(f"{url} broke the HTTP protocol: malformed HTTP response")


def test_the_https_flag_follows_the_final_url(
    audio_samples: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRWAVES_ALLOW_PRIVATE_URLS", "1")
    tls = make_certificates(tmp_path, "radio.example.org")
    with FeedServer(ssl_context=server_tls(tls)) as https, FeedServer() as http:
        https.route("/live", audio_samples["mp3"], headers={"Content-Type": "audio/mpeg"})
        secure = https.url("/live").replace("127.0.0.1", "radio.example.org")
        http.route("/live", status=301, headers={"Location": secure})

        async def run() -> StreamInfo:
            async with make_async_client(
                resolver=lambda host, port: ["127.0.0.1"], verify=client_tls(tls)
            ) as client:
                return await check_stream(http.url("/live"), client=client)

        info = asyncio.run(run())
    assert (info.ok, info.error, info.url, info.https) == (True, "", secure, True)


# -- redirects and playlists -----------------------------------------------------------------


def test_redirects_are_followed_to_the_mount(feed_server: FeedServer, icecast: Icecast) -> None:
    feed_server.route("/listen", status=302, headers={"Location": "/listen/now"})
    feed_server.route("/listen/now", status=307, headers={"Location": icecast.url("/live.mp3")})
    info = check(feed_server.url("/listen"), read_bytes=1024)
    assert (info.ok, info.url, info.codec) == (True, icecast.url("/live.mp3"), "MP3")


def test_redirect_loops_and_bad_targets_are_refused(feed_server: FeedServer) -> None:
    feed_server.route("/a", status=302, headers={"Location": "/b"})
    feed_server.route("/b", status=302, headers={"Location": "/a"})
    feed_server.route("/ftp", status=302, headers={"Location": "ftp://radio.example.org/x"})
    with pytest.raises(StreamError, match=r"^redirect loop: .*/b leads back to .*/a$"):
        resolve(feed_server.url("/a"))
    with pytest.raises(StreamError, match="only http and https URLs can be fetched"):
        resolve(feed_server.url("/ftp"))


@pytest.mark.parametrize("location", ["http://[::1/x", "http://radio.example:port/"])
def test_a_redirect_to_no_url_at_all_is_a_stream_error(
    feed_server: FeedServer, location: str
) -> None:
    # httpx reads the Location before the redirect chain does, and refuses it first.
    feed_server.route("/bad", status=302, headers={"Location": location})
    with pytest.raises(StreamError, match="Invalid URL in location header"):
        resolve(feed_server.url("/bad"))


def test_long_redirect_chains_are_refused(feed_server: FeedServer) -> None:
    for n in range(8):
        feed_server.route(f"/hop/{n}", status=301, headers={"Location": f"/hop/{n + 1}"})
    with pytest.raises(StreamError, match=r"^more than 5 redirects, last to .*/hop/6$"):
        resolve(feed_server.url("/hop/0"))


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("station.pls", "audio/x-scpls"),
        ("station.m3u", "audio/x-mpegurl"),
        ("station_extm3u.m3u", "text/plain"),  # servers often get the type wrong
        ("station.xspf", "application/xspf+xml"),
        ("station_utf8_bom.m3u", "application/octet-stream"),
    ],
)
def test_playlists_resolve_to_the_mount(
    feed_server: FeedServer, icecast: Icecast, name: str, content_type: str
) -> None:
    url = serve_sample(feed_server, "/" + name, name, icecast, **{"Content-Type": content_type})
    assert resolve(url) == (icecast.url("/live.mp3"), False)


def test_asx_skips_mms_and_keeps_the_query_string(
    feed_server: FeedServer, icecast: Icecast
) -> None:
    url = serve_sample(feed_server, "/station.asx", "station.asx", icecast)
    assert resolve(url) == (icecast.url("/live.mp3?src=asx&player=wmp"), False)


def test_dead_entries_are_skipped(feed_server: FeedServer, icecast: Icecast) -> None:
    playlist = f"[playlist]\nFile1={feed_server.url('/gone')}\nFile2={icecast.url('/live.opus')}\n"
    feed_server.route("/station.pls", playlist)
    info = check(feed_server.url("/station.pls"), read_bytes=1024)
    assert (info.ok, info.url, info.codec) == (True, icecast.url("/live.opus"), "OPUS")


def test_relative_entries_resolve_against_the_playlist_url(
    feed_server: FeedServer, icecast: Icecast
) -> None:
    feed_server.route("/radio/lists/station.m3u", "#EXTM3U\n#EXTINF:-1,Relative\n../live\n")
    feed_server.route("/radio/live", status=302, headers={"Location": icecast.url("/live.mp3")})
    assert resolve(feed_server.url("/radio/lists/station.m3u")) == (icecast.url("/live.mp3"), False)


def test_nested_playlists_resolve_up_to_the_depth_limit(
    feed_server: FeedServer, icecast: Icecast
) -> None:
    feed_server.route("/1.pls", f"[playlist]\nFile1={feed_server.url('/2.m3u')}\n")
    feed_server.route("/2.m3u", f"#EXTM3U\n{feed_server.url('/3.xspf')}\n")
    xspf = (TESTDATA / "station.xspf").read_text().replace(SAMPLE_HOST, icecast.base_url)
    feed_server.route("/3.xspf", xspf)
    assert resolve(feed_server.url("/1.pls")) == (icecast.url("/live.mp3"), False)
    with pytest.raises(StreamError, match=r"playlists nested more than 2 deep: .*/3.xspf is one"):
        resolve(feed_server.url("/1.pls"), max_depth=2)


def test_a_playlist_listing_itself_is_refused(feed_server: FeedServer) -> None:
    feed_server.route("/self.m3u", f"{feed_server.url('/self.m3u')}\n")
    with pytest.raises(StreamError) as caught:
        resolve(feed_server.url("/self.m3u"))
    url = feed_server.url("/self.m3u")
    assert str(caught.value) == (
        f"no playable stream in playlist {url}: playlist loop: {url} lists itself ({url})"
    )


def test_playlists_listing_each_other_are_refused(feed_server: FeedServer) -> None:
    feed_server.route("/a.m3u", f"{feed_server.url('/b.pls')}\n")
    feed_server.route("/b.pls", f"[playlist]\nFile1={feed_server.url('/a.m3u')}\n")
    with pytest.raises(StreamError, match=r"playlist loop: .*/b.pls lists a parent \(.*/a.m3u\)"):
        resolve(feed_server.url("/a.m3u"))


def test_a_playlist_without_streams_says_which_line_is_wrong(feed_server: FeedServer) -> None:
    feed_server.route("/old.m3u", "#EXTM3U\n#EXTINF:-1,Old\nmms://radio.example.org/live\n")
    with pytest.raises(StreamError) as caught:
        resolve(feed_server.url("/old.m3u"))
    assert str(caught.value) == (
        f"playlist {feed_server.url('/old.m3u')} lists no http(s) stream: "
        "line 3: not an http(s) URL: 'mms://radio.example.org/live'"
    )


def test_only_so_many_entries_are_tried(feed_server: FeedServer) -> None:
    entries = "".join(f"{feed_server.url(f'/dead/{n}')}\n" for n in range(50))
    feed_server.route("/many.m3u", "#EXTM3U\n" + entries)
    with pytest.raises(StreamError, match=r"HTTP 404 .* \(and 20 more failed\)$"):
        resolve(feed_server.url("/many.m3u"), max_entries=20)
    assert len([r for r in feed_server.requests if r.path.startswith("/dead/")]) == 20


def test_a_huge_playlist_is_refused(feed_server: FeedServer) -> None:
    feed_server.route("/huge.m3u", "#EXTM3U\n" + "#" * (1024 * 1024 + 10))
    with pytest.raises(StreamError, match=r"playlist .*/huge.m3u is larger than 1048576 bytes"):
        resolve(feed_server.url("/huge.m3u"))


# -- HLS -------------------------------------------------------------------------------------


@pytest.fixture
def hls(feed_server: FeedServer, audio_samples: dict[str, bytes]) -> FeedServer:
    """An HLS station: a master playlist, two media playlists, TS segments with AAC."""
    feed_server.route(
        "/hls/master.m3u8",
        (TESTDATA / "hls_master.m3u8").read_bytes(),
        headers={"Content-Type": "application/vnd.apple.mpegurl"},
    )
    media = (TESTDATA / "hls_media.m3u8").read_bytes()
    for variant in ("low", "high"):
        feed_server.route(f"/hls/{variant}/index.m3u8", media)
        for n in (1042, 1043, 1044):
            feed_server.route(f"/hls/{variant}/segment{n}.ts", audio_samples["ts"])
    return feed_server


def test_hls_resolves_to_itself(hls: FeedServer) -> None:
    assert resolve(hls.url("/hls/master.m3u8")) == (hls.url("/hls/master.m3u8"), True)


def test_an_hls_master_gives_the_codec_and_bitrate_of_its_best_variant(hls: FeedServer) -> None:
    info = check(hls.url("/hls/master.m3u8"))
    assert (info.ok, info.error, info.is_hls) == (True, "", True)
    assert (info.codec, info.bitrate) == ("AAC", 134)
    assert info.content_type == "application/vnd.apple.mpegurl"
    fetched = [request.path for request in hls.requests]
    assert fetched == ["/hls/master.m3u8", "/hls/high/index.m3u8", "/hls/high/segment1044.ts"]


def test_an_hls_media_playlist_gets_its_codec_from_a_segment(hls: FeedServer) -> None:
    hls.route("/station.pls", f"[playlist]\nFile1={hls.url('/hls/low/index.m3u8')}\n")
    info = check(hls.url("/station.pls"))
    assert (info.ok, info.url, info.is_hls) == (True, hls.url("/hls/low/index.m3u8"), True)
    assert (info.codec, info.bitrate) == ("AAC", None)


def test_packed_audio_hls_segments_are_sniffed_past_their_id3_tag(
    feed_server: FeedServer, audio_samples: dict[str, bytes]
) -> None:
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x3f" + b"\x00" * 63  # the segment's timestamp tag
    feed_server.route("/live.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg.aac\n")
    feed_server.route("/seg.aac", id3 + audio_samples["aac"])
    assert check(feed_server.url("/live.m3u8")).codec == "AAC"


def test_broken_hls_is_not_ok(feed_server: FeedServer) -> None:
    feed_server.route("/master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n")
    feed_server.route("/v.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\ngone.ts\n")
    info = check(feed_server.url("/master.m3u8"))
    assert not info.ok
    assert info.error.startswith(f"HTTP 404 Not Found from {feed_server.url('/gone.ts')}")
    feed_server.route("/empty.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n")
    assert check(feed_server.url("/empty.m3u8")).error == (
        f"HLS playlist {feed_server.url('/empty.m3u8')} lists no segments"
    )


# -- open_stream -----------------------------------------------------------------------------


def test_open_stream_resolves_playlists_and_reads_audio_without_metadata(
    feed_server: FeedServer, icecast: Icecast
) -> None:
    url = serve_sample(feed_server, "/station.pls", "station.pls", icecast)

    async def listen() -> tuple[str, str, int | None, bytes]:
        audio = bytearray()
        async with open_stream(url, metadata=False) as stream:
            async for chunk, titles in stream.chunks():
                assert titles == []
                audio += chunk
                if len(audio) > 20_000:
                    return stream.url, stream.content_type, stream.metaint, bytes(audio)
        raise AssertionError("the stream ended")

    final, content_type, metaint, audio = asyncio.run(listen())
    assert (final, content_type, metaint) == (icecast.url("/live.mp3"), "audio/mpeg", None)
    assert b"StreamTitle" not in audio


def test_open_stream_leaves_the_server_when_the_block_ends(
    icecast: Icecast, icecast_source: Callable[..., str], private_urls: None
) -> None:
    url = icecast_source("/leave.mp3", "mp3")

    async def listen() -> int:
        async with open_stream(url) as stream:
            async for _ in stream.chunks():
                break
            return icecast.mounts()["/leave.mp3"]

    assert asyncio.run(listen()) == 1
    deadline = time.monotonic() + 3
    while icecast.mounts()["/leave.mp3"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert icecast.mounts()["/leave.mp3"] == 0


def test_open_stream_refuses_hls_and_dead_stations(hls: FeedServer) -> None:
    async def open_(url: str) -> None:
        async with open_stream(url):
            pass

    with pytest.raises(StreamError, match="is an HLS stream: players fetch it themselves"):
        asyncio.run(open_(hls.url("/hls/master.m3u8")))
    with pytest.raises(StreamError, match="^HTTP 404 Not Found from .*: nothing there"):
        asyncio.run(open_(hls.url("/nothing")))


def test_open_stream_gives_up_connecting_after_the_timeout(feed_server: FeedServer) -> None:
    def silent(request: Request) -> tuple[int, dict[str, str], Iterator[bytes]]:
        def body() -> Iterator[bytes]:
            time.sleep(2)
            yield b""

        return 200, {"Content-Type": "audio/mpeg"}, body()

    feed_server.handle("/silent", silent)

    async def open_() -> None:
        async with open_stream(feed_server.url("/silent"), connect_timeout=0.3):
            pass

    with pytest.raises(StreamError, match=r"^timed out after 0.3 s: no answer from"):
        asyncio.run(open_())
