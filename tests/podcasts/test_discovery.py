"""Discovery: category pages on the Apple tree, new, recently updated and trending
shows, linked from the home page; reserved slugs keep shows off those paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from lxml import html

from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, store_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.listeners.models import Favourite
from airwaves.podcasts.categories import (
    TreePath,
    categories_for,
    tree_category,
    tree_path,
    tree_paths,
)
from airwaves.podcasts.models import RESERVED_SLUGS, Category, Podcast

START = datetime(2025, 1, 1, tzinfo=UTC)


def page(client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return html.fromstring(response.content)


def grid(doc) -> list[str]:
    return doc.xpath('//ul[@class="show-grid"]/li/a/span/text()')


def show(name: str, created: datetime, latest: datetime | None, categories=()) -> Podcast:
    url = f"https://example.com/{name}.xml"
    # As `airwaves add` makes a show: the first fetch names it from its title.
    podcast = Podcast.objects.create(
        feed_url=url, slug=Podcast.placeholder_slug(url), created_at=created
    )
    items = [ParsedEpisode(guid="1", title="One", published=latest)] if latest else []
    feed = ParsedFeed(title=name, episodes=items, categories=list(categories))
    store_feed(podcast.pk, process_feed(feed), FeedMeta())
    return podcast


@pytest.fixture
def three(db) -> list[Podcast]:
    return [
        show("Alpha", START, START + timedelta(days=9), ["Technology"]),
        show("Bravo", START + timedelta(days=2), START + timedelta(days=1), ["Technology"]),
        show("Charlie", START + timedelta(days=1), None, ["Science"]),
    ]


def test_new_shows_come_newest_first(client, three):
    assert grid(page(client, "/podcasts/new/")) == ["Bravo", "Charlie", "Alpha"]


def test_recently_updated_shows_come_by_their_latest_episode(client, three):
    # Charlie has no dated episode: it has not been updated as far as we know.
    assert grid(page(client, "/podcasts/updated/")) == ["Alpha", "Bravo"]


def test_trending_shows_come_by_this_week_s_hearts(client, three, alice, django_user_model):
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "password")
    alpha_episode = three[0].episodes.get()
    bravo_episode = three[1].episodes.get()
    Favourite.objects.create(user=alice, episode=bravo_episode)
    Favourite.objects.create(user=bob, episode=bravo_episode)
    Favourite.objects.create(user=alice, episode=alpha_episode)
    # A heart from last month does not make a show trend this week.
    Favourite.objects.filter(user=alice, episode=alpha_episode).delete()
    Favourite.objects.create(
        user=alice, episode=alpha_episode, created_at=timezone.now() - timedelta(days=40)
    )
    assert grid(page(client, "/podcasts/trending/")) == ["Bravo"]


def test_the_home_page_links_every_discovery_list(client, three):
    doc = page(client, "/")
    links = set(doc.xpath("//a/@href"))
    assert {"/podcasts/new/", "/podcasts/updated/", "/podcasts/trending/"} <= links
    assert "/categories/technology/" in links
    assert doc.xpath('//h3[@class="category-h"]/a/text()') == ["Technology", "Science"]


def test_discovery_lists_stop_at_a_fixed_depth(client, three):
    assert client.get("/podcasts/new/", {"page": "20"}).status_code == 200
    for hostile in ("21", "0", "-3", "9" * 30):
        assert client.get("/podcasts/new/", {"page": hostile}).status_code == 404
    assert grid(page(client, "/podcasts/new/", page="abc")) == ["Bravo", "Charlie", "Alpha"]


def test_a_category_page_lists_its_shows_with_its_subcategories(client, db):
    show("Gadget Hour", START, START, ["Technology"])
    show("Daily Wire", START, START, ["News", "News > Daily News"])
    # Tech News is under News in Apple's tree today (store.py files the first show
    # under the names the feed gave until it maps names onto the tree).
    tree_category(TreePath("News", "Tech News"))

    doc = page(client, "/categories/news/")
    assert grid(doc) == ["Daily Wire"]
    assert doc.xpath('//p[@class="chips"]/a/text()') == ["Daily News "]
    assert "1 show" in doc.text_content()
    assert client.get("/categories/no-such-category/").status_code == 404


def test_no_show_can_take_a_reserved_slug(client, db):
    for name in ("New", "Updated", "Trending"):
        podcast = show(name, START, START)
        podcast.refresh_from_db()
        assert podcast.slug == f"{name.lower()}-2"
        assert podcast.slug not in RESERVED_SLUGS
    assert grid(page(client, "/podcasts/new/"))[:1] == ["Trending"]
    assert page(client, "/podcasts/new-2/").xpath("//h1/text()") == ["New"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Technology", TreePath("Technology")),
        ("Society and Culture", TreePath("Society & Culture")),
        ("  TV &amp; Film ", TreePath("TV & Film")),
        ("Games & Hobbies > Video Games", TreePath("Leisure", "Video Games")),
        ("Science & Medicine > Medicine", TreePath("Health & Fitness", "Medicine")),
        ("Technology > Tech News", TreePath("News", "Tech News")),
        ("Technology > Podcasting", TreePath("Technology")),
        ("Technolgy", TreePath("Technology")),
        ("Comedy > Standup", TreePath("Comedy", "Stand-Up")),
        ("Tech News", TreePath("News", "Tech News")),
        ("Technology > Quantum Llamas", TreePath("Technology")),
        ("Quantum Llamas", None),
        ("", None),
        (">>>", None),
        ("A > B > C", None),
        ("Technology" + " x" * 500, None),
        ("Tech News > Technology", None),
    ],
)
def test_feed_category_names_map_onto_the_apple_tree(name, expected):
    assert tree_path(name) == expected


def test_every_tree_name_maps_onto_itself():
    for path in tree_paths():
        name = path.top if path.sub is None else f"{path.top} > {path.sub}"
        assert tree_path(name) == path


def test_categories_for_adds_parents_and_drops_unknown_names(db):
    found = categories_for(["Technology > Tech News", "Nonsense", "Technolgy", "Technology"])
    assert [str(c) for c in found] == ["News", "News > Tech News", "Technology"]
    assert all(c.in_tree for c in found)
    assert Category.objects.count() == 3  # and made nothing for the unknown name


def test_a_show_that_lost_a_race_for_its_slug_takes_one_made_with_its_id(db):
    first = Podcast.objects.create(
        feed_url="https://example.com/a.xml", slug="same-title", title="Same Title"
    )
    second = Podcast.objects.create(
        feed_url="https://example.com/b.xml", slug="feed-b", title="Same Title"
    )
    second.assign_slug()  # the first fetch: the next free slug, as ever
    assert second.slug == "same-title-2"

    second.slug = first.slug  # what a save that lost the race to `first` had chosen
    second.assign_slug()
    assert second.slug == f"same-title-{second.pk}"
