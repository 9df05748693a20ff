"""Feeds built to stall a crawler: each costs its own feed a bounded time and memory,
is recorded on that feed's health, and leaves the feed's claim free.

The big ones are generated here rather than kept in testdata/.
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import Feed, Item, three_episode_feed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_id_sequences")]

MB = 1024 * 1024


def tiny_untitled_items(count: int) -> bytes:
    """An RSS feed of `count` items with a GUID and nothing else (27 MB for a million)."""
    return b"".join(
        [
            b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            b"<title>Endless</title>",
            *(b"<item><guid>%d</guid></item>" % n for n in range(count)),
            b"</channel></rss>",
        ]
    )


def add_podcast(url: str) -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))


def test_a_million_items_are_cut_to_the_newest_thousand_in_bounded_memory(feed_server, settings):
    # The cap is set low so that storing what is kept stays quick: reading the million
    # items is what is tested.
    settings.FEED_MAX_ITEMS = 1_000
    feed_server.route("/endless.xml", tiny_untitled_items(1_000_000))
    podcast = add_podcast(feed_server.url("/endless.xml"))

    tracemalloc.start()
    try:
        result = refresh_feed(podcast.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.status == "ok", result.error
    podcast.refresh_from_db()
    assert podcast.fetch_status == "ok"
    assert podcast.last_error == (
        "warning: the feed lists 1,000,000 items: only the newest 1,000 were read"
        " (AIRWAVES_FEED_MAX_ITEMS)"
    )
    assert podcast.claimed_until is None
    assert podcast.episodes.count() == 1_000
    assert set(podcast.episodes.values_list("guid", flat=True)) == {str(n) for n in range(1_000)}
    # The 27 MB body, its parsed tree's element proxies and 1,000 episodes; reading
    # every item took over a gigabyte.
    assert peak < 200 * MB, peak / MB


def test_a_feed_past_its_time_budget_fails_and_keeps_what_it_had(feed_server, settings):
    feed_server.route("/feed.xml", three_episode_feed("Kept").xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))
    assert refresh_feed(podcast.pk).status == "ok"
    settings.FEED_MAX_ITEMS = 0  # no cap: only the budget stops this one
    settings.REFRESH_TIME_BUDGET = 1
    feed_server.route("/feed.xml", tiny_untitled_items(1_000_000))

    started = time.monotonic()
    result = refresh_feed(podcast.pk)

    assert time.monotonic() - started < 60
    assert result.status == "error"
    podcast.refresh_from_db()
    assert podcast.fetch_status == "error"
    assert "time budget of 1 s (AIRWAVES_REFRESH_TIME_BUDGET)" in podcast.last_error
    assert podcast.claimed_until is None
    assert podcast.title == "Kept"
    assert sorted(podcast.episodes.values_list("guid", flat=True)) == ["g1", "g2", "g3"]


def test_a_feed_listing_its_oldest_item_first_keeps_its_newest(feed_server, settings):
    settings.FEED_MAX_ITEMS = 10
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    items = [
        Item(f"Part {n}", f"p{n}", format_datetime(start + timedelta(days=n), usegmt=True))
        for n in range(30)
    ]
    feed_server.route("/serial.xml", Feed(items=items).xml())
    podcast = add_podcast(feed_server.url("/serial.xml"))

    assert refresh_feed(podcast.pk).status == "ok"

    assert sorted(Episode.objects.values_list("guid", flat=True)) == sorted(
        f"p{n}" for n in range(20, 30)
    )
    podcast.refresh_from_db()
    assert "only the newest 10 were read" in podcast.last_error


def test_show_notes_of_150000_nested_divs_are_cut_and_the_feed_still_succeeds(feed_server):
    deep = "<div>" * 150_000 + "Notes" + "</div>" * 150_000
    feed = three_episode_feed("Deep")
    feed.items[0].description = deep
    feed_server.route("/deep.xml", feed.xml())
    podcast = add_podcast(feed_server.url("/deep.xml"))

    started = time.monotonic()
    result = refresh_feed(podcast.pk)

    assert time.monotonic() - started < 30
    assert result.status == "ok", result.error
    podcast.refresh_from_db()
    assert podcast.fetch_status == "ok"
    assert podcast.last_error == (
        "warning: the show notes of 1 item were cut (longer than 262,144 characters,"
        " elements nested deeper than 100)"
    )
    assert podcast.episodes.count() == 3
    assert "<div" not in podcast.episodes.get(guid="g3").description


def test_a_ttl_longer_than_time_itself_is_checked_at_the_longest_interval(feed_server, settings):
    xml = (
        three_episode_feed("Forever")
        .xml()
        .replace(b"<channel>", b"<channel><ttl>999999999999999999</ttl>", 1)
    )
    feed_server.route("/forever.xml", xml)
    podcast = add_podcast(feed_server.url("/forever.xml"))

    result = refresh_feed(podcast.pk)

    assert result.status == "ok", result.error
    podcast.refresh_from_db()
    assert podcast.next_check_at - podcast.last_fetched_at <= timedelta(
        seconds=settings.CRAWL_MAX_INTERVAL + 5
    )
