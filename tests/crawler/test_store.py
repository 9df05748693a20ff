"""store_feed against races and large feeds: what reaches the database."""

from __future__ import annotations

import pytest

from airwaves.crawler.parse import parse_feed
from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, store_feed, stored_episodes
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import Feed, Item, three_episode_feed

pytestmark = pytest.mark.django_db


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
