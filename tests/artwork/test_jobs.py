"""The background job (airwaves/artwork/jobs.py) against real servers on 127.0.0.1 and the
queue the database triggers fill. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from airwaves.artwork import triggers
from airwaves.artwork.jobs import fetch_pending_artwork, queue_new_images, take_due_images
from airwaves.artwork.keys import artwork_key
from airwaves.artwork.models import Artwork, QueuedImageURL
from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, store_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.lib.triggers import REGISTRY
from airwaves.podcasts.models import Episode, Podcast
from airwaves.radio.models import Station
from tests.artwork.conftest import image_bytes, png_header_only

pytestmark = pytest.mark.django_db


def show(image_url: str, n: int = 1) -> Podcast:
    return Podcast.objects.create(
        feed_url=f"https://example.com/{n}.xml", slug=f"show-{n}", image_url=image_url
    )


def queued() -> list[tuple[str, str]]:
    return sorted(QueuedImageURL.objects.values_list("url", "fit"))


def artwork(url: str) -> Artwork:
    return Artwork.objects.get(key=artwork_key(url))


def image_requests(server) -> list[str]:
    return [r.path for r in server.requests]


# -- the queue -----------------------------------------------------------------------


def test_triggers_queue_image_urls_written_by_the_orm_and_by_the_crawlers_plain_sql():
    podcast = show("https://img.example/show.jpg")
    feed = ParsedFeed(
        title="Show",
        image_url="https://img.example/show.jpg",
        episodes=[
            ParsedEpisode(guid="a", title="A", image_url="https://img.example/a.jpg"),
            ParsedEpisode(guid="b", title="B"),
        ],
    )
    store_feed(podcast.pk, process_feed(feed), FeedMeta())
    assert queued() == [
        ("https://img.example/a.jpg", "cover"),
        ("https://img.example/show.jpg", "cover"),
    ]

    QueuedImageURL.objects.all().delete()
    Episode.objects.filter(guid="a").update(image_url="https://img.example/a.jpg")  # same
    Episode.objects.filter(guid="b").update(image_url="https://img.example/b.jpg")  # changed
    Podcast.objects.filter(pk=podcast.pk).update(image_url="")  # removed
    Station.objects.create(name="Radio", slug="radio", favicon="https://radio.example/logo.png")
    assert queued() == [
        ("https://img.example/b.jpg", "cover"),
        ("https://radio.example/logo.png", "contain"),
    ]


def test_queued_urls_become_one_artwork_row_each_and_leave_the_queue():
    show("https://img.example/same.jpg", 1)
    show("https://img.example/same.jpg", 2)
    show("https://img.example/other.jpg", 3)

    assert queue_new_images() == 2
    assert QueuedImageURL.objects.count() == 0
    assert sorted(Artwork.objects.values_list("url", "status", "host")) == [
        ("https://img.example/other.jpg", "pending", "img.example"),
        ("https://img.example/same.jpg", "pending", "img.example"),
    ]
    show("https://img.example/same.jpg", 4)
    assert queue_new_images() == 0  # known already: nothing new, the row is untouched


def test_migrate_puts_back_triggers_a_table_rebuild_dropped():
    names = {t.name for t in triggers.TRIGGERS.triggers(connection.vendor)}
    assert len(names) == 6 and not REGISTRY.missing(connection)
    triggers.remove_triggers(connection)  # what SQLite's table rebuild does to them
    assert set(REGISTRY.missing(connection)) == names

    call_command("migrate", verbosity=0)

    assert REGISTRY.missing(connection) == []


# -- fetching ------------------------------------------------------------------------


def test_the_job_fetches_each_image_once_and_stores_its_thumbnails(feed_server):
    url = feed_server.url("/cover.png")
    feed_server.route("/cover.png", image_bytes("PNG", (700, 700)), etag='"v1"')
    show(url, 1)
    show(url, 2)

    summary = fetch_pending_artwork()
    again = fetch_pending_artwork()

    assert (summary.queued, dict(summary.statuses)) == (1, {"stored": 1})
    assert (again.queued, again.fetched) == (0, 0)
    assert image_requests(feed_server) == ["/cover.png"]
    row = artwork(url)
    assert (row.status, row.width, row.height, row.source_format) == ("ok", 700, 700, "PNG")
    assert (row.etag, row.last_error, row.claimed_until) == ('"v1"', "", None)
    assert row.next_fetch_at > timezone.now() + timedelta(days=29)
    for size in (64, 160, 320, 640):
        for fmt in ("webp", "jpg"):
            assert default_storage.exists(row.thumbnail_name(size, fmt))


def test_two_jobs_at_once_fetch_an_image_once(feed_server):
    in_flight, release = threading.Event(), threading.Event()
    png = image_bytes()

    def slow_image(request):
        in_flight.set()
        release.wait(10)
        return 200, {"Content-Type": "image/png"}, png

    feed_server.handle("/cover.png", slow_image)
    show(feed_server.url("/cover.png"))
    results = {}
    first = threading.Thread(target=lambda: results.update(first=_job_in_thread()))
    first.start()
    try:
        assert in_flight.wait(10)
        results["second"] = fetch_pending_artwork()  # finds the image claimed
    finally:
        release.set()
        first.join(10)

    assert dict(results["first"].statuses) == {"stored": 1}
    assert results["second"].fetched == 0
    assert image_requests(feed_server) == ["/cover.png"]


def _job_in_thread():
    from django.db import connections

    try:
        return fetch_pending_artwork()
    finally:
        connections.close_all()


# Two workers are made to race for the claim deterministically here; the test above
# runs them for real, and needs committed rows (so it cannot run in a test transaction).
test_two_jobs_at_once_fetch_an_image_once = pytest.mark.django_db(transaction=True)(
    test_two_jobs_at_once_fetch_an_image_once
)


def test_a_claim_taken_is_not_taken_again_until_its_lease_runs_out():
    show("https://img.example/a.jpg")
    queue_new_images()
    now = timezone.now()
    lease = timedelta(minutes=5)

    assert len(take_due_images(now, limit=10, per_host=2, lease=lease)) == 1
    assert take_due_images(now, limit=10, per_host=2, lease=lease) == []
    later = now + lease + timedelta(seconds=1)
    assert len(take_due_images(later, limit=10, per_host=2, lease=lease)) == 1


def test_one_host_gets_per_host_downloads_at_once_and_a_bounded_share_of_a_run(feed_server):
    png = image_bytes()
    lock, active, most = threading.Lock(), [0], [0]
    crowded = threading.Event()

    def counted(request):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
            if active[0] > 2:
                crowded.set()
        crowded.wait(0.2)  # long enough for a third download to show up, if allowed
        with lock:
            active[0] -= 1
        return 200, {"Content-Type": "image/png"}, png

    for n in range(12):
        feed_server.handle(f"/{n}.png", counted)
        show(feed_server.url(f"/{n}.png"), n)

    summary = fetch_pending_artwork(limit=50, concurrency=8, per_host=2)

    assert summary.fetched == 10  # PER_HOST_BATCH × per_host; the other 2 wait a run
    assert most[0] == 2 and not crowded.is_set()
    assert dict(fetch_pending_artwork(limit=50, per_host=2).statuses) == {"stored": 2}


@pytest.mark.parametrize(
    "body, headers, status, reason",
    [
        (b"<html><body>gone</body></html>", {"Content-Type": "image/png"}, "refused", "HTML page"),
        (png_header_only(20000, 20000), {"Content-Type": "image/png"}, "refused", "pixels"),
        (b"x" * 2048, {"Content-Type": "image/png"}, "refused", "larger than 1 KiB"),
    ],
)
def test_a_hostile_image_is_refused_with_the_reason_recorded(
    feed_server, settings, body, headers, status, reason
):
    if reason.startswith("larger"):
        settings.ARTWORK_MAX_BYTES = 1024
    feed_server.route("/cover.png", body, headers=headers)
    show(feed_server.url("/cover.png"))

    summary = fetch_pending_artwork()

    row = artwork(feed_server.url("/cover.png"))
    assert dict(summary.statuses) == {"refused": 1}
    assert row.status == status and reason in row.last_error
    assert (row.stored, row.error_count) == ("", 1)
    assert row.next_fetch_at > timezone.now() + timedelta(days=29)  # a month, not a minute
    assert fetch_pending_artwork().fetched == 0


def test_a_failed_fetch_is_recorded_and_tried_again_an_hour_later(feed_server):
    feed_server.route("/cover.png", b"busy", status=503)
    show(feed_server.url("/cover.png"))

    fetch_pending_artwork()
    row = artwork(feed_server.url("/cover.png"))

    assert (row.status, row.last_error, row.error_count) == (
        "failed",
        "HTTP 503 Service Unavailable",
        1,
    )
    wait = row.next_fetch_at - row.checked_at
    assert timedelta(minutes=59) < wait <= timedelta(hours=1)
    assert fetch_pending_artwork().fetched == 0
    assert len(feed_server.requests) == 1


def test_loopback_artwork_is_refused_without_the_allow_setting(monkeypatch, settings):
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS", raising=False)
    settings.ALLOW_PRIVATE_URLS = False
    show("http://127.0.0.1:9/cover.png")

    fetch_pending_artwork()

    row = artwork("http://127.0.0.1:9/cover.png")
    assert row.status == "refused"
    assert "refused to connect to 127.0.0.1 (loopback address)" in row.last_error


def test_the_monthly_check_is_conditional_and_keeps_the_thumbnails(feed_server):
    feed_server.route("/cover.png", image_bytes(), etag='"v1"')
    show(feed_server.url("/cover.png"))
    fetch_pending_artwork()
    before = artwork(feed_server.url("/cover.png"))
    Artwork.objects.update(next_fetch_at=timezone.now())

    summary = fetch_pending_artwork()

    after = artwork(feed_server.url("/cover.png"))
    assert dict(summary.statuses) == {"unchanged": 1}
    assert feed_server.requests[-1].headers["If-None-Match"] == '"v1"'
    assert (after.stored, after.etag, after.fetched_at) == (
        before.stored,
        '"v1"',
        before.fetched_at,
    )
    assert after.checked_at > before.checked_at


def test_a_new_picture_at_the_same_url_replaces_the_thumbnails(feed_server):
    url = feed_server.url("/cover.png")
    feed_server.route("/cover.png", image_bytes(colour="#ff0000"))
    show(url)
    fetch_pending_artwork()
    old = artwork(url).stored
    feed_server.route("/cover.png", image_bytes(colour="#0000ff"))
    Artwork.objects.update(next_fetch_at=timezone.now())

    assert dict(fetch_pending_artwork().statuses) == {"stored": 1}

    new = artwork(url).stored
    assert new != old
    assert default_storage.exists(f"{new}/160.jpg")
    assert not default_storage.exists(f"{old}/160.jpg")


def test_a_check_that_fails_later_keeps_serving_what_we_have(feed_server):
    url = feed_server.url("/cover.png")
    feed_server.route("/cover.png", image_bytes())
    show(url)
    fetch_pending_artwork()
    stored = artwork(url).stored
    feed_server.route("/cover.png", b"<html>moved</html>", headers={"Content-Type": "text/html"})
    Artwork.objects.update(next_fetch_at=timezone.now())

    fetch_pending_artwork()

    row = artwork(url)
    assert (row.status, row.stored) == ("ok", stored)
    assert "HTML page" in row.last_error
    assert default_storage.exists(f"{stored}/160.jpg")


def test_the_command_runs_the_job_and_counts_by_status(feed_server, capsys):
    feed_server.route("/cover.png", image_bytes())
    show(feed_server.url("/cover.png"), 1)
    show("/static/not-a-fetchable-url.png", 2)

    call_command("fetch_artwork", "--until-done")
    call_command("fetch_artwork", "--status")

    out = capsys.readouterr().out
    assert "2 new image URLs; 1 refused, 1 stored" in out
    assert "ok: 1\nrefused: 1" in out
    with pytest.raises(Exception, match="--limit must be between"):
        call_command("fetch_artwork", "--limit", "0")


def test_one_run_empties_a_bounded_part_of_a_huge_queue(monkeypatch):
    import airwaves.artwork.jobs as jobs

    monkeypatch.setattr(jobs, "QUEUE_BATCH", 10)
    monkeypatch.setattr(jobs, "QUEUE_BATCHES_PER_RUN", 3)
    QueuedImageURL.objects.bulk_create(
        QueuedImageURL(url=f"https://img.example/{n}.jpg") for n in range(45)
    )

    assert queue_new_images() == 30
    assert QueuedImageURL.objects.count() == 15
    assert queue_new_images() == 15
    assert QueuedImageURL.objects.count() == 0


def test_strange_image_urls_get_a_row_and_a_refusal_not_an_error(settings):
    settings.ALLOW_PRIVATE_URLS = False
    strange = [
        # Addresses refused before any connection or DNS lookup, so nothing goes out.
        "http://10.0.0.1/" + "a" * 100_000 + ".jpg",  # longer than any URLField
        "javascript:alert(1)",
        "http://192.168.0.1/ünïcode.jpg",
        "http://[::1]/cover.png",
        "  ",
    ]
    QueuedImageURL.objects.bulk_create(QueuedImageURL(url=url) for url in strange)

    summary = fetch_pending_artwork(limit=10)

    assert summary.queued == len(strange)
    rows = Artwork.objects.values_list("status", "last_error")
    assert len(rows) == len(strange)
    assert all(status == "refused" and error for status, error in rows)


@pytest.mark.django_db(transaction=True)  # schema changes: SQLite's cannot run in a transaction
def test_a_migration_may_change_a_watched_column():
    """PostgreSQL refuses ALTER COLUMN TYPE on a column a trigger watches (and SQLite's
    table rebuild drops the triggers): migrate runs without them and puts them back."""
    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
    from django.db.migrations.loader import MigrationLoader

    # As a `migrate` with work to do: every app hears both signals (other apps keep
    # triggers too, and drop them only when a migration is about to run).
    migration = MigrationLoader(connection).get_migration("artwork", "0001_initial")
    plan = [(migration, False)]
    signal_args = dict(verbosity=0, interactive=False, db="default", plan=plan, apps=apps)
    old = Episode._meta.get_field("image_url")
    wider = old.clone()
    wider.set_attributes_from_name("image_url")
    wider.model, wider.max_length = Episode, 4096
    names = {t.name for t in triggers.TRIGGERS.triggers(connection.vendor)}
    for before, after in ((old, wider), (wider, old)):  # and back, for the next tests
        emit_pre_migrate_signal(**signal_args)
        assert names <= set(REGISTRY.missing(connection))
        with connection.schema_editor() as editor:
            editor.alter_field(Episode, before, after)
        emit_post_migrate_signal(**signal_args)
        assert REGISTRY.missing(connection) == []

    show("https://img.example/after.jpg")
    assert queued() == [("https://img.example/after.jpg", "cover")]
