"""Every public page costs the same number of SQL queries for a directory of 10 rows
and of 1,000, and none of them counts rows: the counts are kept by triggers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from airwaves.listeners.models import EpisodeAction, Favourite
from airwaves.podcasts.categories import TreePath, tree_category
from airwaves.podcasts.models import Episode, Podcast

START = datetime(2024, 1, 1, tzinfo=UTC)
TOPS = ["Technology", "Science", "Comedy", "News", "Arts"]


def grow_catalogue(size: int, user) -> None:
    """Shows numbered up to `size` (each with one episode, a category and its
    subcategory, a heart and a play), and "Big Show" with `size` episodes."""
    big, _ = Podcast.objects.get_or_create(
        slug="big-show", defaults={"feed_url": "https://example.com/big.xml", "title": "Big Show"}
    )
    have = Podcast.objects.count() - 1
    shows = Podcast.objects.bulk_create(
        Podcast(
            slug=f"show-{n}",
            feed_url=f"https://example.com/{n}.xml",
            title=f"Show {n:05}",
            created_at=START + timedelta(hours=n),
        )
        for n in range(have, size)
    )
    categories = [tree_category(TreePath(top)) for top in TOPS]
    subcategory = tree_category(TreePath("News", "Tech News"))
    through = Podcast.categories.through
    through.objects.bulk_create(
        [through(podcast=show, category=categories[show.pk % len(TOPS)]) for show in shows]
        + [through(podcast=show, category=subcategory) for show in shows if show.pk % 7 == 0]
    )
    episodes = Episode.objects.bulk_create(
        Episode(
            podcast=show,
            slug="only",
            guid="only",
            title=f"Episode of {show.title}",
            published_at=START + timedelta(hours=show.pk),
        )
        for show in shows
    )
    have_big = big.episodes.count()
    Episode.objects.bulk_create(
        Episode(
            podcast=big,
            slug=f"big-{n}",
            guid=f"big-{n}",
            title=f"Big episode {n}",
            published_at=START + timedelta(minutes=n) if n % 10 else None,
        )
        for n in range(have_big, size)
    )
    Favourite.objects.bulk_create(Favourite(user=user, episode=e) for e in episodes)
    EpisodeAction.objects.bulk_create(
        EpisodeAction(
            user=user,
            episode=e,
            podcast_url="https://example.com/feed.xml",
            episode_url="https://example.com/a.mp3",
            action="play",
            position=10,
        )
        for e in episodes
    )


def public_pages() -> dict[str, str]:
    big = Podcast.objects.get(slug="big-show")
    last = -(-big.episode_count // 20)
    return {
        "home": "/",
        "show index": "/podcasts/",
        "show index, last page": f"/podcasts/?page={-(-Podcast.objects.count() // 48)}",
        "category": "/categories/technology/",
        "category, page 2": "/categories/technology/?page=2",
        "subcategory": "/categories/news-tech-news/",
        "long show": "/podcasts/big-show/",
        "long show, last page": f"/podcasts/big-show/?page={last}",
        "episode of the long show": "/podcasts/big-show/big-5/",
        "episode": "/podcasts/show-3/only/",
        "new shows": "/podcasts/new/",
        "updated shows": "/podcasts/updated/",
        "trending shows": "/podcasts/trending/",
        "radio": "/radio/",
    }


def query_counts(client) -> dict[str, int]:
    counts = {}
    for name, url in public_pages().items():
        client.get(url)  # the first view of a page may fill caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        for query in queries.captured_queries:
            # The directory's tables are never counted (the heart button counts one
            # episode's hearts, and the radio index its stations: not these tables).
            counted = re.search(r'\bCOUNT\(.*?FROM "(\w+)"', query["sql"], re.I | re.S)
            assert not (counted and counted[1].startswith("podcasts_")), (url, query["sql"])
        counts[name] = len(queries)
    return counts


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_each_page_costs_the_same_for_10_and_1000_rows(client, alice, logged_in):
    grow_catalogue(10, alice)
    if logged_in:
        client.force_login(alice)
    small = query_counts(client)

    grow_catalogue(1000, alice)
    large = query_counts(client)

    assert large == small
    # The pages really show the larger catalogue.
    assert Podcast.objects.get(slug="big-show").episode_count == 1000
    assert b"Page 50 of 50" in client.get("/podcasts/big-show/?page=50").content


def test_pages_read_from_either_end_make_one_list_newest_first(client, alice):
    grow_catalogue(45, alice)  # Big Show: 40 dated episodes, 5 undated (0, 10, ... 40)
    titles = []
    for number in (1, 2, 3):
        response = client.get("/podcasts/big-show/", {"page": number})
        titles += re.findall(r'<span class="row-title">([^<]+)</span>', response.text)

    dated = [f"Big episode {n}" for n in range(44, 0, -1) if n % 10]
    undated = [f"Big episode {n}" for n in (40, 30, 20, 10, 0)]
    assert titles == dated + undated


@pytest.mark.parametrize(
    "page", ["abc", "-1", "0", "999999", "1" * 40, "2.5", "%00"], ids=lambda p: p[:10]
)
def test_hostile_page_numbers_give_a_page_not_an_error(client, alice, page):
    grow_catalogue(60, alice)
    for url in ("/podcasts/", "/categories/technology/", "/podcasts/big-show/"):
        response = client.get(url, {"page": page})
        assert response.status_code == 200, (url, page)
