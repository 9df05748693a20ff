"""The episode page with chapters and a transcript: what it lists, its structured data,
and that it stays one cacheable page for every visitor."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.extras import fetch_pending_media
from airwaves.podcasts.models import Episode, EpisodeFile, Podcast
from tests.media.media_feeds import CHAPTERS, VTT, media_feed, media_item

pytestmark = pytest.mark.django_db


def episode_with(feed_server, item: str) -> Episode:
    feed_server.route("/feed.xml", media_feed(item))
    podcast = Podcast.objects.create(
        feed_url=feed_server.url("/feed.xml"), slug=Podcast.placeholder_slug("x")
    )
    refresh_feed(podcast.pk)
    fetch_pending_media()
    return Episode.objects.get(podcast=podcast)


def jsonld_episode(html: str) -> dict:
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html):
        data = json.loads(block)
        if data.get("@type") == "PodcastEpisode":
            return data
    raise AssertionError("no PodcastEpisode")


@pytest.fixture
def full(feed_server) -> Episode:
    feed_server.route("/c.json", CHAPTERS)
    feed_server.route("/t.vtt", VTT, headers={"Content-Type": "text/vtt"})
    return episode_with(
        feed_server,
        media_item(
            "a",
            chapters=feed_server.url("/c.json"),
            transcripts=[(feed_server.url("/t.vtt"), "text/vtt")],
            simple=[("0", "Feed chapter, not shown when the file has some")],
        ),
    )


def test_the_page_lists_chapters_with_images_and_links_and_the_timed_transcript(full):
    html = Client().get(full.get_absolute_url()).content.decode()
    chapters = html[html.index('id="chapters"') : html.index('id="transcript"')]
    assert re.findall(r'data-seek="([\d.]+)"', chapters) == ["0", "30", "90", "120"]
    assert (
        '<span class="chapter-time">1:30</span> <span class="chapter-title">Second topic'
        in chapters
    )
    assert 'href="https://example.com/first" rel="nofollow ugc noopener"' in chapters
    # The chapter image is our thumbnail of it, never the publisher's original.
    assert "img.example.com" not in chapters and "/artwork/" in chapters
    assert "Feed chapter" not in html
    transcript = html[html.index('id="transcript"') :]
    assert 'href="?t=90" rel="nofollow" hx-boost="false" data-seek="90"' in transcript
    assert "And this is where the second topic starts." in transcript


def test_the_chapters_are_clips_in_the_episodes_structured_data(full):
    data = jsonld_episode(Client().get(full.get_absolute_url()).content.decode())
    url = data["url"]
    assert data["hasPart"] == [
        {
            "@type": "Clip",
            "name": "Intro",
            "position": 1,
            "startOffset": 0,
            "endOffset": 30,
            "url": f"{url}?t=0",
        },
        {
            "@type": "Clip",
            "name": "First topic",
            "position": 2,
            "startOffset": 30,
            "endOffset": 90,
            "url": f"{url}?t=30",
        },
        {
            "@type": "Clip",
            "name": "Second topic",
            "position": 3,
            "startOffset": 90,
            "endOffset": 120,
            "url": f"{url}?t=90",
        },
        {
            "@type": "Clip",
            "name": "Goodbye",
            "position": 4,
            "startOffset": 120,
            "url": f"{url}?t=120",
        },
    ]


def test_the_page_stays_cacheable_for_every_visitor(full):
    first = Client().get(full.get_absolute_url())
    second = Client().get(full.get_absolute_url() + "?t=90")
    for response in (first, second):
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
    assert b'id="transcript"' in second.content


def test_feed_chapters_are_shown_and_hostile_text_is_escaped(feed_server):
    episode = episode_with(
        feed_server,
        media_item("a", simple=[("0", "<script>alert(1)</script>"), ("65", "Next & last")]),
    )
    html = Client().get(episode.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert (
        '<span class="chapter-time">1:05</span> <span class="chapter-title">Next &amp; last' in html
    )
    assert 'id="transcript"' not in html
    assert jsonld_episode(html)["hasPart"][1]["name"] == "Next & last"


def test_an_episode_without_them_has_neither_section(feed_server):
    episode = episode_with(feed_server, media_item("a"))
    html = Client().get(episode.get_absolute_url()).content.decode()
    assert 'id="chapters"' not in html and 'id="transcript"' not in html
    assert "hasPart" not in html


def test_the_operator_sees_why_a_file_failed_and_can_fetch_it_again(feed_server, admin_client):
    feed_server.route("/t.vtt", "no header", headers={"Content-Type": "text/vtt"})
    episode_with(
        feed_server, media_item("a", transcripts=[(feed_server.url("/t.vtt"), "text/vtt")])
    )
    row = EpisodeFile.objects.get()
    assert row.status == "refused"

    listing = admin_client.get("/admin/podcasts/episodefile/?status=refused")
    assert feed_server.url("/t.vtt") in listing.content.decode()
    detail = admin_client.get(f"/admin/podcasts/episodefile/{row.pk}/change/").content.decode()
    assert "not a WebVTT file" in detail

    admin_client.post(
        "/admin/podcasts/episodefile/",
        {"action": "fetch_files_again", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.next_fetch_at <= timezone.now()
