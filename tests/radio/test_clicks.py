"""Clicks and votes: once per client per station per day; client address behind proxies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from airwaves.lib.clients import client_address, client_key
from airwaves.radio.models import StationClick, StationVote
from airwaves.radio.tallies import record_click, record_vote
from tests.radio.fixtures import make_station

TODAY = date(2026, 3, 1)


def test_without_trusted_proxies_the_connecting_address_is_the_client():
    assert client_address("203.0.113.9", "198.51.100.1", []) == "203.0.113.9"


def test_forwarded_for_from_an_untrusted_address_is_ignored():
    assert client_address("203.0.113.9", "198.51.100.1", ["10.0.0.0/8"]) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client():
    trusted = ["10.0.0.1", "10.1.0.0/16"]
    # A client may put anything in the header; only what our proxies appended counts.
    header = "1.2.3.4, 198.51.100.7, 10.1.2.3"
    assert client_address("10.0.0.1", header, trusted) == "198.51.100.7"
    assert client_address("10.0.0.1", "198.51.100.7", trusted) == "198.51.100.7"


def test_garbage_in_forwarded_for_stops_at_the_last_trusted_hop():
    assert client_address("10.0.0.1", "not-an-ip, 10.0.0.5", ["10.0.0.0/8"]) == "10.0.0.5"
    assert client_address("10.0.0.1", "", ["10.0.0.0/8"]) == "10.0.0.1"


def test_ipv6_and_ports_in_forwarded_for_are_understood():
    trusted = ["::1"]
    assert client_address("::1", "[2001:db8::5]:4711", trusted) == "2001:db8::5"
    assert client_address("::1", "192.0.2.8:51000", trusted) == "192.0.2.8"


def test_a_bad_trusted_proxy_setting_says_what_is_wrong():
    with pytest.raises(ValueError, match="AIRWAVES_TRUSTED_PROXIES: 'proxy.local'"):
        client_address("10.0.0.1", "", ["proxy.local"])


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
