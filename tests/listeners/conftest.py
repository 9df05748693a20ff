"""Fixtures for the listener tests: demo episodes, a second listener, page parsing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from lxml import html

from airwaves.podcasts.models import Episode

ICE = "/podcasts/small-science/why-ice-floats/"
RAIN = "/podcasts/small-science/the-smell-of-rain/"


@pytest.fixture
def ice(demo) -> Episode:
    return Episode.objects.select_related("podcast").get(slug="why-ice-floats")


@pytest.fixture
def rain(demo) -> Episode:
    return Episode.objects.select_related("podcast").get(slug="the-smell-of-rain")


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_user("bob", "bob@example.org", "another password")


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content)


def text(doc) -> str:
    return " ".join(doc.text_content().split())


def personal(client, *parts: str, next: str = "/") -> dict:
    """The page's personal parts as /me/state answers them (what site.js swaps in),
    each parsed; missing parts are left out."""
    response = client.get("/me/state", {"parts": ",".join(parts), "next": next})
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, no-store"
    return {name: html.fromstring(part) for name, part in response.json()["parts"].items()}
