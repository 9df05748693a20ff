"""Subscribing to shows, the New episodes page and the subscriptions page."""

from __future__ import annotations

from django.test import Client

from airwaves.listeners.models import Follow
from airwaves.podcasts.models import Podcast
from tests.listeners.conftest import ICE, page, text


def follow_url(podcast) -> str:
    return f"/podcasts/{podcast.pk}/follow"


def test_subscribing_and_unsubscribing(client, ice, alice):
    client.force_login(alice)
    show = ice.podcast

    response = client.post(follow_url(show), {"next": ICE})
    assert response["Location"] == ICE
    assert Follow.objects.filter(user=alice, podcast=show).exists()
    assert page(client, ICE).xpath('//button[contains(@class,"follow on")]/text()') == [
        "✓ Subscribed"
    ]

    client.post(follow_url(show), {"next": ICE})
    assert not Follow.objects.exists()


def test_subscribing_with_htmx_returns_the_button(client, ice, alice):
    client.force_login(alice)
    response = client.post(follow_url(ice.podcast), {"next": ICE}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<form class="follow-form"')
    assert "✓ Subscribed" in body
    assert Follow.objects.filter(user=alice).count() == 1


def test_a_guest_is_asked_to_log_in_to_subscribe(client, ice):
    doc = page(client, ICE)
    link = doc.xpath('//a[contains(@class,"button follow")]/@href')
    assert link == [f"/accounts/login/?next={ICE}"]

    response = client.post(follow_url(ice.podcast), {"next": ICE})
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Follow.objects.exists()


def test_subscribing_needs_the_csrf_token(ice, alice):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(follow_url(ice.podcast)).status_code == 403
    assert not Follow.objects.exists()


def test_new_episodes_lists_the_latest_episodes_of_followed_shows(client, demo, alice):
    science = Podcast.objects.get(slug="small-science")
    tales = Podcast.objects.get(slug="evening-tales")
    Follow.objects.create(user=alice, podcast=science)
    Follow.objects.create(user=alice, podcast=tales)
    client.force_login(alice)

    doc = page(client, "/new/")

    titles = doc.xpath('//span[@class="row-title"]/text()')
    expected = [
        e.title
        for e in science.episodes.all().union(tales.episodes.all()).order_by("-published_at")
    ]
    assert titles == expected
    assert "The hidden cost of a database connection" not in titles
    assert "2 shows you subscribe to" in text(doc)


def test_new_episodes_explains_what_to_do_without_subscriptions(client, alice):
    client.force_login(alice)
    doc = page(client, "/new/")
    assert "You do not subscribe to any show yet" in text(doc)
    assert client.logout() is None
    assert client.get("/new/")["Location"] == "/accounts/login/?next=/new/"


def test_the_subscriptions_page_lists_followed_shows_and_pending_feeds(client, demo, alice):
    Follow.objects.create(user=alice, podcast=Podcast.objects.get(slug="small-science"))
    pending = Podcast.objects.create(
        feed_url="https://new.example.com/feed.xml", slug=Podcast.placeholder_slug("x")
    )
    Follow.objects.create(user=alice, podcast=pending)
    client.force_login(alice)

    doc = page(client, "/following/")

    body = text(doc)
    assert "Small Science" in body
    assert "https://new.example.com/feed.xml" in body and "Waiting to be fetched" in body
    assert doc.xpath('//a[@href="/following/export.opml"]')
    assert doc.xpath('//form[@action="/following/import"]//input[@type="file"]')
