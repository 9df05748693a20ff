from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from airwaves.podcasts.models import Podcast

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    admin = User.objects.create_superuser("operator", "op@example.org", "pw")
    client.force_login(admin)
    return client


def test_the_admin_shows_feed_health(operator):
    Podcast.objects.create(
        feed_url="https://feeds.example/bad.xml",
        slug="bad",
        title="Bad Feed",
        fetch_status="error",
        error_count=3,
        last_error="HTTP 500 Internal Server Error",
    )
    listing = operator.get("/admin/podcasts/podcast/?fetch_status__exact=error").content.decode()
    assert "Bad Feed" in listing and "feeds.example" in listing
    podcast = Podcast.objects.get()
    page = operator.get(f"/admin/podcasts/podcast/{podcast.pk}/change/").content.decode()
    assert "HTTP 500 Internal Server Error" in page


def test_the_operator_revives_dead_feeds_from_the_admin(operator):
    podcast = Podcast.objects.create(
        feed_url="https://feeds.example/dead.xml",
        slug="dead",
        dead=True,
        error_count=40,
        next_check_at=timezone.now() + timedelta(days=30),
    )
    operator.post(
        "/admin/podcasts/podcast/",
        {"action": "revive_feeds", "_selected_action": [podcast.pk]},
    )
    podcast.refresh_from_db()
    assert not podcast.dead
    assert podcast.error_count == 0
    assert podcast.next_check_at <= timezone.now()
