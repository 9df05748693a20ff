"""The in-process crawler: many feeds from a real server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from airwaves.crawler.jobs import crawl_forever, crawl_pass
from airwaves.crawler.loop import Crawler
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import three_episode_feed

pytestmark = pytest.mark.django_db(transaction=True)


def serve_farm(server, count: int, etag: bool = True) -> list[Podcast]:
    podcasts = []
    for n in range(count):
        path = f"/feeds/{n}.xml"
        server.route(path, three_episode_feed(f"Show {n}").xml(), etag=f'"v{n}"' if etag else "")
        podcasts.append(
            Podcast.objects.create(
                feed_url=server.url(path), slug=Podcast.placeholder_slug(server.url(path))
            )
        )
    return podcasts


def fetches_per_path(server) -> Counter:
    return Counter(r.path for r in server.requests)


def test_a_pass_refreshes_every_due_feed_exactly_once(feed_server):
    podcasts = serve_farm(feed_server, 30)

    summary = crawl_pass()

    assert summary.statuses == Counter(ok=30)
    assert set(fetches_per_path(feed_server).values()) == {1}
    assert Episode.objects.count() == 90
    assert not Podcast.objects.exclude(claimed_until=None).exists()
    # Nothing is due right after a pass.
    assert crawl_pass().total == 0
    assert len(feed_server.requests) == len(podcasts)


def test_an_all_pass_over_unchanged_feeds_writes_only_health(feed_server):
    serve_farm(feed_server, 20)
    crawl_pass()

    summary = crawl_pass(include_all=True)

    assert summary.statuses == Counter(not_modified=20)
    assert all(r.headers.get("If-None-Match") for r in feed_server.requests[20:])
    assert set(Podcast.objects.values_list("fetch_status", flat=True)) == {"not_modified"}
    assert Episode.objects.count() == 60


def test_a_hostile_feed_never_stops_the_crawler_nor_touches_other_feeds(feed_server):
    good = serve_farm(feed_server, 5)
    crawl_pass()
    bad = Podcast.objects.get(pk=good[2].pk)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
            for i in range(1, 10)
        )
        + b"]><rss><channel><title>&lol9;</title></channel></rss>"
    )
    feed_server.route("/feeds/2.xml", laughs)

    summary = crawl_pass(include_all=True)

    assert summary.statuses["error"] == 1
    assert summary.statuses["not_modified"] == 4
    bad.refresh_from_db()
    assert bad.fetch_status == "error" and bad.last_error
    assert bad.title == "Show 2"
    assert bad.episodes.count() == 3
    assert Episode.objects.count() == 15


def test_per_host_concurrency_is_limited(feed_server):
    in_flight, peak, lock = 0, 0, threading.Lock()
    body = three_episode_feed().xml()

    def slow(request):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return 200, {}, body

    for n in range(12):
        feed_server.handle(f"/slow/{n}.xml", slow)
        url = feed_server.url(f"/slow/{n}.xml")
        Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))

    import asyncio

    crawler = Crawler(concurrency=10, per_host=3)
    try:
        summary = asyncio.run(crawler.run_pass())
    finally:
        crawler.close()

    assert summary.statuses == Counter(ok=12)
    assert peak == 3


def test_the_loop_stops_cleanly_and_finishes_feeds_in_flight(feed_server):
    started = threading.Event()
    body = three_episode_feed().xml()

    def slow(request):
        started.set()
        time.sleep(0.5)
        return 200, {}, body

    feed_server.handle("/slow.xml", slow)
    url = feed_server.url("/slow.xml")
    podcast = Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))
    stop = threading.Event()
    thread = threading.Thread(target=crawl_forever, args=(stop,))
    thread.start()
    assert started.wait(5)

    stop.set()
    thread.join(10)

    assert not thread.is_alive()
    podcast.refresh_from_db()
    assert podcast.fetch_status == "ok"
    assert podcast.claimed_until is None


def test_the_loop_survives_a_failing_pass(feed_server, monkeypatch):
    from airwaves.crawler import jobs

    feed_server.route("/feed.xml", three_episode_feed().xml())
    url = feed_server.url("/feed.xml")
    podcast = Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))
    real_claim = Crawler._claim_batch
    calls = []

    def flaky_claim(self):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is down")
        return real_claim(self)

    monkeypatch.setattr(Crawler, "_claim_batch", flaky_claim)
    monkeypatch.setattr(jobs, "PAUSE_WHEN_IDLE", 0.05)
    monkeypatch.setattr(jobs, "check_due_stations_quietly", lambda: None)
    stop = threading.Event()
    thread = threading.Thread(target=crawl_forever, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while Podcast.objects.get(pk=podcast.pk).fetch_status != "ok":
            assert time.monotonic() < deadline, "the loop did not recover"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_the_loop_fetches_the_artwork_of_the_shows_it_refreshes(
    feed_server, monkeypatch, settings, tmp_path
):
    from airwaves.artwork.keys import artwork_key
    from airwaves.artwork.models import Artwork
    from airwaves.crawler import jobs
    from tests.artwork.conftest import image_bytes

    settings.MEDIA_ROOT = tmp_path
    cover = feed_server.url("/cover.png")
    feed_server.route("/cover.png", image_bytes("PNG", (400, 400)))
    xml = (
        three_episode_feed()
        .xml()
        .replace(b"<channel>", f'<channel><itunes:image href="{cover}"/>'.encode(), 1)
    )
    feed_server.route("/feed.xml", xml)
    url = feed_server.url("/feed.xml")
    Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))
    monkeypatch.setattr(jobs, "PAUSE_WHEN_IDLE", 0.05)
    stop = threading.Event()
    thread = threading.Thread(target=crawl_forever, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not Artwork.objects.filter(key=artwork_key(cover), status="ok").exists():
            assert time.monotonic() < deadline, "the loop did not fetch the show's artwork"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
