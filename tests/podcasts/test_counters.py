"""The counts kept by triggers: episodes per show, a show's latest episode, shows per
category, listed shows, trending scores. Each is checked after writes through the
crawler's own path and after plain SQL, and against recount()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, store_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.lib.triggers import REGISTRY
from airwaves.listeners.models import EpisodeAction, Favourite
from airwaves.podcasts import trending
from airwaves.podcasts.counters import recount
from airwaves.podcasts.models import Category, Episode, Podcast, ShowActivity, Total

START = datetime(2025, 3, 1, tzinfo=UTC)


def crawl(podcast: Podcast, episodes: int, categories=(), title="Counted Show") -> None:
    items = [
        ParsedEpisode(guid=f"e{n}", title=f"Episode {n}", published=START + timedelta(days=n))
        for n in range(episodes)
    ]
    feed = ParsedFeed(title=title, episodes=items, categories=list(categories))
    store_feed(
        podcast.pk, process_feed(feed), FeedMeta(channel_hash=f"{episodes}-{len(categories)}")
    )


def kept() -> dict:
    """Every kept count, to compare with what recount() computes from the rows."""
    return {
        "shows": list(
            Podcast.objects.order_by("pk").values_list(
                "pk", "episode_count", "latest_episode_at", "trending_score"
            )
        ),
        "categories": list(Category.objects.order_by("pk").values_list("pk", "show_count")),
        "listed": Total.listed_shows(),
    }


def assert_same_as_recount() -> None:
    before = kept()
    recount()
    assert kept() == before


@pytest.fixture
def show(db) -> Podcast:
    return Podcast.objects.create(feed_url="https://example.com/feed.xml", slug="counted")


def test_the_crawler_s_writes_keep_the_episode_count_and_latest_date(show):
    crawl(show, 3)
    show.refresh_from_db()
    assert show.episode_count == 3
    assert show.latest_episode_at == START + timedelta(days=2)

    crawl(show, 5)  # two more episodes in the feed
    show.refresh_from_db()
    assert show.episode_count == 5
    assert show.latest_episode_at == START + timedelta(days=4)

    Episode.objects.filter(podcast=show, guid="e0").delete()
    show.refresh_from_db()
    assert show.episode_count == 4
    assert_same_as_recount()


def test_plain_sql_inserts_and_deletes_are_counted(show):
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO podcasts_episode (podcast_id, slug, guid, source_hash, title, link,"
            " published_at, description, summary, author, enclosure_url, enclosure_type,"
            " image_url, episode_type, created_at, updated_at)"
            " VALUES (%s, %s, %s, '', 't', '', %s, '', '', '', '', '', '', '', %s, %s)",
            [
                [show.pk, f"s{n}", f"g{n}", START + timedelta(hours=n), START, START]
                for n in range(50)
            ],
        )
        cursor.execute("DELETE FROM podcasts_episode WHERE guid IN ('g1', 'g2')")
    show.refresh_from_db()
    assert show.episode_count == 48
    assert show.latest_episode_at == START + timedelta(hours=49)
    assert_same_as_recount()


def test_a_future_date_is_not_a_show_s_latest_episode(show):
    Episode.objects.create(podcast=show, slug="a", guid="a", title="a", published_at=START)
    Episode.objects.create(
        podcast=show,
        slug="b",
        guid="b",
        title="b",
        published_at=timezone.now() + timedelta(days=30),
    )
    show.refresh_from_db()
    assert show.latest_episode_at == START
    assert show.episode_count == 2


def test_a_redated_episode_moves_the_latest_date_forward(show):
    episode = Episode.objects.create(
        podcast=show, slug="a", guid="a", title="a", published_at=START
    )
    Episode.objects.filter(pk=episode.pk).update(published_at=START + timedelta(days=9))
    show.refresh_from_db()
    assert show.latest_episode_at == START + timedelta(days=9)


def test_an_episode_moved_to_another_show_is_counted_there(show):
    other = Podcast.objects.create(feed_url="https://example.com/other.xml", slug="other")
    episode = Episode.objects.create(podcast=show, slug="a", guid="a", title="a")
    Episode.objects.filter(pk=episode.pk).update(podcast=other)
    assert Podcast.objects.get(pk=show.pk).episode_count == 0
    assert Podcast.objects.get(pk=other.pk).episode_count == 1


def test_listed_shows_follow_titles_merges_and_deletes(show):
    assert Total.listed_shows() == 0  # not fetched yet: no title
    crawl(show, 1)
    assert Total.listed_shows() == 1
    other = Podcast.objects.create(
        feed_url="https://example.com/2.xml", slug="second", title="Second"
    )
    assert Total.listed_shows() == 2
    Podcast.objects.filter(pk=show.pk).update(moved_to=other)
    assert Total.listed_shows() == 1
    other.delete()  # the merged show's moved_to goes back to NULL: listed again
    assert Total.listed_shows() == 1
    assert_same_as_recount()


def test_a_show_counts_once_for_a_category_and_its_subcategory(show):
    crawl(show, 1, ["News", "News > Tech News", "Science"])
    counts = dict(Category.objects.values_list("name", "show_count"))
    assert counts == {"News": 1, "Tech News": 1, "Science": 1}

    second = Podcast.objects.create(feed_url="https://example.com/2.xml", slug="second")
    crawl(second, 1, ["News > Tech News"], title="Second")
    counts = dict(Category.objects.values_list("name", "show_count"))
    assert counts == {"News": 2, "Tech News": 2, "Science": 1}

    crawl(show, 2, ["Science"])  # the feed dropped its news categories
    counts = dict(Category.objects.values_list("name", "show_count"))
    assert counts == {"News": 1, "Tech News": 1, "Science": 1}
    assert_same_as_recount()

    show.delete()
    second.delete()
    assert set(Category.objects.values_list("show_count", flat=True)) == {0}


def test_hearts_and_first_plays_of_the_day_make_a_show_trend(show, alice, django_user_model):
    crawl(show, 2)
    first, second = Episode.objects.filter(podcast=show).order_by("guid")
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "password")

    Favourite.objects.create(user=alice, episode=first)
    Favourite.objects.create(user=bob, episode=first)
    play = {"podcast_url": "u", "episode_url": "u", "action": "play", "position": 5}
    for _ in range(3):  # one listener playing one episode three times counts once
        EpisodeAction.objects.create(user=alice, episode=second, **play)
    EpisodeAction.objects.create(user=bob, episode=second, **play)
    EpisodeAction.objects.create(user=bob, episode=second, **{**play, "action": "download"})
    # A play synced from a phone that happened long ago is not trending now.
    EpisodeAction.objects.create(
        user=bob, episode=first, timestamp=timezone.now() - timedelta(days=30), **play
    )
    show.refresh_from_db()
    assert show.trending_score == 4

    Favourite.objects.filter(user=bob).delete()  # an unheart takes its heart back
    show.refresh_from_db()
    assert show.trending_score == 3
    assert ShowActivity.objects.get(podcast=show).score == 3
    assert_same_as_recount()


def test_days_leaving_the_window_are_taken_off_once_a_day(show):
    crawl(show, 1)
    today = timezone.now().date()
    ShowActivity.objects.create(podcast=show, day=today - timedelta(days=8), score=5)
    ShowActivity.objects.create(podcast=show, day=today - timedelta(days=2), score=2)
    Podcast.objects.filter(pk=show.pk).update(trending_score=7)

    assert trending.expire_if_due(today) is True
    assert trending.expire_if_due(today) is False  # already done today
    show.refresh_from_db()
    assert show.trending_score == 2
    assert list(ShowActivity.objects.values_list("score", flat=True)) == [2]


def test_install_puts_back_a_missing_trigger_and_recounts(show):
    crawl(show, 2)
    drop = (
        "DROP TRIGGER podcasts_episodes_added ON podcasts_episode"
        if connection.vendor == "postgresql"
        else "DROP TRIGGER podcasts_episode_added"
    )
    with connection.cursor() as cursor:
        cursor.execute(drop)
    Episode.objects.create(podcast=show, slug="x", guid="x", title="x")
    assert Podcast.objects.get(pk=show.pk).episode_count == 2  # missed

    assert REGISTRY.install(connection) == ["podcasts"]
    assert Podcast.objects.get(pk=show.pk).episode_count == 3
    assert REGISTRY.install(connection) == []  # nothing left to do
    Episode.objects.create(podcast=show, slug="y", guid="y", title="y")
    assert Podcast.objects.get(pk=show.pk).episode_count == 4


def test_a_reserved_slug_is_refused_whatever_writes_the_row(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Podcast.objects.create(feed_url="https://example.com/n.xml", slug="trending")
