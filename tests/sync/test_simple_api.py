"""gpodder.net's simple API (OPML, JSON and text lists; PUT replaces a device's list)
and the favourites list, which is the website's hearts."""

from __future__ import annotations

import pytest
from django.test import Client
from lxml import etree
from mygpoclient import simple

from airwaves.listeners.models import Favourite, Follow
from airwaves.podcasts.models import Podcast
from tests.sync.conftest import FEED, OTHER_FEED

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed(alice, podcast):
    Follow.objects.create(user=alice, podcast=podcast)
    return podcast


def test_the_list_in_three_formats(api, followed):
    opml = etree.fromstring(api.get("/subscriptions/alice.opml").content)
    assert opml.xpath("//outline/@xmlUrl") == [FEED]
    assert api.get("/subscriptions/alice.txt").content.decode() == f"{FEED}\n"
    (podcast,) = api.get("/subscriptions/alice.json").json()
    assert (podcast["url"], podcast["title"]) == (FEED, "Example show")
    assert api.get("/subscriptions/alice/phone.json").json() == [FEED]


def test_put_replaces_the_list(api, followed):
    Podcast.objects.create(feed_url=OTHER_FEED, slug="other")
    response = api.client.put(
        "/subscriptions/alice/phone.txt",
        f"{OTHER_FEED}\n\nnot a url\n",
        content_type="text/plain",
        HTTP_AUTHORIZATION=api.auth,
    )
    assert response.status_code == 200
    assert list(Follow.objects.values_list("podcast__feed_url", flat=True)) == [OTHER_FEED]


def test_put_with_an_opml_file(api, podcast):
    body = f'<opml version="2.0"><body><outline type="rss" xmlUrl="{FEED}"/></body></opml>'
    response = api.client.put(
        "/subscriptions/alice/phone.opml",
        body,
        content_type="text/xml",
        HTTP_AUTHORIZATION=api.auth,
    )
    assert response.status_code == 200
    assert Follow.objects.get().podcast == podcast


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/subscriptions/alice/phone.opml", "<rss/>"),
        ("/subscriptions/alice/phone.json", '{"url": 1}'),
        ("/subscriptions/alice/phone.xml", "[]"),
        ("/subscriptions/alice/bad device.json", "[]"),
    ],
)
def test_bad_lists_are_refused_and_change_nothing(api, followed, url, body):
    response = api.client.put(url, body, content_type="text/plain", HTTP_AUTHORIZATION=api.auth)
    assert response.status_code == 400
    assert response.json()["error"]
    assert Follow.objects.get().podcast == followed


def test_another_listeners_list_is_not_served(api, bob):
    Follow.objects.create(user=bob, podcast=Podcast.objects.create(feed_url=FEED, slug="x"))
    assert api.get("/subscriptions/bob.opml").status_code == 403
    assert Client().get("/subscriptions/bob.opml").status_code == 401


def test_favourites_are_the_websites_hearts(api, alice, episode):
    Favourite.objects.create(user=alice, episode=episode)
    (item,) = api.get("/api/2/favorites/alice.json").json()
    assert (item["title"], item["url"], item["podcast_url"]) == (
        "Episode 1",
        episode.enclosure_url,
        FEED,
    )


@pytest.mark.django_db(transaction=True)
def test_mygpoclients_simple_client(live_server, alice, podcast):
    client = simple.SimpleClient("alice", "password", live_server.url)
    assert client.put_subscriptions("n900", [FEED]) is True
    assert client.get_subscriptions("n900") == [FEED]
