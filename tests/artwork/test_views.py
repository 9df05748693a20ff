"""Serving thumbnails (airwaves/artwork/views.py): the stored file, or a placeholder, and
how long each may be cached."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from airwaves.artwork.jobs import fetch_pending_artwork, queue_new_images
from airwaves.artwork.keys import artwork_key, thumbnail_urls
from airwaves.artwork.models import Artwork
from airwaves.podcasts.models import Podcast
from tests.artwork.conftest import image_bytes

pytestmark = pytest.mark.django_db

MONTH = "public, max-age=2592000"


def show(image_url: str) -> Podcast:
    return Podcast.objects.create(
        feed_url="https://example.com/f.xml", slug="s", image_url=image_url
    )


def decoded(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def test_a_stored_thumbnail_is_served_with_a_long_lifetime_and_an_etag(client, feed_server):
    url = feed_server.url("/cover.png")
    feed_server.route("/cover.png", image_bytes("PNG", (500, 500), "#ff0000"))
    show(url)
    fetch_pending_artwork()
    row = Artwork.objects.get()

    for fmt, content_type in (("webp", "image/webp"), ("jpg", "image/jpeg")):
        response = client.get(f"/artwork/{row.key}/320.{fmt}")
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Cache-Control"] == MONTH
        with default_storage.open(row.thumbnail_name(320, fmt)) as file:
            assert response.content == file.read()
        assert decoded(response.content).size == (320, 320)
        assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")

        again = client.get(
            f"/artwork/{row.key}/320.{fmt}", headers={"If-None-Match": response["ETag"]}
        )
        assert (again.status_code, again.content) == (304, b"")
        assert again["Cache-Control"] == MONTH


def test_a_placeholder_is_served_briefly_before_the_image_is_fetched(client):
    show("https://img.example/cover.jpg")
    urls = thumbnail_urls("https://img.example/cover.jpg", 80)

    for _when in ("queued", "known"):
        response = client.get(urls.webp)
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=300"
        assert decoded(response.content).size == (160, 160)
        assert response["Content-Type"] == "image/webp"
        queue_new_images()


def test_a_placeholder_is_served_for_an_hour_after_a_failure(client, feed_server):
    feed_server.route("/cover.png", b"<html>", headers={"Content-Type": "text/html"})
    show(feed_server.url("/cover.png"))
    fetch_pending_artwork()

    response = client.get(thumbnail_urls(feed_server.url("/cover.png")).jpeg)

    assert Artwork.objects.get().status == "refused"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert decoded(response.content).format == "JPEG"


def test_a_thumbnail_missing_from_storage_falls_back_to_the_placeholder(client, feed_server):
    feed_server.route("/cover.png", image_bytes())
    show(feed_server.url("/cover.png"))
    fetch_pending_artwork()
    row = Artwork.objects.get()
    default_storage.delete(row.thumbnail_name(64, "jpg"))

    response = client.get(f"/artwork/{row.key}/64.jpg")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize(
    "path",
    [
        "/artwork/{key}/100.webp",  # not a size we make
        "/artwork/{key}/160.png",  # not a format we make
        "/artwork/{key}/160.webp.jpg",
        "/artwork/{key}/99999999999999999999999.jpg",
        "/artwork/{key}x/160.jpg",
        "/artwork/../../etc/passwd/160.jpg",
        "/artwork/ABCDEF0123456789ABCDEF0123456789/160.jpg",  # keys are lower-case hex
    ],
)
def test_addresses_that_name_no_thumbnail_are_not_found(client, path):
    response = client.get(path.format(key=artwork_key("https://img.example/a.jpg")))
    assert response.status_code == 404


def test_only_get_and_head_are_answered(client):
    url = thumbnail_urls("https://img.example/a.jpg").jpeg
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405
