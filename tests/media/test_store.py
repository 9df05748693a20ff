"""Refreshes keep an episode's chapters and transcript files in step with its feed item:
added, replaced when the feed changes them, never duplicated."""

from __future__ import annotations

import pytest

from airwaves.artwork.models import QueuedImageURL
from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.models import EpisodeChapter, EpisodeFile, Podcast
from tests.media.media_feeds import media_feed, media_item

pytestmark = pytest.mark.django_db


def add_podcast(url: str) -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))


def files(podcast: Podcast) -> list[tuple]:
    return sorted(
        EpisodeFile.objects.filter(episode__podcast=podcast).values_list(
            "episode__guid", "kind", "url", "status"
        )
    )


def simple_chapters(podcast: Podcast) -> list[tuple]:
    return list(
        EpisodeChapter.objects.filter(episode__podcast=podcast)
        .order_by("episode__guid", "position")
        .values_list("episode__guid", "start", "end", "title")
    )


def test_files_and_feed_chapters_are_stored_and_the_best_transcript_chosen(feed_server):
    feed_server.route(
        "/feed.xml",
        media_feed(
            media_item(
                "a",
                chapters="https://s.example.com/a.json",
                transcripts=[
                    ("https://s.example.com/a.html", "text/html"),
                    ("https://s.example.com/a.srt", "application/srt"),
                    ("https://s.example.com/a.vtt", "text/vtt"),
                ],
                simple=[("0", "Hello"), ("00:01:00", "Middle")],
            ),
            media_item("b"),
        ),
    )
    podcast = add_podcast(feed_server.url("/feed.xml"))
    assert refresh_feed(podcast.pk).status == "ok"

    assert files(podcast) == [
        ("a", "chapters", "https://s.example.com/a.json", "pending"),
        ("a", "transcript", "https://s.example.com/a.html", "spare"),
        ("a", "transcript", "https://s.example.com/a.srt", "spare"),
        ("a", "transcript", "https://s.example.com/a.vtt", "pending"),
    ]
    assert simple_chapters(podcast) == [("a", 0.0, 60.0, "Hello"), ("a", 60.0, None, "Middle")]


def test_a_refresh_of_the_same_feed_duplicates_nothing(feed_server):
    feed = media_feed(
        media_item(
            "a",
            chapters="https://s.example.com/a.json",
            transcripts=[("https://s.example.com/a.vtt", "text/vtt")],
            simple=[("0", "Hello")],
        )
    )
    feed_server.route("/feed.xml", feed)
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)
    before = (files(podcast), simple_chapters(podcast))
    ids = set(EpisodeFile.objects.values_list("pk", flat=True))

    # New bytes (the show renamed) make the refresh store again; and with every item's
    # digest forgotten, every item is read and written again too.
    feed_server.route("/feed.xml", feed.replace(b"Chapter Show", b"Chapter Show!"))
    podcast.episodes.update(source_hash="")
    assert refresh_feed(podcast.pk).status == "ok"

    assert (files(podcast), simple_chapters(podcast)) == before
    assert set(EpisodeFile.objects.values_list("pk", flat=True)) == ids


def test_what_the_feed_changes_is_replaced_and_what_it_drops_goes(feed_server):
    feed_server.route(
        "/feed.xml",
        media_feed(
            media_item(
                "a",
                chapters="https://s.example.com/old.json",
                transcripts=[("https://s.example.com/a.vtt", "text/vtt")],
                simple=[("0", "Old")],
            )
        ),
    )
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)
    old_chapters_file = EpisodeFile.objects.get(kind="chapters")
    EpisodeChapter.objects.create(
        episode=old_chapters_file.episode, file=old_chapters_file, position=0, start=0, title="x"
    )

    feed_server.route(
        "/feed.xml",
        media_feed(
            media_item(
                "a",
                chapters="https://s.example.com/new.json",
                transcripts=[("https://s.example.com/a.srt", "application/x-subrip")],
                simple=[("0", "New"), ("30", "Part two")],
            )
        ),
    )
    refresh_feed(podcast.pk)

    assert files(podcast) == [
        ("a", "chapters", "https://s.example.com/new.json", "pending"),
        ("a", "transcript", "https://s.example.com/a.srt", "pending"),
    ]
    # The old file's chapters went with it; the feed's own were replaced.
    assert simple_chapters(podcast) == [("a", 0.0, 30.0, "New"), ("a", 30.0, None, "Part two")]

    feed_server.route("/feed.xml", media_feed(media_item("a")))
    refresh_feed(podcast.pk)
    assert files(podcast) == [] and simple_chapters(podcast) == []


def test_a_better_transcript_added_later_takes_over_and_the_old_one_waits(feed_server):
    srt = ("https://s.example.com/a.srt", "application/x-subrip")
    vtt = ("https://s.example.com/a.vtt", "text/vtt")
    feed_server.route("/feed.xml", media_feed(media_item("a", transcripts=[srt])))
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)
    EpisodeFile.objects.update(status="ok", lines=[[0, 1, "hi"]], text="hi")

    feed_server.route("/feed.xml", media_feed(media_item("a", transcripts=[srt, vtt])))
    refresh_feed(podcast.pk)

    assert files(podcast) == [
        ("a", "transcript", "https://s.example.com/a.srt", "spare"),
        ("a", "transcript", "https://s.example.com/a.vtt", "pending"),
    ]
    assert EpisodeFile.objects.get(url__endswith=".srt").lines == []


def test_chapter_images_go_to_the_artwork_queue(feed_server):
    feed = media_feed(media_item("a", simple=[("0", "Hello")]))
    feed = feed.replace(b'title="Hello"', b'title="Hello" image="https://img.example.com/c.jpg"')
    feed_server.route("/feed.xml", feed)
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)
    assert QueuedImageURL.objects.filter(url="https://img.example.com/c.jpg").exists()
