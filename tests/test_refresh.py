"""refresh_feed end to end: a real HTTP server on 127.0.0.1, real parse, real database."""

from __future__ import annotations

import pytest

from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import Feed, Item, three_episode_feed

pytestmark = pytest.mark.django_db


def add_podcast(url: str) -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))


def test_it_stores_the_show_and_its_episodes(feed_server):
    feed_server.route("/feed.xml", three_episode_feed("My Test Show").xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))

    result = refresh_feed(podcast.pk)

    assert result.status == "ok"
    assert result.new_episodes == 3
    podcast.refresh_from_db()
    assert podcast.title == "My Test Show"
    assert podcast.slug == "my-test-show"
    assert podcast.author == "Test Author"
    assert podcast.category.name == "Technology"
    assert podcast.fetch_status == "ok"
    assert podcast.next_check_at is not None
    third = podcast.episodes.get(guid="g3")
    assert third.title == "Third"
    assert third.slug == "third"
    assert third.duration == 588
    assert third.enclosure_url == "https://cdn.example.com/3.mp3"
    assert third.published_at.isoformat() == "2026-04-15T14:00:00+00:00"


def test_refreshing_again_never_duplicates(feed_server):
    feed_server.route("/feed.xml", three_episode_feed().xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))

    refresh_feed(podcast.pk)
    second = refresh_feed(podcast.pk)

    # Same bytes from a server that ignores conditional GET: nothing to parse.
    assert second.status == "unchanged"
    assert Episode.objects.filter(podcast=podcast).count() == 3


def test_it_sends_the_etag_back_and_accepts_304(feed_server):
    feed_server.route("/feed.xml", three_episode_feed().xml(), etag='"v1"')
    podcast = add_podcast(feed_server.url("/feed.xml"))

    refresh_feed(podcast.pk)
    result = refresh_feed(podcast.pk)

    assert result.status == "not_modified"
    assert feed_server.requests[-1].headers["If-None-Match"] == '"v1"'
    podcast.refresh_from_db()
    assert podcast.etag == '"v1"'
    assert podcast.fetch_status == "not_modified"
    assert podcast.episodes.count() == 3


def test_a_changed_feed_updates_episodes_but_keeps_their_urls(feed_server):
    feed = three_episode_feed()
    feed_server.route("/feed.xml", feed.xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)

    feed.items[0].title = "Third, renamed by the publisher"
    feed.items.insert(0, Item("Fourth", "g4", "Wed, 22 Apr 2026 14:00:00 GMT"))
    feed_server.route("/feed.xml", feed.xml())
    result = refresh_feed(podcast.pk)

    assert (result.new_episodes, result.updated_episodes) == (1, 1)
    renamed = podcast.episodes.get(guid="g3")
    assert renamed.title == "Third, renamed by the publisher"
    assert renamed.slug == "third"
    assert podcast.episodes.count() == 4


def test_items_whose_xml_did_not_change_are_neither_read_nor_written(feed_server):
    feed = three_episode_feed()
    feed_server.route("/feed.xml", feed.xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)
    # Marks only a write of the item could undo.
    Episode.objects.filter(podcast=podcast).update(summary="as stored")

    feed.items.insert(0, Item("Fourth", "g4", "Wed, 22 Apr 2026 14:00:00 GMT"))
    feed_server.route("/feed.xml", feed.xml())
    result = refresh_feed(podcast.pk)

    assert (result.new_episodes, result.updated_episodes) == (1, 0)
    assert set(podcast.episodes.filter(summary="as stored").values_list("guid", flat=True)) == {
        "g1",
        "g2",
        "g3",
    }
    # The unread items still count for the show's cadence: weekly episodes, so the feed
    # is checked about daily (a tenth of the gap), not on the default schedule.
    podcast.refresh_from_db()
    assert podcast.feed_interval == 7 * 86400 // 10


def test_a_show_keeps_its_slug_when_renamed(feed_server):
    feed = three_episode_feed("Original Name")
    feed_server.route("/feed.xml", feed.xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)

    feed.title = "New Name"
    feed_server.route("/feed.xml", feed.xml())
    refresh_feed(podcast.pk)

    podcast.refresh_from_db()
    assert podcast.title == "New Name"
    assert podcast.slug == "original-name"


def test_episodes_with_the_same_title_get_distinct_slugs(feed_server):
    feed = Feed(items=[Item("Q&A", "a"), Item("Q&A", "b"), Item("Q&A", "c")])
    feed_server.route("/feed.xml", feed.xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))

    refresh_feed(podcast.pk)

    assert sorted(podcast.episodes.values_list("slug", flat=True)) == ["q-a", "q-a-2", "q-a-3"]


def test_items_without_guid_are_identified_by_enclosure(feed_server):
    feed = Feed(items=[Item("No GUID", "", enclosure="https://cdn.example.com/x.mp3")])
    feed_server.route("/feed.xml", feed.xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))

    refresh_feed(podcast.pk)
    feed.items[0].title = "No GUID, edited"
    feed_server.route("/feed.xml", feed.xml())
    refresh_feed(podcast.pk)

    episode = podcast.episodes.get()
    assert episode.guid == "https://cdn.example.com/x.mp3"
    assert episode.title == "No GUID, edited"


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"<html><body>Moved to a new host</body></html>", 200, "not a feed"),
        (b"\x00\x01garbage", 200, ""),
        (b"", 200, ""),
        (b"Not Found", 404, "404"),
        (b"oops", 500, "500"),
    ],
)
def test_a_broken_feed_records_the_reason_and_keeps_episodes(feed_server, body, status, reason):
    feed_server.route("/feed.xml", three_episode_feed().xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)
    feed_server.route("/feed.xml", body, status=status)

    result = refresh_feed(podcast.pk)

    assert result.status == "error"
    podcast.refresh_from_db()
    assert podcast.fetch_status == "error"
    assert podcast.error_count == 1
    assert reason in podcast.last_error
    assert podcast.last_error
    assert podcast.next_check_at is not None
    assert podcast.title == "Test Show"
    assert podcast.episodes.count() == 3


