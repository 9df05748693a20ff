"""Moves, merges, GUID changes, dead feeds and the operator's view of feed health."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from airwaves.cli import main
from airwaves.crawler.refresh import refresh_feed
from airwaves.listeners.models import Follow
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import Feed, Item, three_episode_feed

pytestmark = pytest.mark.django_db


def add(url: str) -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))


def with_new_feed_url(feed: Feed, url: str) -> bytes:
    return feed.xml().replace(
        b"<channel>", f"<channel><itunes:new-feed-url>{url}</itunes:new-feed-url>".encode()
    )


def test_new_feed_url_moves_the_feed_to_an_unknown_url(feed_server):
    feed_server.route(
        "/old.xml", with_new_feed_url(three_episode_feed(), "https://new.example/feed")
    )
    podcast = add(feed_server.url("/old.xml"))

    refresh_feed(podcast.pk)

    podcast.refresh_from_db()
    assert podcast.feed_url == "https://new.example/feed"
    assert podcast.host == "new.example"
    assert podcast.episodes.count() == 3


def test_a_move_to_a_known_feed_merges_and_keeps_followers(feed_server, client):
    feed_server.route("/new.xml", three_episode_feed("The Show").xml())
    target = add(feed_server.url("/new.xml"))
    refresh_feed(target.pk)
    feed_server.route(
        "/old.xml",
        with_new_feed_url(three_episode_feed("The Show (old)"), feed_server.url("/new.xml")),
    )
    old = add(feed_server.url("/old.xml"))
    alice = User.objects.create_user("alice")
    bob = User.objects.create_user("bob")
    Follow.objects.create(user=alice, podcast=old)
    Follow.objects.create(user=bob, podcast=old)
    Follow.objects.create(user=bob, podcast=target)

    result = refresh_feed(old.pk)

    assert result.status == "ok"
    old.refresh_from_db()
    assert old.moved_to == target
    assert old.feed_url == feed_server.url("/old.xml")
    assert set(Follow.objects.filter(podcast=target).values_list("user__username", flat=True)) == {
        "alice",
        "bob",
    }
    assert not Follow.objects.filter(podcast=old).exists()
    # The old show's page now leads to the show it merged into.
    target.refresh_from_db()
    response = client.get(old.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == target.get_absolute_url()


def test_changed_guids_are_matched_by_enclosure_then_by_title_and_day(feed_server):
    feed = Feed(
        items=[
            Item("Alpha", "old-1", enclosure="https://cdn.example/a.mp3"),
            Item("Beta", "old-2", "Mon, 06 Apr 2026 10:00:00 GMT"),
        ]
    )
    feed_server.route("/feed.xml", feed.xml())
    podcast = add(feed_server.url("/feed.xml"))
    refresh_feed(podcast.pk)
    slugs = dict(podcast.episodes.values_list("title", "slug"))

    feed.items[0].guid = "new-1"
    feed.items[1].guid = "new-2"
    feed.items[1].pub_date = "Mon, 06 Apr 2026 18:30:00 GMT"  # same day, republished
    feed_server.route("/feed.xml", feed.xml())
    result = refresh_feed(podcast.pk)

    assert result.new_episodes == 0
    assert sorted(podcast.episodes.values_list("guid", flat=True)) == ["new-1", "new-2"]
    assert dict(podcast.episodes.values_list("title", "slug")) == slugs


def test_a_feed_failing_long_enough_becomes_dead_and_can_be_revived(feed_server, capsys):
    feed_server.route("/feed.xml", b"gone", status=410)
    podcast = add(feed_server.url("/feed.xml"))
    Podcast.objects.filter(pk=podcast.pk).update(
        error_count=20, first_error_at=timezone.now() - timedelta(days=20)
    )

    refresh_feed(podcast.pk)

    podcast.refresh_from_db()
    assert podcast.dead
    assert podcast.next_check_at > timezone.now() + timedelta(days=29)

    assert main(["feeds", "--dead"]) == 0
    out = capsys.readouterr().out
    assert "dead" in out and "HTTP 410" in out

    assert main(["feeds", "--revive", str(podcast.pk)]) == 0
    podcast.refresh_from_db()
    assert not podcast.dead and podcast.error_count == 0
    assert podcast.next_check_at <= timezone.now()

    feed_server.route("/feed.xml", three_episode_feed().xml())
    assert refresh_feed(podcast.pk).status == "ok"


def test_feeds_errors_lists_failing_feeds_with_their_reason(feed_server, capsys):
    feed_server.route("/ok.xml", three_episode_feed().xml())
    feed_server.route("/bad.xml", b"<html>hi</html>")
    for path in ("/ok.xml", "/bad.xml"):
        refresh_feed(add(feed_server.url(path)).pk)

    assert main(["feeds", "--errors"]) == 0

    out = capsys.readouterr().out
    assert feed_server.url("/bad.xml") in out
    assert "not a feed" in out
    assert feed_server.url("/ok.xml") not in out


def test_revive_refuses_unknown_feeds(capsys):
    assert main(["feeds", "--revive", "999"]) == 1
    assert "not in the directory" in capsys.readouterr().err


def test_add_reads_many_urls_from_a_file_and_reports_each(feed_server, tmp_path, capsys):
    feed_server.route("/a.xml", three_episode_feed("Show A").xml())
    feed_server.route("/b.xml", three_episode_feed("Show B").xml())
    listing = tmp_path / "feeds.txt"
    listing.write_text(
        f"# my feeds\n{feed_server.url('/a.xml')}\n\n{feed_server.url('/b.xml')}\n"
        f"{feed_server.url('/missing.xml')}\n"
    )

    assert main(["add", "--from", str(listing)]) == 1

    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["/podcasts/show-a/", "/podcasts/show-b/"]
    assert "missing.xml" in captured.err and "404" in captured.err
    assert Episode.objects.count() == 6
