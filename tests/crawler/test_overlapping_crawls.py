"""Two crawls over the same feeds at once: neither fails a good feed, nor stores an
episode twice (`crawl --once --all` started while another crawl is running)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count

from airwaves.crawler.jobs import crawl_pass
from airwaves.crawler.loop import PassSummary
from airwaves.podcasts.models import Episode, Podcast
from tests.crawler.test_crawl_loop import serve_farm
from tests.feeds import Item, three_episode_feed

pytestmark = pytest.mark.django_db(transaction=True)
FEEDS = 150
# Every feed is on 127.0.0.1: this many of them are downloaded at once by each crawl.
PER_HOST = 8


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)  # polling interval of the condition, not a wait for an outcome


def test_two_all_passes_at_once_fail_no_feed_and_duplicate_nothing(feed_server, settings):
    settings.CRAWL_PER_HOST = PER_HOST
    podcasts = serve_farm(feed_server, FEEDS)
    # Every feed has changed since it was added: both crawls have episodes to write.
    gate = threading.Event()
    for n in range(FEEDS):
        feed = three_episode_feed(f"Show {n}")
        feed.items.insert(0, Item("Fourth", "g4", "Wed, 22 Apr 2026 14:00:00 GMT"))
        body = feed.xml()

        def answer(request, body=body):
            # Held until both crawls are under way, so their refreshes overlap.
            gate.wait(30)
            return 200, {}, body

        feed_server.handle(f"/feeds/{n}.xml", answer)

    summaries: list[PassSummary] = []
    finished = threading.Event()

    def crawl() -> None:
        try:
            summaries.append(crawl_pass(include_all=True))
        finally:
            connection.close()

    first = threading.Thread(target=crawl)
    first.start()
    # The first crawl has claimed its batch and is downloading.
    wait_for(lambda: len(feed_server.requests) >= PER_HOST)
    in_flight = len(feed_server.requests)

    def second_crawl() -> None:
        try:
            crawl()
        finally:
            finished.set()

    second = threading.Thread(target=second_crawl)
    second.start()
    # Either the second crawl found nothing free to take, or it is downloading too.
    wait_for(lambda: finished.is_set() or len(feed_server.requests) >= in_flight + PER_HOST)
    gate.set()
    first.join(60)
    second.join(60)
    assert not first.is_alive() and not second.is_alive()

    statuses = sum((s.statuses for s in summaries), Counter())
    assert statuses["error"] == 0, statuses
    errors = list(Podcast.objects.exclude(last_error="").values_list("pk", "last_error")[:5])
    assert errors == []
    assert set(Podcast.objects.values_list("fetch_status", flat=True)) == {"ok"}
    assert not Podcast.objects.exclude(claimed_until=None).exists()
    assert Episode.objects.count() == 4 * FEEDS
    duplicates = (
        Episode.objects.values("podcast", "guid").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    assert duplicates == 0
    per_feed = Podcast.objects.filter(pk__in=[p.pk for p in podcasts]).annotate(n=Count("episodes"))
    assert {p.n for p in per_feed} == {4}
