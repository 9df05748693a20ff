"""Fixtures for the sync tests: a second listener, podcasts in the directory, and a
client that speaks to the gPodder API the way apps do (JSON bodies, HTTP Basic)."""

from __future__ import annotations

import base64
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from airwaves.podcasts.models import Episode, Podcast

FEED = "https://example.org/feed.xml"
OTHER_FEED = "https://example.net/other.rss"
MEDIA = "https://cdn.example.org/ep1.mp3"


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class Api:
    """A Django test client that sends JSON with HTTP Basic for one listener."""

    def __init__(self, username: str = "alice", password: str = "password", client=None):
        self.client = client or Client()
        self.auth = basic(username, password) if password is not None else None

    def headers(self, extra: dict) -> dict:
        return {"HTTP_AUTHORIZATION": self.auth, **extra} if self.auth else extra

    def get(self, url: str, params: dict | None = None, **extra):
        return self.client.get(url, params or {}, **self.headers(extra))

    def post(self, url: str, data=None, content_type="application/json", **extra):
        body = data if isinstance(data, bytes | str) else json.dumps(data)
        return self.client.post(url, body, content_type=content_type, **self.headers(extra))


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """Argon2 takes a second a password on a busy test machine; these tests are about
    sync, and tests/listeners check the real hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_user("bob", "bob@example.org", "another password")


@pytest.fixture
def api(alice) -> Api:
    return Api()


@pytest.fixture
def podcast(db) -> Podcast:
    return Podcast.objects.create(feed_url=FEED, slug="example-show", title="Example show")


@pytest.fixture
def episode(podcast) -> Episode:
    return Episode.objects.create(
        podcast=podcast, slug="ep1", guid="guid-1", title="Episode 1", enclosure_url=MEDIA
    )
