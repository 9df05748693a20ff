"""The demo's artwork: local files through the same resize path, never fetched."""

from __future__ import annotations

import pytest
from lxml import html

from airwaves.artwork.jobs import fetch_pending_artwork
from airwaves.artwork.models import Artwork
from airwaves.demo.load import load_demo
from airwaves.podcasts.models import Podcast

pytestmark = pytest.mark.django_db


def test_the_demo_shows_have_thumbnails_without_any_fetch(client, demo):
    rows = list(Artwork.objects.order_by("url"))

    assert [row.url.rsplit("/", 1)[1] for row in rows] == [
        "backend-engineering-show.svg",
        "evening-tales.svg",
        "small-science.svg",
    ]
    assert {(row.status, row.source, row.next_fetch_at, row.width) for row in rows} == {
        ("ok", "local", None, 600)
    }
    assert fetch_pending_artwork().fetched == 0  # nothing is due, nothing goes out

    doc = html.fromstring(client.get(Podcast.objects.first().get_absolute_url()).content)
    (src,) = doc.xpath('//img[contains(@class, "artwork large")]/@src')
    response = client.get(src)
    assert response["Cache-Control"] == "public, max-age=2592000"  # stored, not a placeholder


def test_loading_the_demo_again_changes_no_thumbnail(demo):
    before = sorted(Artwork.objects.values_list("key", "stored", "fetched_at"))
    load_demo()
    assert sorted(Artwork.objects.values_list("key", "stored", "fetched_at")) == before
