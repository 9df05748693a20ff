"""Compressed pages (airwaves/compression.py): brotli or gzip by the client's preference,
through the test client and through uvicorn, and never for streams or tiny bodies."""

from __future__ import annotations

import gzip
import os

import brotli
import httpx
import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from airwaves.compression import (
    MIN_BYTES,
    choose_encoding,
    compressed_response,
    parse_accept_encoding,
)
from tests.radio import fixtures
from tests.radio.fixtures import SERVES_STATIC_FILES, make_station

asgi_server = fixtures.asgi_server

ROOT_CAUSE = (
    "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
    "my-new-book-root-cause-stories-from-two-decades-of-backend-bugs/"
)


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.content)
    if encoding == "gzip":
        return gzip.decompress(response.content)
    assert encoding is None, encoding
    return response.content


def plain_page(client) -> bytes:
    response = client.get(ROOT_CAUSE, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    return response.content


# --- choosing the encoding -------------------------------------------------------------


@pytest.mark.parametrize(
    "header, expected",
    [
        ("gzip, deflate, br, zstd", "br"),  # what browsers send
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("br;q=0.9, gzip;q=0.9", "br"),  # a tie goes to the smaller
        ("BR;Q=0.9, GZip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0, br;q=0", None),
        ("*", "br"),
        ("*;q=0.5, gzip", "gzip"),
        ("*;q=0, gzip;q=0.1", "gzip"),
        ("br;q=0, *", "gzip"),
        ("identity", None),
        ("deflate, zstd", None),
        ("", None),
    ],
)
def test_it_chooses_by_the_q_values_and_prefers_br_on_a_tie(header, expected):
    assert choose_encoding(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        "br;q=abc, gzip",
        "br;q=nan, gzip",
        "br;q=1e999, gzip",
        "br;q=-1, gzip",
        "br;q=2, gzip",
        "br;;;q==0.5=, gzip",
        ",,,;;;, gzip",
    ],
)
def test_a_malformed_q_value_counts_as_zero_and_breaks_nothing(header):
    assert choose_encoding(header) == "gzip"


def test_a_huge_accept_encoding_header_is_read_in_time():
    header = ", ".join(f"x-coding-{n};q=0.{n % 10}" for n in range(20_000)) + ", gzip;q=0.1"
    assert len(parse_accept_encoding(header)) == 20_001
    assert choose_encoding(header) == "gzip"


# --- pages through the test client -----------------------------------------------------


def test_an_episode_page_round_trips_through_gzip(client, demo):
    plain = plain_page(client)
    response = client.get(ROOT_CAUSE, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.content) < len(plain) / 2
    # Django's masked CSRF token differs on every render; everything else is the same.
    assert b"About This Episode" in decoded(response)
    assert len(decoded(response)) == len(plain)


def test_an_episode_page_round_trips_through_brotli(client, demo):
    plain = plain_page(client)
    response = client.get(ROOT_CAUSE, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.content) < len(plain) / 2
    assert b"About This Episode" in decoded(response)
    assert len(decoded(response)) == len(plain)


def test_the_client_q_values_decide(client, demo):
    response = client.get(ROOT_CAUSE, headers={"Accept-Encoding": "br;q=0.2, gzip;q=0.9"})
    assert response.headers["Content-Encoding"] == "gzip"
    response = client.get(ROOT_CAUSE, headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]


def test_xml_and_json_are_compressed(client, demo):
    sitemap = client.get("/sitemap.xml", headers={"Accept-Encoding": "gzip"})
    assert sitemap.headers["Content-Encoding"] == "gzip"
    assert b"<sitemapindex" in gzip.decompress(sitemap.content)
    data = HttpResponse(b'{"episodes": []}' * 50, content_type="application/json")
    assert respond(data).headers["Content-Encoding"] == "br"


