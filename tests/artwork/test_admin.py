"""What the operator sees of artwork: next to the show, and on its own admin pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from airwaves.artwork.jobs import fetch_artwork_quietly, fetch_pending_artwork
from airwaves.artwork.models import Artwork
from airwaves.podcasts.models import Podcast
from tests.artwork.conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(User.objects.create_superuser("operator", "op@example.org", "pw"))
    return client


def test_the_show_page_in_the_admin_says_why_its_artwork_was_refused(operator, feed_server):
    feed_server.route("/cover.svg", b"<svg/>", headers={"Content-Type": "image/svg+xml"})
    podcast = Podcast.objects.create(
        feed_url="https://f.example/a.xml", slug="a", image_url=feed_server.url("/cover.svg")
    )
    before = operator.get(f"/admin/podcasts/podcast/{podcast.pk}/change/").content.decode()
    assert "Queued: the artwork job has not seen this image yet." in before

    fetch_pending_artwork()

    page = operator.get(f"/admin/podcasts/podcast/{podcast.pk}/change/").content.decode()
    assert "Refused (not an image we show)" in page
    assert "the server sent an SVG document (vector images are not rasterised)" in page
    listing = operator.get("/admin/artwork/artwork/?status__exact=refused").content.decode()
    assert feed_server.url("/cover.svg") in listing


def test_fetch_again_makes_images_due_now_without_validators(operator, feed_server):
    feed_server.route("/cover.png", image_bytes(), etag='"v1"')
    Podcast.objects.create(
        feed_url="https://f.example/a.xml", slug="a", image_url=feed_server.url("/cover.png")
    )
    fetch_pending_artwork()
    row = Artwork.objects.get()

    operator.post(
        "/admin/artwork/artwork/", {"action": "fetch_again", "_selected_action": [row.pk]}
    )

    row.refresh_from_db()
    assert row.next_fetch_at <= timezone.now() and row.etag == ""
    assert operator.get(f"/admin/artwork/artwork/{row.pk}/change/").status_code == 200
    assert operator.get("/admin/artwork/artwork/add/").status_code == 403


def test_the_per_tick_hook_reports_what_it_did(feed_server):
    feed_server.route("/cover.png", image_bytes())
    Podcast.objects.create(
        feed_url="https://f.example/a.xml", slug="a", image_url=feed_server.url("/cover.png")
    )
    summary = fetch_artwork_quietly()
    assert summary is not None and dict(summary.statuses) == {"stored": 1}


def test_the_celery_task_runs_the_job(feed_server):
    from airwaves.artwork.tasks import fetch_artwork_task

    feed_server.route("/cover.png", image_bytes())
    Podcast.objects.create(
        feed_url="https://f.example/a.xml", slug="a", image_url=feed_server.url("/cover.png")
    )
    assert fetch_artwork_task.run(limit=5) == "1 new image URLs; 1 stored"
    assert fetch_artwork_task.name == "airwaves.fetch_artwork"
