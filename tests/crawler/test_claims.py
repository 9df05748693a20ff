"""Dispatch and run claims: no feed refreshed twice, a crashed claim expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from airwaves.crawler.claims import claim_feed, make_all_due, take_due_feeds
from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.models import Podcast

pytestmark = pytest.mark.django_db
LEASE = timedelta(minutes=10)


def take(now, **options) -> list[int]:
    """The ids take_due_feeds takes."""
    return [
        feed.podcast_id
        for feed in take_due_feeds(now, **{"per_host": 5, "lease": LEASE, **options})
    ]


def feed(url: str, **fields) -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url), **fields)


def test_it_takes_due_feeds_once():
    now = timezone.now()
    due = feed("https://a.example/1", next_check_at=now - timedelta(minutes=1))
    new = feed("https://b.example/2")
    feed("https://c.example/3", next_check_at=now + timedelta(hours=1))

    first = take(now, limit=10)
    second = take(now, limit=10)

    assert sorted(first) == sorted([due.pk, new.pk])
    assert second == []


def test_it_limits_each_host_per_batch():
    for n in range(10):
        feed(f"https://big.example/{n}")
    small = feed("https://small.example/feed")

    taken = take(timezone.now(), limit=5, per_host=2)

    hosts = list(Podcast.objects.filter(pk__in=taken).values_list("host", flat=True))
    assert hosts.count("big.example") == 2
    assert small.pk in taken


def test_a_taken_feed_is_due_again_when_its_lease_runs_out():
    now = timezone.now()
    podcast = feed("https://a.example/1")
    take(now, limit=10)

    later = now + LEASE + timedelta(seconds=1)
    assert take(later, limit=10) == [podcast.pk]


def test_dead_and_merged_feeds_are_not_taken_until_due():
    now = timezone.now()
    target = feed("https://a.example/new", next_check_at=now + timedelta(days=1))
    feed("https://a.example/old", moved_to=target)
    feed("https://a.example/dead", dead=True, next_check_at=now + timedelta(days=30))
    assert take(now, limit=10) == []


def test_make_all_due_includes_dead_feeds():
    now = timezone.now()
    feed("https://a.example/dead", dead=True, next_check_at=now + timedelta(days=30))
    make_all_due(now)
    assert len(take(now, limit=10)) == 1


def test_feeds_taken_to_run_are_claimed_and_come_with_what_a_refresh_needs():
    now = timezone.now()
    podcast = feed("https://a.example/1", etag='"v1"', feed_interval=3600)

    [taken] = take_due_feeds(now, limit=10, per_host=5, lease=LEASE, run=True)

    assert taken._asdict() == {
        "podcast_id": podcast.pk,
        "feed_url": "https://a.example/1",
        "etag": '"v1"',
        "last_modified": "",
        "content_hash": "",
        "feed_interval": 3600,
        "host": "a.example",
    }
    podcast.refresh_from_db()
    assert podcast.claimed_until == podcast.next_check_at == now + LEASE
    assert not claim_feed(podcast.pk, now, LEASE)  # nobody else runs it meanwhile


def test_only_one_run_claim_wins_until_it_expires():
    now = timezone.now()
    podcast = feed("https://a.example/1")
    assert claim_feed(podcast.pk, now, LEASE)
    assert not claim_feed(podcast.pk, now, LEASE)
    assert claim_feed(podcast.pk, now + LEASE + timedelta(seconds=1), LEASE)


def test_a_refresh_of_a_claimed_feed_does_nothing(feed_server):
    feed_server.route("/feed.xml", b"<rss/>")
    podcast = feed(feed_server.url("/feed.xml"))
    claim_feed(podcast.pk, timezone.now(), LEASE)

    assert refresh_feed(podcast.pk).status == "skipped"
    assert feed_server.requests == []


def test_making_all_due_leaves_feeds_being_refreshed_to_their_refresh():
    now = timezone.now()
    running = feed("https://a.example/running", next_check_at=now + timedelta(hours=1))
    idle = feed("https://a.example/idle", next_check_at=now + timedelta(hours=1))
    assert claim_feed(running.pk, now, LEASE)

    make_all_due(now)

    assert take(now, limit=10, run=True) == [idle.pk]
    running.refresh_from_db()
    assert running.next_check_at == now + timedelta(hours=1)


def test_a_live_run_claim_is_never_taken_again_even_when_due():
    now = timezone.now()
    podcast = feed("https://a.example/1")
    assert claim_feed(podcast.pk, now, LEASE)

    assert take(now, limit=10, run=True) == []
    assert take(now, limit=10) == []
    # A crashed refresh's claim runs out: the feed is due again.
    assert take(now + LEASE + timedelta(seconds=1), limit=10, run=True) == [podcast.pk]
