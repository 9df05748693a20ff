"""Downloading one image (airwaves/artwork/fetch.py) from real servers on 127.0.0.1."""

from __future__ import annotations

import gzip
import threading
import time

import pytest

from airwaves.artwork.fetch import ArtworkFetchError, fetch_image
from airwaves.lib.net import make_client
from tests.artwork.conftest import image_bytes
from tests.feedserver import FeedServer

CAP = 1024 * 1024


def fetch(url: str, **kwargs):
    return fetch_image(url, max_bytes=kwargs.pop("max_bytes", CAP), total_timeout=5, **kwargs)


def test_it_downloads_an_image_asking_for_images_uncompressed(feed_server):
    png = image_bytes("PNG", (32, 32))
    feed_server.route("/cover.png", png, headers={"Content-Type": "image/png"}, etag='"v1"')

    fetched = fetch(feed_server.url("/cover.png"))

    assert (fetched.status, fetched.data, fetched.etag) == (200, png, '"v1"')
    request = feed_server.requests[-1]
    assert request.headers["Accept"].startswith("image/")
    assert request.headers["Accept-Encoding"] == "identity"
    assert request.headers["User-Agent"].startswith("Airwaves")


def test_a_re_check_is_conditional(feed_server):
    feed_server.route("/cover.png", image_bytes(), etag='"v1"')

    fetched = fetch(feed_server.url("/cover.png"), etag='"v1"')

    assert (fetched.status, fetched.data) == (304, b"")
    assert feed_server.requests[-1].headers["If-None-Match"] == '"v1"'


def test_loopback_is_refused_without_the_allow_setting(monkeypatch):
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS", raising=False)
    with FeedServer() as server:
        server.route("/cover.png", image_bytes())
        with pytest.raises(ArtworkFetchError, match="refused to connect to 127.0.0.1") as caught:
            fetch(server.url("/cover.png"))
        assert caught.value.refused
        assert server.requests == []


def test_a_redirect_to_a_private_address_is_refused_before_connecting(monkeypatch):
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS", raising=False)
    with FeedServer() as server:
        port = server.base_url.rsplit(":", 1)[1]
        server.route("/cover.png", status=302, headers={"Location": server.url("/secret")})
        server.route("/secret", image_bytes())
        # The first host looks public: a resolver of our own sends it to the test server.
        client = make_client(resolver=lambda host, port: ["127.0.0.1"], is_allowed=lambda ip: True)
        with client, pytest.raises(ArtworkFetchError, match="127.0.0.1") as caught:
            fetch(f"http://images.example.org:{port}/cover.png", client=client, allow_private=False)
        assert caught.value.refused
        assert [r.path for r in server.requests] == ["/cover.png"]


def test_redirects_are_followed_and_bounded(feed_server):
    feed_server.route("/old.png", status=301, headers={"Location": "/cover.png"})
    feed_server.route("/cover.png", image_bytes())
    assert fetch(feed_server.url("/old.png")).url == feed_server.url("/cover.png")

    feed_server.route("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(ArtworkFetchError, match="more than 5 redirects"):
        fetch(feed_server.url("/loop"))


@pytest.mark.parametrize(
    "content_type, reason",
    [("text/html; charset=utf-8", "HTML page"), ("image/svg+xml", "SVG")],
)
def test_a_page_or_a_vector_image_is_refused_unread(feed_server, content_type, reason):
    feed_server.route("/cover", b"<html>" + b"x" * 100_000, headers={"Content-Type": content_type})
    with pytest.raises(ArtworkFetchError, match=reason) as caught:
        fetch(feed_server.url("/cover"))
    assert caught.value.refused


def test_a_body_announced_over_the_cap_is_refused_unread(feed_server):
    feed_server.route("/huge.png", b"x" * (CAP + 1))
    with pytest.raises(ArtworkFetchError, match="larger than 1024 KiB") as caught:
        fetch(feed_server.url("/huge.png"))
    assert caught.value.refused


def test_a_chunked_body_stops_being_read_at_the_cap(feed_server):
    sent = []

    def endless(request):
        def chunks():
            for _ in range(10_000):
                sent.append(1)
                yield b"x" * 65536

        return 200, {"Content-Type": "image/png"}, chunks()

    feed_server.handle("/endless.png", endless)
    with pytest.raises(ArtworkFetchError, match="the body went past it"):
        fetch(feed_server.url("/endless.png"))
    assert len(sent) < 100  # 16 chunks make the cap; the server is cut off soon after


def test_a_compressed_answer_we_did_not_ask_for_is_refused(feed_server):
    feed_server.route(
        "/cover.png", gzip.compress(b"\0" * 100_000), headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(ArtworkFetchError, match="compressed") as caught:
        fetch(feed_server.url("/cover.png"))
    assert caught.value.refused


def test_a_slow_server_runs_out_of_time(feed_server):
    hang_up = threading.Event()

    def drip(request):
        def chunks():
            while not hang_up.wait(0.2):
                yield b"x"

        return 200, {"Content-Type": "image/png"}, chunks()

    feed_server.handle("/slow.png", drip)
    started = time.monotonic()
    try:
        with pytest.raises(ArtworkFetchError, match="took longer than 1 s") as caught:
            fetch_image(feed_server.url("/slow.png"), max_bytes=CAP, total_timeout=1)
    finally:
        hang_up.set()
    assert time.monotonic() - started < 3
    assert not caught.value.refused  # worth trying again later


@pytest.mark.parametrize("status", [404, 500, 503])
def test_http_errors_are_failures_to_retry(feed_server, status):
    feed_server.route("/cover.png", b"no", status=status)
    with pytest.raises(ArtworkFetchError, match=f"HTTP {status}") as caught:
        fetch(feed_server.url("/cover.png"))
    assert not caught.value.refused


@pytest.mark.parametrize(
    "url",
    ["/static/cover.png", "ftp://example.org/cover.png", "data:image/png;base64,AAAA", "http://"],
)
def test_urls_we_never_fetch_are_refused(url):
    with pytest.raises(ArtworkFetchError) as caught:
        fetch(url)
    assert caught.value.refused
