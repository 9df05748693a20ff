"""Guests heart stations too: kept in the session (beside their hearted episodes) and
moved into StationFavourite when they log in or sign up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from lxml import html

from airwaves.listeners import guest
from airwaves.radio.models import StationFavourite
from tests.radio.fixtures import make_station

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def jazz():
    return make_station("Jazz FM", "http://jazz.example.org/live", tags="jazz")


@pytest.fixture
def news():
    return make_station("News Now", "https://news.example.com/live.aac")


def heart(client, station, **kwargs):
    return client.post(f"/radio/{station.slug}/favourite", **kwargs)


def hearts_on_page(client, station) -> list[str]:
    """The heart as the listener sees it: the page's own for a listener with an account,
    the one /me/state answers (which the page's script swaps in) for a guest, whose page
    is everyone's."""
    doc = html.fromstring(client.get(station.get_absolute_url()).content)
    answer = client.get("/me/state", {"parts": f"station:{station.pk}"}).json()
    mine = html.fromstring(answer["parts"][f"station:{station.pk}"])
    if client.session.get("_auth_user_id"):
        assert doc.xpath('//form[@id="station-heart"]//button/@aria-pressed') == mine.xpath(
            "//button/@aria-pressed"
        )
    return mine.xpath("//button/@aria-pressed")


def log_in(client):
    return client.post("/accounts/login/", {"username": "alice", "password": "password"})


def test_a_guests_heart_is_kept_in_the_session(client, jazz):
    response = heart(client, jazz)

    assert response.status_code == 302
    assert response["Location"] == jazz.get_absolute_url()
    assert guest.is_station_favourite(client.session, jazz.pk)
    assert not StationFavourite.objects.exists()
    assert hearts_on_page(client, jazz) == ["true"]

    heart(client, jazz)
    assert not guest.is_station_favourite(client.session, jazz.pk)
    assert hearts_on_page(client, jazz) == ["false"]


def test_station_and_episode_hearts_do_not_share_ids(client, jazz):
    heart(client, jazz)
    assert guest.station_favourites(client.session)[0][0] == jazz.pk
    assert guest.favourites(client.session) == []
    assert not guest.is_favourite(client.session, jazz.pk)


def test_htmx_gets_the_button_alone(client, jazz):
    response = heart(client, jazz, headers=HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<form class="heart-form" id="station-heart"')
    assert "<html" not in body
    assert 'aria-pressed="true"' in body and "In your favourites" in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_the_heart_needs_the_csrf_token(jazz):
    client = Client(enforce_csrf_checks=True)
    assert heart(client, jazz).status_code == 403
    assert not guest.station_favourites(client.session)


def test_a_guest_sees_and_exports_their_favourite_stations(client, jazz, news):
    heart(client, jazz)
    heart(client, news)

    doc = html.fromstring(client.get("/radio/favourites/").content)
    names = [n.text_content() for n in doc.xpath('//span[@class="row-title"]')]
    assert names == ["News Now", "Jazz FM"]  # newest hearted first
    assert "kept in this browser only" in doc.text_content()
    assert client.get("/radio/favourites.m3u").content.decode().count("#EXTINF") == 2
    exported = client.get("/radio/favourites.json").json()
    assert [e["stationuuid"] for e in exported] == [str(news.uuid), str(jazz.uuid)]


def test_logging_in_moves_the_guests_stations_into_the_account(client, alice, jazz, news):
    heart(client, jazz)
    heart(client, news)

    assert log_in(client).status_code == 302

    hearted = StationFavourite.objects.filter(user=alice).order_by("created_at")
    assert [f.station for f in hearted] == [jazz, news]
    assert guest.station_favourites(client.session) == []
    assert hearts_on_page(client, jazz) == ["true"]


def test_signing_up_moves_the_guests_stations_into_the_new_account(client, jazz):
    heart(client, jazz)

    client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "email": "",
            "password1": "a long listening passphrase",
            "password2": "a long listening passphrase",
        },
    )

    carol = User.objects.get(username="carol")
    assert StationFavourite.objects.filter(user=carol, station=jazz).exists()


def test_merging_keeps_the_date_the_account_hearted_the_station(client, alice, jazz):
    earlier = timezone.now() - timedelta(days=30)
    StationFavourite.objects.create(user=alice, station=jazz, created_at=earlier)
    heart(client, jazz)

    log_in(client)

    assert StationFavourite.objects.get(user=alice, station=jazz).created_at == earlier


def test_a_hearted_station_that_is_gone_is_dropped(client, alice, jazz):
    heart(client, jazz)
    jazz.delete()

    log_in(client)

    assert not StationFavourite.objects.exists()
