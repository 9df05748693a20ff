"""store_feed against races and large feeds: what reaches the database."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from airwaves.crawler.parse import parse_feed
from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, store_feed, stored_episodes
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import Feed, Item, three_episode_feed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_id_sequences")]


def make_podcast(url: str = "https://feeds.example.com/rss") -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))


def processed(feed: Feed):
    return process_feed(parse_feed(feed.xml(), url="https://feeds.example.com/rss"))


def test_a_store_that_lost_the_race_to_another_updates_instead_of_failing():
    podcast = make_podcast()
    feed = three_episode_feed()
    feed.items.insert(0, Item("Fourth", "g4", "Wed, 22 Apr 2026 14:00:00 GMT"))
    # Both refreshes read the stored episodes (none) before either stored.
    stale = stored_episodes(podcast.pk)

    first = store_feed(podcast.pk, processed(feed), FeedMeta(), stale)
    second = store_feed(podcast.pk, processed(feed), FeedMeta(), stale)

    assert first.new_episodes == 4
    assert second.new_episodes == 0 and second.updated_episodes == 4
    assert Episode.objects.filter(podcast=podcast).count() == 4
    assert sorted(Episode.objects.values_list("slug", flat=True)) == [
        "first",
        "fourth",
        "second",
        "third",
    ]


def test_twenty_thousand_items_with_one_title_and_as_many_untitled_store_in_seconds():
    """Slugs are numbered without probing each number. The numbering is the same on both
    databases; the size is cut on PostgreSQL, where checking the 40,000 rows' deferred
    foreign keys at the end of the test's transaction takes minutes on this machine."""
    n = 20_000 if connection.vendor == "sqlite" else 2_000
    podcast = make_podcast()
    same = [Item("Weekly news", f"news-{i}", "") for i in range(n)]
    untitled = [Item("", f"untitled-{i}", "") for i in range(n)]
    feed = processed(Feed(items=same + untitled))

    started = time.monotonic()
    result = store_feed(podcast.pk, feed, FeedMeta(), stored_episodes(podcast.pk))
    elapsed = time.monotonic() - started

    assert result.new_episodes == 2 * n
    slugs = list(Episode.objects.filter(podcast=podcast).values_list("slug", flat=True))
    assert len(set(slugs)) == 2 * n
    assert {"weekly-news", f"weekly-news-{n}", f"untitled-episode-{n}"} <= set(slugs)
    # A probe loop took about a minute here; storing takes a few seconds.
    assert elapsed < 30, elapsed

    # More of the same later: numbered on from the highest, without probing each number.
    more = processed(Feed(items=[Item("Weekly news", "news-new", "")] + same + untitled))
    started = time.monotonic()
    store_feed(podcast.pk, more, FeedMeta(), stored_episodes(podcast.pk))
    assert time.monotonic() - started < 30
    assert Episode.objects.get(podcast=podcast, guid="news-new").slug == f"weekly-news-{n + 1}"
