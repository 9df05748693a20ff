from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from airwaves.api.tokens import create_token
from airwaves.radio.models import Station


# Listeners without passwords: the API signs in by token (and tests log in with
# force_login), so no test waits for Argon2.
@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice", "alice@example.org")


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_user("bob", "bob@example.org")


@pytest.fixture
def write_token(alice) -> str:
    return create_token(alice, "phone", "write")[1]


@pytest.fixture
def read_token(alice) -> str:
    return create_token(alice, "reader", "read")[1]


@pytest.fixture
def bob_token(bob) -> str:
    return create_token(bob, "bob's", "write")[1]


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def station(db) -> Station:
    """A station as the importers and the admin leave it: with its tag and language rows."""
    station = Station.objects.create(
        name="Radio One",
        url="https://radio.example.org/one.mp3",
        tags="jazz,news",
        country="Germany",
        country_code="DE",
        language="german",
        language_codes="de",
        codec="MP3",
        bitrate=128,
        votes=5,
    )
    station.sync_facets()
    return station
