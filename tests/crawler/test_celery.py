"""Refreshes through Celery: real workers, the Redis on this machine, PostgreSQL.

Workers run as separate processes (`airwaves worker`) against the test database, so
this runs in the PostgreSQL pass of scripts/test.sh; SQLite has no place in a
multi-machine set-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from airwaves.crawler import tasks
from airwaves.crawler.tasks import enqueue_due_feeds, refresh_feed_task
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import Item, three_episode_feed

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = os.environ.get("AIRWAVES_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
FARM_SIZE = 24


@pytest.fixture
def celery_queue(settings):
    if connection.vendor != "postgresql":
        pytest.skip("Celery workers need a shared database server: runs in the PostgreSQL pass")
    queue = f"airwaves-test-{uuid.uuid4().hex[:8]}"
    settings.BROKER_URL = REDIS_URL
    before = {
        "broker_url": tasks.app.conf.broker_url,
        "task_default_queue": tasks.app.conf.task_default_queue,
    }
    tasks.app.conf.update(broker_url=REDIS_URL, task_default_queue=queue)
    yield queue
    with tasks.app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)
    tasks.app.conf.update(before)


@pytest.fixture
def workers(celery_queue, tmp_path):
    db = connection.settings_dict
    database_url = (
        f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AIRWAVES_BROKER_URL": REDIS_URL,
        "AIRWAVES_CELERY_QUEUE": celery_queue,
        "AIRWAVES_ALLOW_PRIVATE_URLS": "1",
        "AIRWAVES_DATA_DIR": str(tmp_path),
    }
    command = [str(Path(sys.executable).parent / "airwaves"), "worker", "--concurrency=4"]
    procs = [
        subprocess.Popen(
            [*command, f"--name=w{n}-{celery_queue}@%h"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for n in (1, 2)
    ]
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stderr.close()


def wait_until(condition, timeout: float = 60, workers=()) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for proc in workers:
            if proc.poll() is not None:
                raise AssertionError(f"worker exited: {proc.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the workers")
        time.sleep(0.2)


def serve_farm(server) -> list[Podcast]:
    podcasts = []
    for n in range(FARM_SIZE):
        path = f"/farm/{n}.xml"
        server.route(path, three_episode_feed(f"Show {n}").xml(), etag=f'"{n}-1"')
        url = server.url(path)
        podcasts.append(Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url)))
    return podcasts


def test_workers_refresh_every_feed_exactly_once_per_pass(feed_server, workers):
    serve_farm(feed_server)

    # Two schedulers racing over the same due feeds queue each feed once in all.
    counts: list[int] = []

    def schedule() -> None:
        try:
            counts.append(enqueue_due_feeds())
        finally:
            connection.close()

    racers = [threading.Thread(target=schedule) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sum(counts) == FARM_SIZE

    wait_until(lambda: not Podcast.objects.filter(last_fetched_at=None).exists(), workers=workers)
    assert Counter(r.path for r in feed_server.requests) == Counter(
        {f"/farm/{n}.xml": 1 for n in range(FARM_SIZE)}
    )
    assert Episode.objects.count() == 3 * FARM_SIZE
    assert set(Podcast.objects.values_list("fetch_status", flat=True)) == {"ok"}

    # A second pass with --all: again once each, now answered with 304.
    assert enqueue_due_feeds(include_all=True) == FARM_SIZE
    wait_until(
        lambda: Podcast.objects.filter(fetch_status="not_modified").count() == FARM_SIZE,
        workers=workers,
    )
    assert Counter(r.path for r in feed_server.requests) == Counter(
        {f"/farm/{n}.xml": 2 for n in range(FARM_SIZE)}
    )


def test_racing_workers_never_duplicate_episodes(feed_server, workers):
    podcasts = serve_farm(feed_server)
    for n in range(FARM_SIZE):
        feed = three_episode_feed(f"Show {n}")
        feed.items.insert(0, Item("Fourth", "g4", "Wed, 22 Apr 2026 14:00:00 GMT"))
        feed_server.route(f"/farm/{n}.xml", feed.xml(), etag=f'"{n}-2"')

    # Every feed queued three times: workers run the copies at the same moment.
    for _ in range(3):
        for podcast in podcasts:
            refresh_feed_task.delay(podcast.pk)

    wait_until(lambda: Episode.objects.count() >= 4 * FARM_SIZE, workers=workers)
    time.sleep(1)  # let the remaining copies finish
    assert Episode.objects.count() == 4 * FARM_SIZE
    for podcast in podcasts:
        assert podcast.episodes.filter(guid="g4").count() == 1
    wait_until(lambda: not Podcast.objects.exclude(claimed_until=None).exists(), workers=workers)
