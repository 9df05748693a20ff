"""Refreshes through Celery: real workers, the Redis on this machine, PostgreSQL.

Workers run as separate processes (`airwaves worker`) against the test database, so
this runs in the PostgreSQL pass of scripts/test.sh; SQLite has no place in a
multi-machine set-up.
"""

from __future__ import annotations

import os
import signal
import socket
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


class Workers:
    """Starts `airwaves worker` processes against the test database and queue; stops
    (or has killed) them all at the end."""

    def __init__(self, queue: str, data_dir: Path) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}"
                f":{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "AIRWAVES_BROKER_URL": REDIS_URL,
            "AIRWAVES_CELERY_QUEUE": queue,
            "AIRWAVES_ALLOW_PRIVATE_URLS": "1",
            "AIRWAVES_DATA_DIR": str(data_dir),
        }
        self.queue = queue
        self.procs: list[subprocess.Popen] = []

    def start(self, name: str, concurrency: int = 4, **env: str) -> subprocess.Popen:
        command = [str(Path(sys.executable).parent / "airwaves"), "worker"]
        proc = subprocess.Popen(
            [*command, f"--concurrency={concurrency}", f"--name={name}-{self.queue}@%h"],
            env={**self.env, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.stderr.close()


@pytest.fixture
def worker_pool(celery_queue, tmp_path):
    pool = Workers(celery_queue, tmp_path)
    yield pool
    pool.stop()


@pytest.fixture
def workers(worker_pool):
    return [worker_pool.start(f"w{n}") for n in (1, 2)]


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


def test_racing_copies_of_a_task_fail_no_feed_and_duplicate_nothing(
    feed_server, workers, celery_queue
):
    podcasts = serve_farm(feed_server)
    for n in range(FARM_SIZE):
        feed = three_episode_feed(f"Show {n}")
        feed.items.insert(0, Item("Fourth", "g4", "Wed, 22 Apr 2026 14:00:00 GMT"))
        feed_server.route(f"/farm/{n}.xml", feed.xml(), etag=f'"{n}-2"')

    # Every feed queued three times: workers run the copies at the same moment.
    for _ in range(3):
        for podcast in podcasts:
            refresh_feed_task.delay(podcast.pk)

    # Every copy has run (or been skipped) when nothing is queued or held by a worker.
    wait_until(lambda: queue_is_idle(celery_queue, workers), workers=workers)
    errors = list(Podcast.objects.exclude(last_error="").values_list("pk", "last_error"))
    assert errors == []
    assert set(Podcast.objects.values_list("fetch_status", flat=True)) <= {"ok", "not_modified"}
    assert not Podcast.objects.exclude(claimed_until=None).exists()
    assert Episode.objects.count() == 4 * FARM_SIZE
    for podcast in podcasts:
        assert sorted(podcast.episodes.values_list("guid", flat=True)) == ["g1", "g2", "g3", "g4"]


def queue_is_idle(queue: str, procs) -> bool:
    """No task of `queue` waiting in Redis, and none active or reserved by our workers
    (asked twice in a row: a task moves from the list to a worker in between)."""
    names = [f"w{n}-{queue}@{socket.gethostname()}" for n in (1, 2)]
    for _ in range(2):
        with tasks.app.connection_for_write() as conn:
            if conn.default_channel.client.llen(queue):
                return False
        inspect = tasks.app.control.inspect(destination=names, timeout=1.0)
        for found in (inspect.active(), inspect.reserved()):
            if found is None or len(found) < len(procs) or any(found.values()):
                return False
    return True


def test_a_worker_killed_mid_refresh_does_not_block_its_host(feed_server, worker_pool):
    # One refresh per host at a time, and a short lease so the dead worker's runs out.
    env = {"AIRWAVES_CRAWL_PER_HOST": "1", "AIRWAVES_CRAWL_LEASE_SECONDS": "5"}
    in_flight, hang = threading.Event(), threading.Event()
    body = three_episode_feed("Slow").xml()

    def slow(request):
        in_flight.set()
        hang.wait(60)  # until the test ends: the worker dies first
        return 200, {}, body

    feed_server.handle("/slow.xml", slow)
    slow_url = feed_server.url("/slow.xml")
    stuck = Podcast.objects.create(feed_url=slow_url, slug=Podcast.placeholder_slug(slow_url))
    # Enough of them that, retrying every few seconds, some task always asks for a slot.
    others = serve_farm(feed_server)[:12]
    assert {p.host for p in others} == {stuck.host}
    # The doomed worker reads a queue of its own, so it is the one running the slow feed.
    doomed_queue = f"{worker_pool.queue}-doomed"
    try:
        survivor = worker_pool.start("survivor", concurrency=4, **env)
        wait_until(lambda: is_up(f"survivor-{worker_pool.queue}"), workers=[survivor])
        doomed = worker_pool.start(
            "doomed", concurrency=1, AIRWAVES_CELERY_QUEUE=doomed_queue, **env
        )
        refresh_feed_task.apply_async((stuck.pk, stuck.host), queue=doomed_queue)
        assert in_flight.wait(60), "the doomed worker never fetched the slow feed"
        # The host's other feeds wait for its one slot, asking again and again...
        for podcast in others:
            refresh_feed_task.delay(podcast.pk, podcast.host)
        # ... when the worker holding it dies.
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()

        # Its slot comes back when its lease runs out, and the host's other feeds are
        # refreshed one at a time.
        wait_until(
            lambda: (
                Podcast.objects.filter(pk__in=[p.pk for p in others], fetch_status="ok").count()
                == len(others)
            ),
            timeout=45,
            workers=[survivor],
        )
    finally:
        hang.set()
        with tasks.app.connection_for_write() as conn:
            conn.default_channel.queue_delete(doomed_queue)
    assert Episode.objects.filter(podcast__in=others).count() == 3 * len(others)


def is_up(name: str) -> bool:
    return bool(
        tasks.app.control.inspect(
            destination=[f"{name}@{socket.gethostname()}"], timeout=0.5
        ).ping()
    )
