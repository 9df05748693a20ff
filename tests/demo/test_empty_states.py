"""Visitors see a site, operators see instructions: the empty home and radio pages speak
to listeners, and only staff, whose pages are never the cached ones, get the commands."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = ["/", "/radio/"]
OPERATOR_TEXT = ("airwaves import-stations", "airwaves add", "airwaves serve", "operator-hint")


@pytest.fixture
def staff(db) -> Client:
    user = User.objects.create_user("olga", "olga@example.org", "password", is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def assert_no_operator_text(html: str) -> None:
    for text in OPERATOR_TEXT:
        assert text not in html


@pytest.mark.parametrize("url", PAGES)
def test_a_visitor_gets_no_operator_text(client, url):
    response = client.get(url)
    assert response["Cache-Control"].startswith("public")
    html = response.content.decode()
    assert_no_operator_text(html)
    assert "No radio stations are on air here yet." in html or "No stations on air yet" in html


def test_a_listener_without_staff_rights_gets_none_either(client, alice):
    client.force_login(alice)
    for url in PAGES:
        assert_no_operator_text(client.get(url).content.decode())


@pytest.mark.parametrize("url", PAGES)
def test_staff_get_the_instructions_on_a_private_page(staff, url):
    response = staff.get(url)
    assert response["Cache-Control"].startswith("private")
    html = response.content.decode()
    assert "operator-hint" in html and "airwaves import-stations" in html


@pytest.mark.parametrize("url", PAGES)
def test_a_visitor_after_staff_still_gets_none(client, staff, url):
    assert "operator-hint" in staff.get(url).content.decode()
    first = client.get(url)
    again = client.get(url)  # from the page cache now
    assert first.content == again.content
    assert_no_operator_text(again.content.decode())
    # And the cached page is not what staff are given next.
    assert "operator-hint" in staff.get(url).content.decode()


def test_the_home_page_says_no_episodes_to_visitors(client, staff):
    html = client.get("/").content.decode()
    assert "No episodes yet. New episodes appear here as soon as the shows publish them." in html
    assert "airwaves add URL" in staff.get("/").content.decode()
