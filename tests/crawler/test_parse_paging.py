"""Paged feeds (RFC 5005 atom:link rel="next"): a refresh reads the pages after the first,
within AIRWAVES_FEED_MAX_PAGES, through the same guarded fetch as the feed."""

from __future__ import annotations

import pytest

from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.models import Episode, Podcast

pytestmark = pytest.mark.django_db


def page(numbers: range, next_url: str = "") -> bytes:
    items = "".join(
        f"<item><title>Episode {n}</title><guid>ep-{n}</guid>"
        f"<pubDate>Wed, {n:02d} Apr 2026 09:00:00 GMT</pubDate>"
        f'<enclosure url="https://cdn.example.com/{n}.mp3" length="1000" type="audio/mpeg"/>'
        "</item>"
        for n in numbers
    )
    link = f'<atom:link rel="next" href="{next_url}"/>' if next_url else ""
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>Paged Show</title>{link}{items}</channel></rss>"
    ).encode()


def add(url: str) -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))


def stored_guids(podcast: Podcast) -> set[str]:
    return set(Episode.objects.filter(podcast=podcast).values_list("guid", flat=True))


def test_every_page_of_a_paged_feed_is_stored(feed_server) -> None:
    feed_server.route("/feed.xml", page(range(9, 6, -1), "/page2.xml"))
    feed_server.route("/page2.xml", page(range(6, 3, -1), "page3.xml"))  # relative: resolved
    feed_server.route("/page3.xml", page(range(3, 0, -1)))
    podcast = add(feed_server.url("/feed.xml"))

    assert refresh_feed(podcast.pk).status == "ok"

    assert stored_guids(podcast) == {f"ep-{n}" for n in range(1, 10)}
    assert [r.path for r in feed_server.requests] == ["/feed.xml", "/page2.xml", "/page3.xml"]
    podcast.refresh_from_db()
    assert podcast.last_error == ""


def test_pages_past_the_cap_are_left_with_a_warning_on_the_feeds_health(
    feed_server, settings
) -> None:
    settings.FEED_MAX_PAGES = 2
    feed_server.route("/feed.xml", page(range(9, 6, -1), "/page2.xml"))
    feed_server.route("/page2.xml", page(range(6, 3, -1), "/page3.xml"))
    feed_server.route("/page3.xml", page(range(3, 0, -1)))
    podcast = add(feed_server.url("/feed.xml"))

    refresh_feed(podcast.pk)

    assert stored_guids(podcast) == {f"ep-{n}" for n in range(4, 10)}
    assert "/page3.xml" not in [r.path for r in feed_server.requests]
    podcast.refresh_from_db()
    assert podcast.last_error.startswith("warning: ")
    assert "more than 2 pages" in podcast.last_error


def test_a_page_that_fails_keeps_the_pages_before_it(feed_server) -> None:
    feed_server.route("/feed.xml", page(range(9, 6, -1), "/page2.xml"))
    feed_server.route("/page2.xml", page(range(6, 3, -1), "/missing.xml"))
    feed_server.route("/missing.xml", b"gone", status=404)
    podcast = add(feed_server.url("/feed.xml"))

    assert refresh_feed(podcast.pk).status == "ok"

    assert stored_guids(podcast) == {f"ep-{n}" for n in range(4, 10)}
    podcast.refresh_from_db()
    assert "page 3 of the feed" in podcast.last_error and "404" in podcast.last_error


@pytest.mark.parametrize(
    "hostile",
    ["file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL", "/feed.xml", "/loop.xml"],
)
def test_hostile_next_links_are_refused_or_stopped(feed_server, hostile: str) -> None:
    feed_server.route("/feed.xml", page(range(9, 6, -1), hostile))
    feed_server.route("/loop.xml", page(range(6, 3, -1), "/feed.xml"))
    podcast = add(feed_server.url("/feed.xml"))

    assert refresh_feed(podcast.pk).status == "ok"

    guids = stored_guids(podcast)
    assert {"ep-9", "ep-8", "ep-7"} <= guids
    assert len([r for r in feed_server.requests if r.path == "/feed.xml"]) == 1
    podcast.refresh_from_db()
    assert podcast.last_error.startswith("warning: ")


def test_a_page_repeating_items_of_the_one_before_stores_each_once(feed_server) -> None:
    # A live feed shifts while it is read: page 2 starts with page 1's last item.
    feed_server.route("/feed.xml", page(range(9, 6, -1), "/page2.xml"))
    feed_server.route("/page2.xml", page(range(7, 4, -1)))
    podcast = add(feed_server.url("/feed.xml"))

    refresh_feed(podcast.pk)

    assert Episode.objects.filter(podcast=podcast).count() == 5


def test_pages_are_read_again_on_the_next_refresh_without_duplicates(feed_server) -> None:
    feed_server.route("/feed.xml", page(range(9, 6, -1), "/page2.xml"))
    feed_server.route("/page2.xml", page(range(6, 3, -1)))
    podcast = add(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)
    feed_server.route("/feed.xml", page(range(10, 6, -1), "/page2.xml"))
    Podcast.objects.filter(pk=podcast.pk).update(next_check_at=None)

    assert refresh_feed(podcast.pk).new_episodes == 1

    assert stored_guids(podcast) == {f"ep-{n}" for n in range(4, 11)}