def test_errors_count_up_and_reset_on_success(feed_server):
    feed_server.route("/feed.xml", b"nope", status=503)
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)
    refresh_feed(podcast.pk)
    podcast.refresh_from_db()
    assert podcast.error_count == 2
    first_retry = podcast.next_check_at

    feed_server.route("/feed.xml", three_episode_feed().xml())
    refresh_feed(podcast.pk)

    podcast.refresh_from_db()
    assert (podcast.error_count, podcast.last_error, podcast.fetch_status) == (0, "", "ok")
    assert podcast.next_check_at > first_retry


def test_a_permanent_redirect_updates_the_feed_url(feed_server):
    feed_server.route("/old.xml", status=301, headers={"Location": "/new.xml"})
    feed_server.route("/new.xml", three_episode_feed().xml())
    podcast = add_podcast(feed_server.url("/old.xml"))

    refresh_feed(podcast.pk)

    podcast.refresh_from_db()
    assert podcast.feed_url == feed_server.url("/new.xml")


def test_a_temporary_redirect_keeps_the_feed_url(feed_server):
    feed_server.route("/old.xml", status=302, headers={"Location": "/new.xml"})
    feed_server.route("/new.xml", three_episode_feed().xml())
    podcast = add_podcast(feed_server.url("/old.xml"))

    refresh_feed(podcast.pk)

    podcast.refresh_from_db()
    assert podcast.feed_url == feed_server.url("/old.xml")
    assert podcast.episodes.count() == 3


def test_loopback_feeds_are_refused_by_default(feed_server, settings, monkeypatch):
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS")
    settings.ALLOW_PRIVATE_URLS = False
    feed_server.route("/feed.xml", three_episode_feed().xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))

    result = refresh_feed(podcast.pk)

    assert result.status == "error"
    assert "127.0.0.1" in result.error
    assert feed_server.requests == []
    assert podcast.episodes.count() == 0


def test_hostile_show_notes_are_sanitized_before_storing(feed_server):
    hostile = (
        '<p onclick="steal()">Notes</p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">click</a><img src="x" onerror="alert(3)">'
        '<a href="https://example.com/">site</a>'
    )
    feed = Feed(items=[Item("<b>Bold</b> & title", "h1", description=hostile)])
    feed_server.route("/feed.xml", feed.xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))

    refresh_feed(podcast.pk)

    episode = podcast.episodes.get()
    assert "script" not in episode.description
    assert "onclick" not in episode.description
    assert "onerror" not in episode.description
    assert "javascript:" not in episode.description
    assert 'rel="nofollow ugc noopener"' in episode.description
    assert episode.title == "Bold & title"


def test_a_changed_category_is_applied_and_an_unchanged_channel_left_alone(feed_server):
    feed = three_episode_feed()
    feed_server.route("/feed.xml", feed.xml())
    podcast = add_podcast(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)

    # Only an item changes: the channel's details are not rewritten.
    Podcast.objects.filter(pk=podcast.pk).update(
        author="Edited by the operator", error_count=2, last_error="earlier failure"
    )
    before = Podcast.objects.get(pk=podcast.pk).last_success_at
    feed.items[0].title = "Third, again"
    feed_server.route("/feed.xml", feed.xml())
    assert refresh_feed(podcast.pk).updated_episodes == 1
    podcast.refresh_from_db()
    assert podcast.author == "Edited by the operator"
    assert Episode.objects.filter(podcast=podcast, title="Third, again").count() == 1
    # Health and schedule are written all the same.
    assert podcast.last_success_at > before
    assert (podcast.fetch_status, podcast.error_count, podcast.last_error) == ("ok", 0, "")
    assert podcast.claimed_until is None
    assert podcast.next_check_at > podcast.last_success_at

    feed.category = "Comedy"
    feed_server.route("/feed.xml", feed.xml())
    refresh_feed(podcast.pk)
    podcast.refresh_from_db()
    assert podcast.category.name == "Comedy"
    assert podcast.author == "Test Author"
    assert list(podcast.categories.values_list("name", flat=True)) == ["Comedy"]


def test_feed_categories_are_mapped_onto_the_apple_tree(feed_server):
    from airwaves.podcasts.models import Category

    xml = (
        three_episode_feed()
        .xml()
        .replace(
            b'<itunes:category text="Technology"/>',
            b'<itunes:category text="Technology"><itunes:category text="Tech News"/></itunes:category>'
            b'<itunes:category text="Games &amp; Hobbies"/>'
            b'<itunes:category text="Frobnication"/>',
        )
    )
    feed_server.route("/feed.xml", xml)
    podcast = add_podcast(feed_server.url("/feed.xml"))

    assert refresh_feed(podcast.pk).status == "ok"
    podcast.refresh_from_db()
    # The legacy "Technology > Tech News" is News > Tech News now; "Games & Hobbies" is
    # Leisure; a name the tree does not know makes no category.
    assert podcast.category.name == "Technology"  # the first the feed names
    assert {c.name for c in podcast.categories.all()} == {
        "Technology",
        "News",
        "Tech News",
        "Leisure",
    }
    assert not Category.objects.filter(name="Frobnication").exists()