def test_a_tiny_body_is_sent_as_it_is(client, db):
    response = client.get("/healthz", headers={"Accept-Encoding": "br, gzip"})
    assert response.json() == {"status": "ok"}
    assert "Content-Encoding" not in response.headers


def test_a_static_file_is_left_to_whitenoise(client, db):
    # A streamed file response: whitenoise sends its own pre-compressed copy or none.
    response = client.get("/static/airwaves/player.js", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    if response.headers.get("Content-Encoding") == "br":
        body = brotli.decompress(body)
    assert b"player" in body


# --- the middleware's rules, on responses made here ----------------------------------


def respond(response, accept: str = "gzip, br"):
    request = RequestFactory().get("/", headers={"Accept-Encoding": accept})
    return compressed_response(request, response)


def test_a_strong_etag_is_weakened_and_a_weak_one_kept():
    strong = HttpResponse(b"<p>words</p>" * 100, headers={"ETag": '"abc"'})
    assert respond(strong)["ETag"] == 'W/"abc"'
    weak = HttpResponse(b"<p>words</p>" * 100, headers={"ETag": 'W/"abc"'})
    assert respond(weak)["ETag"] == 'W/"abc"'


def test_streaming_binary_and_encoded_responses_are_left_alone():
    stream = StreamingHttpResponse(iter([b"data: x\n\n"] * 100), content_type="text/event-stream")
    assert "Content-Encoding" not in respond(stream).headers
    assert "Vary" not in respond(stream).headers
    image = HttpResponse(b"\x89PNG" * 1000, content_type="image/png")
    assert "Content-Encoding" not in respond(image).headers
    encoded = HttpResponse(b"x" * 1000, headers={"Content-Encoding": "gzip"})
    assert respond(encoded).content == b"x" * 1000
    partial = HttpResponse(b"x" * 1000, status=206, content_type="text/plain")
    assert "Content-Encoding" not in respond(partial).headers


def test_bodies_under_the_minimum_are_sent_as_they_are():
    small = respond(HttpResponse(b"x" * (MIN_BYTES - 1), content_type="text/plain"))
    assert "Content-Encoding" not in small.headers and "Vary" not in small.headers
    enough = respond(HttpResponse(b"x" * MIN_BYTES, content_type="text/plain"))
    assert enough.headers["Content-Encoding"] == "br"


def test_a_body_compression_would_not_shrink_is_sent_as_it_is():
    body = os.urandom(4000)  # labelled text, but nothing to gain
    response = respond(HttpResponse(body, content_type="text/plain"), accept="gzip")
    assert "Content-Encoding" not in response.headers
    assert response.content == body


# --- through uvicorn, as `airwaves serve` runs -----------------------------------------


@SERVES_STATIC_FILES
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("accept, encoding", [("gzip", "gzip"), ("gzip, br", "br")])
def test_pages_are_compressed_by_the_real_server(asgi_server, accept, encoding):
    from airwaves.demo.load import load_demo

    load_demo()
    with httpx.Client(base_url=asgi_server.url) as http:
        with http.stream("GET", ROOT_CAUSE, headers={"Accept-Encoding": accept}) as response:
            assert response.status_code == 200
            assert response.headers["content-encoding"] == encoding
            raw = b"".join(response.iter_raw())
    body = brotli.decompress(raw) if encoding == "br" else gzip.decompress(raw)
    assert b"About This Episode" in body and b"</html>" in body
    assert int(response.headers["content-length"]) == len(raw)


@SERVES_STATIC_FILES
@pytest.mark.django_db(transaction=True)
def test_station_event_streams_stay_uncompressed(asgi_server):
    station = make_station("Silent FM", "http://127.0.0.1:9/nothing-listens-here")
    with httpx.Client(base_url=asgi_server.url, timeout=10) as http:
        url = f"/radio/{station.slug}/events"
        with http.stream("GET", url, headers={"Accept-Encoding": "gzip, br"}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in response.headers
            first = next(response.iter_raw())
    assert first.startswith(b"retry: ")  # plain text, as sent
