"""The iTunes and Google Play fields the parser reads are stored, and kept current."""

from __future__ import annotations

from pathlib import Path

import pytest

from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.models import Episode, Podcast

pytestmark = pytest.mark.django_db

TESTDATA = Path(__file__).parent / "testdata"


def add(url: str) -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))


def test_itunes_show_and_episode_fields_are_stored_and_kept_current(feed_server) -> None:
    body = (TESTDATA / "itunes_complete.xml").read_bytes()
    # Keep the feed where it is: its new-feed-url would move it.
    body = body.replace(b"<itunes:new-feed-url>", b"<itunes:ignored>").replace(
        b"</itunes:new-feed-url>", b"</itunes:ignored>"
    )
    feed_server.route("/serial.xml", body)
    podcast = add(feed_server.url("/serial.xml"))

    refresh_feed(podcast.pk)

    podcast.refresh_from_db()
    assert (podcast.itunes_type, podcast.block, podcast.itunes_complete) == ("serial", False, True)
    assert podcast.keywords == ["drama", "lighthouse", "audio fiction", "sea"]
    night, trailer = Episode.objects.filter(podcast=podcast).order_by("-published_at")
    assert (night.block, night.keywords) == (False, ["arrival", "storm"])
    assert (trailer.block, trailer.keywords) == (True, ["trailer", "preview"])

    feed_server.route(
        "/serial.xml",
        body.replace(b"<itunes:type>Serial</itunes:type>", b"<itunes:type>episodic</itunes:type>")
        .replace(b"<itunes:block>Yes</itunes:block>", b"")
        .replace(b"trailer, preview", b"preview"),
    )
    Podcast.objects.filter(pk=podcast.pk).update(next_check_at=None)
    refresh_feed(podcast.pk)

    podcast.refresh_from_db()
    assert podcast.itunes_type == "episodic"
    trailer.refresh_from_db()
    assert (trailer.block, trailer.keywords) == (None, ["preview"])
