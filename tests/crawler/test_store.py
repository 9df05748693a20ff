"""store_feed against races and large feeds: what reaches the database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from airwaves.crawler.parse import parse_feed
from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, known_items, store_feed, stored_episodes
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import Feed, Item, three_episode_feed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_id_sequences")]


def make_podcast(url: str = "https://feeds.example.com/rss") -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))


URL = "https://feeds.example.com/rss"


def processed(feed: Feed):
    return process_feed(parse_feed(feed.xml(), url=URL))


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
    """Slugs are numbered without probing each number."""
    n = 20_000
    podcast = make_podcast()
    same = [Item("Weekly news", f"news-{i}", "") for i in range(n)]
    untitled = [Item("", f"untitled-{i}", "") for i in range(n)]
    # Read as a refresh reads a new feed: each item gets the digest of its XML.
    feed = process_feed(parse_feed(Feed(items=same + untitled).xml(), url=URL, known={}))

    with CaptureQueriesContext(connection) as first:
        result = store_feed(podcast.pk, feed, FeedMeta(), stored_episodes(podcast.pk))

    assert result.new_episodes == 2 * n
    slugs = list(Episode.objects.filter(podcast=podcast).values_list("slug", flat=True))
    assert len(set(slugs)) == 2 * n
    assert {"weekly-news", f"weekly-news-{n}", f"untitled-episode-{n}"} <= set(slugs)
    # A probe loop asked the database about each number (tens of thousands of queries,
    # about a minute); the numbering reads each base slug's highest number once.
    assert len(first) < 100, len(first)

    # More of the same later: numbered on from the highest, without probing each number.
    # The stored items pass through as unchanged stubs, as in a refresh.
    stored = stored_episodes(podcast.pk)
    xml = Feed(items=[Item("Weekly news", "news-new", "")] + same + untitled).xml()
    more = process_feed(parse_feed(xml, url=URL, known=known_items(stored)))
    with CaptureQueriesContext(connection) as second:
        assert store_feed(podcast.pk, more, FeedMeta(), stored).new_episodes == 1
    assert len(second) < 100, len(second)
    assert Episode.objects.get(podcast=podcast, guid="news-new").slug == f"weekly-news-{n + 1}"


def show_row_writes() -> int:
    """Row versions this transaction wrote to podcasts_podcast (PostgreSQL's own count):
    each stays in the table until the transaction ends, and every later read of the
    row (each new episode's foreign-key check at commit) walks past them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'podcasts_podcast'"
        )
        return cursor.fetchone()[0]


def test_a_large_first_store_writes_the_show_a_few_times_not_once_per_episode():
    """PostgreSQL keeps the episode count with a statement trigger: one INSERT per new
    episode updated the show's row once per episode, and 40,000 new episodes took
    minutes (each update and each foreign-key check walked the row's earlier versions).
    SQLite updates its rows in place and runs the same test for the counts."""
    n = 300
    podcast = make_podcast()
    items = [
        Item(f"Episode {i}", f"g-{i}", f"Wed, 15 Apr 2026 {i % 24:02d}:00:00 GMT") for i in range(n)
    ]
    feed = processed(Feed(items=items))
    postgresql = connection.vendor == "postgresql"
    writes = show_row_writes() if postgresql else 0

    result = store_feed(podcast.pk, feed, FeedMeta(), stored_episodes(podcast.pk))

    assert result.new_episodes == n
    if postgresql:
        # The show's own save, its main category, and the episodes' count once.
        assert show_row_writes() - writes <= 3
    podcast.refresh_from_db()
    assert podcast.episode_count == n == Episode.objects.filter(podcast=podcast).count()
    assert podcast.latest_episode_at.hour == 23
    assert sorted(Episode.objects.values_list("guid", flat=True)) == sorted(
        item.guid for item in items
    )
