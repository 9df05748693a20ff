"""Clicks and votes: once per client per station per day (who the client is: tests/lib/test_clients.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from airwaves.lib.clients import client_key
from airwaves.radio.models import StationClick, StationVote
from airwaves.radio.tallies import record_click, record_vote
from tests.radio.fixtures import make_station

TODAY = date(2026, 3, 1)


def test_the_client_key_changes_with_the_day_and_hides_the_address():
    key = client_key("203.0.113.9", TODAY, "secret")
    assert key == client_key("203.0.113.9", TODAY, "secret")
    assert key != client_key("203.0.113.9", TODAY + timedelta(days=1), "secret")
    assert key != client_key("203.0.113.10", TODAY, "secret")
    assert "203.0.113.9" not in key


@pytest.mark.django_db
def test_a_client_clicks_once_a_day_per_station():
    station, other = make_station(), make_station("Other", "http://b.example/")
    assert record_click(station.pk, "203.0.113.9", day=TODAY)
    assert not record_click(station.pk, "203.0.113.9", day=TODAY)
    assert record_click(station.pk, "203.0.113.10", day=TODAY)
    assert record_click(other.pk, "203.0.113.9", day=TODAY)
    assert record_click(station.pk, "203.0.113.9", day=TODAY + timedelta(days=1))
    station.refresh_from_db()
    assert station.click_count == 3
    assert StationClick.objects.filter(station=station).count() == 3
    # One click on the second day against two on the first.
    assert station.click_trend == -1


@pytest.mark.django_db
def test_a_client_votes_once_a_day_per_station():
    station = make_station()
    assert record_vote(station.pk, "203.0.113.9", day=TODAY)
    assert not record_vote(station.pk, "203.0.113.9", day=TODAY)
    assert record_vote(station.pk, "203.0.113.9", day=TODAY + timedelta(days=1))
    station.refresh_from_db()
    assert station.votes == 2
    assert StationVote.objects.count() == 2


@pytest.mark.django_db
def test_the_vote_button_counts_once_and_says_so(client):
    station = make_station()
    url = f"/radio/{station.slug}/vote"
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == station.get_absolute_url() + "?voted=1"
    assert client.post(url)["Location"].endswith("?voted=0")
    station.refresh_from_db()
    assert station.votes == 1
    page = client.get(station.get_absolute_url() + "?voted=0").content.decode()
    assert "You already voted for this station today." in page


@pytest.mark.django_db
def test_the_vote_button_answers_htmx_with_the_button(client):
    station = make_station()
    response = client.post(f"/radio/{station.slug}/vote", headers={"HX-Request": "true"})
    text = response.content.decode()
    assert response.status_code == 200
    assert '<span class="vote-count">1</span>' in text
    assert "Thanks for your vote." in text


@pytest.mark.django_db
def test_forwarded_for_counts_only_from_a_trusted_proxy(client, settings):
    station = make_station()
    url = f"/radio/{station.slug}/vote"
    # Untrusted: every spoofed header is the same client (REMOTE_ADDR 127.0.0.1).
    client.post(url, headers={"X-Forwarded-For": "198.51.100.1"})
    client.post(url, headers={"X-Forwarded-For": "198.51.100.2"})
    station.refresh_from_db()
    assert station.votes == 1

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client.post(url, headers={"X-Forwarded-For": "198.51.100.1"})
    client.post(url, headers={"X-Forwarded-For": "198.51.100.2"})
    client.post(url, headers={"X-Forwarded-For": "198.51.100.2"})
    station.refresh_from_db()
    assert station.votes == 3


@pytest.mark.django_db
def test_the_player_reports_a_play_once_a_day(client):
    station = make_station()
    assert client.post(f"/radio/{station.slug}/click").json() == {"counted": True}
    assert client.post(f"/radio/{station.slug}/click").json() == {"counted": False}
    assert client.get(f"/radio/{station.slug}/click").status_code == 405
    station.refresh_from_db()
    assert station.click_count == 1
