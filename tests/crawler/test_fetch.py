from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from email.utils import formatdate
from functools import cache

import pytest

from airwaves.crawler.errors import (
    BlockedURLError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    TooLargeError,
    TooManyRedirects,
)
from airwaves.crawler.fetch import FetchResult, afetch_feed, fetch_feed, parse_retry_after
from airwaves.lib.net import make_async_transport, make_client
from tests.feedserver import FeedServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
LAST_MODIFIED = "Wed, 15 Apr 2026 10:00:00 GMT"


@pytest.fixture(params=["fetch_feed", "afetch_feed"])
def fetch(request: pytest.FixtureRequest) -> Callable[..., FetchResult]:
    """fetch(url, **options): fetch_feed, or afetch_feed run to completion; both go through
    the one transport (lib/http1.py) to a real server."""
    if request.param == "fetch_feed":
        return fetch_feed
    return lambda url, **options: asyncio.run(afetch_feed(url, **options))


def test_it_downloads_a_feed(feed_server: FeedServer, fetch) -> None:
    feed_server.route(
        "/feed.xml",
        RSS,
        headers={"Content-Type": "application/rss+xml", "Cache-Control": "max-age=600"},
        etag='"v1"',
        last_modified=LAST_MODIFIED,
    )
    result = fetch(feed_server.url("/feed.xml"))
    assert result.status == 200
    assert result.content == RSS
    assert result.url == feed_server.url("/feed.xml")
    assert result.permanent_url == ""
    assert result.etag == '"v1"'
    assert result.last_modified == LAST_MODIFIED
    assert result.headers["Cache-Control"] == "max-age=600"
    assert 0 < result.elapsed < 5


def test_it_sends_a_user_agent_naming_airwaves_and_asks_for_feeds(
    feed_server: FeedServer, fetch
) -> None:
    feed_server.route("/feed.xml", RSS)
    fetch(feed_server.url("/feed.xml"))
    headers = feed_server.requests[0].headers
    assert headers["User-Agent"].startswith("Airwaves/")
    assert headers["Accept"].startswith("application/rss+xml, application/atom+xml")
    assert "gzip" in headers["Accept-Encoding"]
    assert "If-None-Match" not in headers
    assert "If-Modified-Since" not in headers


def test_a_conditional_get_sends_validators_and_maps_304(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/feed.xml", RSS, etag='"v1"', headers={"Cache-Control": "max-age=60"})
    result = fetch(feed_server.url("/feed.xml"), etag='"v1"', last_modified=LAST_MODIFIED)
    assert result.status == 304
    assert result.content == b""
    assert result.etag == '"v1"'
    assert result.headers["Cache-Control"] == "max-age=60"
    headers = feed_server.requests[0].headers
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == LAST_MODIFIED


def test_a_changed_etag_downloads_the_feed_again(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/feed.xml", RSS, etag='"v2"')
    result = fetch(feed_server.url("/feed.xml"), etag='"v1"')
    assert (result.status, result.content, result.etag) == (200, RSS, '"v2"')


def test_a_chain_of_permanent_redirects_sets_the_permanent_url(
    feed_server: FeedServer, fetch
) -> None:
    feed_server.route("/old", status=301, headers={"Location": "/newer"})
    feed_server.route("/newer", status=308, headers={"Location": feed_server.url("/newest")})
    feed_server.route("/newest", RSS)
    result = fetch(feed_server.url("/old"))
    assert result.content == RSS
    assert result.url == feed_server.url("/newest")
    assert result.permanent_url == feed_server.url("/newest")


def test_permanent_url_stops_at_the_first_temporary_redirect(
    feed_server: FeedServer, fetch
) -> None:
    feed_server.route("/old", status=301, headers={"Location": "/moved"})
    feed_server.route("/moved", status=302, headers={"Location": "/cdn"})
    feed_server.route("/cdn", status=301, headers={"Location": "/feed.xml"})
    feed_server.route("/feed.xml", RSS)
    result = fetch(feed_server.url("/old"))
    assert result.url == feed_server.url("/feed.xml")
    assert result.permanent_url == feed_server.url("/moved")


def test_a_temporary_redirect_does_not_set_the_permanent_url(
    feed_server: FeedServer, fetch
) -> None:
    feed_server.route("/feed", status=302, headers={"Location": "feed.xml"})
    feed_server.route("/feed.xml", RSS)
    result = fetch(feed_server.url("/feed"))
    assert result.url == feed_server.url("/feed.xml")
    assert result.permanent_url == ""


def test_a_redirect_loop_raises_too_many_redirects(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/a", status=302, headers={"Location": "/b"})
    feed_server.route("/b", status=301, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects, match="redirect loop"):
        fetch(feed_server.url("/a"))


def test_a_long_redirect_chain_raises_too_many_redirects(feed_server: FeedServer, fetch) -> None:
    for hop in range(4):
        feed_server.route(f"/{hop}", status=307, headers={"Location": f"/{hop + 1}"})
    feed_server.route("/4", RSS)
    with pytest.raises(TooManyRedirects, match="more than 3 redirects"):
        fetch(feed_server.url("/0"), max_redirects=3)
    assert fetch(feed_server.url("/0"), max_redirects=4).content == RSS


def test_it_refuses_a_redirect_to_another_scheme(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/feed", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(BlockedURLError, match="only http and https"):
        fetch(feed_server.url("/feed"))


def test_a_redirect_without_location_is_an_error(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/feed", status=301)
    with pytest.raises(FetchError, match="without a Location"):
        fetch(feed_server.url("/feed"))


@pytest.mark.parametrize(
    ("location", "reason"),
    [("http://[::1/x", "Invalid port"), ("http://feeds.example:port/", "Invalid port")],
)
def test_a_malformed_location_is_a_clear_error(
    feed_server: FeedServer, fetch, location: str, reason: str
) -> None:
    feed_server.route("/feed", status=302, headers={"Location": location})
    with pytest.raises(FetchError, match=reason):
        fetch(feed_server.url("/feed"))
    assert len(feed_server.requests) == 1


def test_404_raises_http_status_error(feed_server: FeedServer, fetch) -> None:
    with pytest.raises(HTTPStatusError, match="HTTP 404 Not Found") as raised:
        fetch(feed_server.url("/missing.xml"))
    assert raised.value.status_code == 404
    assert raised.value.retry_after is None


def test_429_carries_retry_after_in_seconds(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/feed.xml", "slow down", status=429, headers={"Retry-After": "120"})
    with pytest.raises(HTTPStatusError, match="HTTP 429 Too Many Requests") as raised:
        fetch(feed_server.url("/feed.xml"))
    assert raised.value.status_code == 429
    assert raised.value.retry_after == 120


def test_503_with_an_http_date_retry_after(feed_server: FeedServer, fetch) -> None:
    later = formatdate(time.time() + 3600, usegmt=True)
    feed_server.route("/feed.xml", status=503, headers={"Retry-After": later})
    with pytest.raises(HTTPStatusError) as raised:
        fetch(feed_server.url("/feed.xml"))
    assert raised.value.retry_after is not None
    assert 3590 <= raised.value.retry_after <= 3600


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0),
        (" 30 ", 30),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ("soon", None),
        ("", None),
        ("²", None),
    ],
)
def test_parse_retry_after(value: str, seconds: int | None) -> None:
    assert parse_retry_after(value) == seconds


def test_a_body_over_the_size_cap_raises_too_large(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/big.xml", b"x" * 5000)
    with pytest.raises(TooLargeError, match="feed is larger than 4 KiB"):
        fetch(feed_server.url("/big.xml"), max_bytes=4096)


def test_a_streamed_body_over_the_size_cap_raises_too_large(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/big.xml", (b"x" * 1000 for _ in range(10)))  # chunked, no length
    with pytest.raises(TooLargeError):
        fetch(feed_server.url("/big.xml"), max_bytes=4096)


def test_the_default_size_cap_is_32_mib_and_says_so(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/huge.xml", headers={"Content-Length": str(64 * 1024 * 1024)})
    with pytest.raises(TooLargeError, match="feed is larger than 32 MiB"):
        fetch(feed_server.url("/huge.xml"))


@cache
def gzip_bomb() -> bytes:
    """About 128 KiB of gzip that inflates to 128 MiB of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(128)]
    return b"".join(parts) + compressor.flush()


def test_a_gzip_bomb_is_stopped_at_the_size_cap(feed_server: FeedServer, fetch) -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 200_000
    feed_server.route("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})
    started = time.monotonic()
    with pytest.raises(TooLargeError):
        fetch(feed_server.url("/bomb.xml"), max_bytes=1024 * 1024)
    assert time.monotonic() - started < 2


def test_a_gzipped_feed_is_decompressed(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/feed.xml", gzip.compress(RSS), headers={"Content-Encoding": "gzip"})
    assert fetch(feed_server.url("/feed.xml")).content == RSS


@pytest.mark.parametrize("fetch", ["sync", "async"])
def test_a_gzip_bomb_never_inflates_far_past_the_cap(feed_server: FeedServer, fetch: str) -> None:
    feed_server.route("/bomb.xml", gzip_bomb(), headers={"Content-Encoding": "gzip"})
    url = feed_server.url("/bomb.xml")
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError):
            if fetch == "sync":
                fetch_feed(url, max_bytes=1024 * 1024)
            else:
                asyncio.run(afetch_feed(url, max_bytes=1024 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The cap, a step of inflating and the fetch's own buffers; one read of the bomb
    # inflated at once would be tens of megabytes.
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (zlib.compress(RSS), "deflate"),  # as the standard says: zlib-wrapped
        (zlib.compress(RSS)[2:-4], "deflate"),  # as many servers send it: raw
        (gzip.compress(gzip.compress(RSS)), "gzip, gzip"),
        (gzip.compress(RSS), "x-gzip"),
        (RSS, "binary"),  # nonsense values are read as no encoding
    ],
)
def test_encodings_are_undone(feed_server: FeedServer, body: bytes, encoding: str) -> None:
    feed_server.route("/feed.xml", body, headers={"Content-Encoding": encoding})
    assert fetch_feed(feed_server.url("/feed.xml")).content == RSS
    assert asyncio.run(afetch_feed(feed_server.url("/feed.xml"))).content == RSS


def test_encodings_not_asked_for_are_never_inflated(feed_server: FeedServer, fetch) -> None:
    # Only gzip and deflate are requested; a brotli (or any other) body is taken as it
    # came, so a brotli bomb is just its own few bytes, and the size cap counts them.
    feed_server.route("/br.xml", b"\x1b" * (2 * 1024 * 1024), headers={"Content-Encoding": "br"})
    with pytest.raises(TooLargeError):
        fetch(feed_server.url("/br.xml"), max_bytes=1024 * 1024)
    assert feed_server.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


def test_a_corrupt_gzip_body_is_a_clear_error(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/feed.xml", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="could not decode the response"):
        fetch(feed_server.url("/feed.xml"))


def slow_drip(seconds_per_byte: float, count: int) -> Iterator[bytes]:
    for _ in range(count):
        yield b" "
        time.sleep(seconds_per_byte)


def test_a_slow_drip_server_hits_the_total_timeout(feed_server: FeedServer, fetch) -> None:
    feed_server.route("/slow.xml", slow_drip(0.2, 50))
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError, match="took longer than 1 s"):
        fetch(feed_server.url("/slow.xml"), total_timeout=1)
    assert time.monotonic() - started < 2


def test_a_server_that_never_answers_hits_the_total_timeout(feed_server: FeedServer, fetch) -> None:
    def hang(request: object) -> tuple[int, dict[str, str], bytes]:
        time.sleep(3)
        return 200, {}, RSS

    feed_server.handle("/hang.xml", hang)
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        fetch(feed_server.url("/hang.xml"), total_timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_a_closed_port_is_a_fetch_error_naming_the_host(
    monkeypatch: pytest.MonkeyPatch, fetch
) -> None:
    monkeypatch.setenv("AIRWAVES_ALLOW_PRIVATE_URLS", "1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="could not connect to 127.0.0.1"):
        fetch(f"http://127.0.0.1:{port}/feed.xml")


def test_loopback_is_refused_by_default(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, fetch
) -> None:
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS")
    feed_server.route("/feed.xml", RSS)
    with pytest.raises(BlockedURLError, match="AIRWAVES_ALLOW_PRIVATE_URLS=1"):
        fetch(feed_server.url("/feed.xml"))
    with pytest.raises(BlockedURLError, match="loopback"):
        fetch(feed_server.url("/feed.xml").replace("127.0.0.1", "localhost"))
    assert feed_server.requests == []


def test_a_non_http_url_is_refused(fetch) -> None:
    with pytest.raises(BlockedURLError, match="only http and https"):
        fetch("file:///etc/passwd")


def test_a_malformed_url_is_refused(fetch) -> None:
    with pytest.raises(BlockedURLError, match="refused"):
        fetch("http://[::1/feed.xml")


class TestRedirectsToPrivateAddresses:
    """The server on 127.0.0.1 stands for a public host: the client may reach exactly that
    address, as "public.example". Everything else counts as private."""

    @pytest.fixture
    def client(self, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS")
        names = {"public.example": "127.0.0.1", "internal.example": "127.0.0.2"}
        allowed = ipaddress.ip_address("127.0.0.1")
        with make_client(
            allow_private=False,
            resolver=lambda host, port: [names[host]],
            is_allowed=lambda ip: ip == allowed,
        ) as client:
            yield client

    def public_url(self, feed_server: FeedServer, path: str) -> str:
        return feed_server.url(path).replace("127.0.0.1", "public.example")

    def test_the_public_host_can_be_fetched(self, feed_server: FeedServer, client) -> None:
        feed_server.route("/feed.xml", RSS)
        result = fetch_feed(self.public_url(feed_server, "/feed.xml"), client=client)
        assert result.content == RSS

    def test_a_redirect_to_a_private_ip_literal_is_refused(
        self, feed_server: FeedServer, client
    ) -> None:
        port = feed_server.base_url.rsplit(":", 1)[1]
        target = f"http://127.0.0.2:{port}/feed.xml"
        feed_server.route("/feed.xml", status=302, headers={"Location": target})
        with pytest.raises(BlockedURLError, match="127.0.0.2"):
            fetch_feed(self.public_url(feed_server, "/feed.xml"), client=client)

    def test_a_redirect_to_a_name_resolving_to_a_private_address_is_refused(
        self, feed_server: FeedServer, client
    ) -> None:
        port = feed_server.base_url.rsplit(":", 1)[1]
        target = f"http://internal.example:{port}/feed.xml"
        feed_server.route("/feed.xml", status=301, headers={"Location": target})
        with pytest.raises(BlockedURLError, match="127.0.0.2.*for host internal.example"):
            fetch_feed(self.public_url(feed_server, "/feed.xml"), client=client)
        assert len(feed_server.requests) == 1


def test_async_fetches_share_a_transport_and_keep_no_cookies(feed_server: FeedServer) -> None:
    feed_server.route("/a.xml", RSS, headers={"Set-Cookie": "session=abc; Path=/"})
    feed_server.route("/b.xml", RSS)

    async def both() -> None:
        async with make_async_transport(allow_private=True) as transport:
            await afetch_feed(feed_server.url("/a.xml"), transport=transport)
            await afetch_feed(feed_server.url("/b.xml"), transport=transport)

    asyncio.run(both())
    second = feed_server.requests[1].headers
    assert "Cookie" not in second
    assert second["User-Agent"].startswith("Airwaves/")
