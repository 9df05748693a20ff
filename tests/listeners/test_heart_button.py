"""The heart button: toggling favourites for listeners and guests, with htmx or a plain form."""

from __future__ import annotations

from django.test import Client
from lxml import html

from airwaves.listeners import guest
from airwaves.listeners.models import Favourite
from tests.listeners.conftest import ICE, page, personal

HTMX = {"HTTP_HX_REQUEST": "true"}


def heart_url(episode) -> str:
    return f"/episodes/{episode.pk}/favourite"


def test_it_toggles_a_favourite_for_a_listener(client, ice, alice):
    client.force_login(alice)

    response = client.post(heart_url(ice), {"next": ICE})
    assert response.status_code == 302
    assert response["Location"] == ICE
    assert Favourite.objects.filter(user=alice, episode=ice).exists()
    doc = page(client, ICE)
    assert doc.xpath('//button[contains(@class,"heart on")]')

    client.post(heart_url(ice))
    assert not Favourite.objects.exists()


def test_it_keeps_a_guests_favourite_in_the_session(client, ice):
    response = client.post(heart_url(ice), {"next": ICE})

    assert response["Location"] == ICE
    assert not Favourite.objects.exists()
    assert guest.is_favourite(client.session, ice.pk)
    # The page is everyone's (it shows the neutral heart); the guest's own comes apart.
    doc = page(client, ICE)
    assert doc.xpath('//button[contains(@class,"heart")]/@aria-pressed') == ["false"]
    heart = personal(client, f"heart:{ice.pk}", next=ICE)[f"heart:{ice.pk}"]
    assert heart.xpath('//button[contains(@class,"heart on")]/@aria-pressed') == ["true"]

    client.post(heart_url(ice))
    assert not guest.is_favourite(client.session, ice.pk)


def test_it_answers_htmx_with_the_button_alone(client, ice, alice):
    client.force_login(alice)

    response = client.post(heart_url(ice), {"next": ICE}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<form class="heart-form"')
    assert "<html" not in body
    assert 'class="heart on"' in body and "1 heart<" in body
    # The fragment's own fallback still returns to the episode page, not to this URL.
    assert f'name="next" value="{ICE}"' in body
    assert Favourite.objects.filter(user=alice, episode=ice).count() == 1


def test_a_boosted_request_gets_a_redirect_not_a_fragment(client, ice):
    response = client.post(heart_url(ice), {"next": ICE}, HTTP_HX_BOOSTED="true", **HTMX)
    assert response.status_code == 302


def test_the_episode_page_counts_hearts(client, ice, alice, bob):
    Favourite.objects.create(user=alice, episode=ice)
    Favourite.objects.create(user=bob, episode=ice)

    doc = page(client, ICE)
    assert doc.xpath('//span[@class="heart-count"]/text()') == ["2 hearts"]

    # A guest's own heart counts for them too, in their own copy of the button.
    client.post(heart_url(ice))
    heart = personal(client, f"heart:{ice.pk}")[f"heart:{ice.pk}"]
    assert heart.xpath('//span[@class="heart-count"]/text()') == ["3 hearts"]


def test_it_refuses_a_post_without_csrf_token(ice, alice):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(heart_url(ice))
    assert response.status_code == 403
    assert b"Confirm" in response.content

    strict.force_login(alice)
    assert strict.post(heart_url(ice), **HTMX).status_code == 403
    assert not Favourite.objects.exists()
    assert not guest.is_favourite(strict.session, ice.pk)


def submit(client, form, url: str):
    """Posts an HTML form as a browser without JavaScript would."""
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input[@name]")}
    return client.post(form.get("action") or url, fields)


def test_a_guest_without_javascript_hearts_through_the_confirmation_page(ice):
    strict = Client(enforce_csrf_checks=True)
    doc = page(strict, ICE)
    form = doc.xpath('//form[@class="heart-form"]')[0]
    assert not form.xpath('.//input[@name="csrfmiddlewaretoken"]')  # a page for everyone

    confirm = submit(strict, form, ICE)

    assert confirm.status_code == 403
    assert "csrftoken" in confirm.cookies
    assert not guest.is_favourite(strict.session, ice.pk)
    confirmation = html.fromstring(confirm.content).xpath('//main//form[@method="post"]')[0]
    assert confirmation.get("action") == heart_url(ice)

    response = submit(strict, confirmation, ICE)

    assert response.status_code == 302
    assert response["Location"] == ICE
    assert guest.is_favourite(strict.session, ice.pk)


def test_a_listener_without_javascript_hearts_through_the_confirmation_page(ice, alice):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    doc = page(strict, ICE)  # their own page, with a token
    form = doc.xpath('//form[@class="heart-form"]')[0]
    assert form.xpath('.//input[@name="csrfmiddlewaretoken"]')
    assert submit(strict, form, ICE).status_code == 302
    assert Favourite.objects.filter(user=alice, episode=ice).exists()


def test_the_confirmation_page_is_not_offered_to_another_site(ice):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(heart_url(ice), {"next": ICE}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert b"Confirm" not in response.content
    assert "csrftoken" not in response.cookies


def test_it_ignores_an_offsite_next(client, ice, alice):
    client.force_login(alice)
    response = client.post(heart_url(ice), {"next": "https://evil.example/"})
    assert response["Location"] == ICE


def test_it_only_accepts_post(client, ice):
    assert client.get(heart_url(ice)).status_code == 405
    assert client.post("/episodes/999999/favourite").status_code == 404


def test_favourites_lists_newest_hearted_first_with_play_buttons(client, ice, rain, alice):
    client.force_login(alice)
    client.post(heart_url(ice))
    client.post(heart_url(rain))

    doc = page(client, "/favourites/")

    assert doc.xpath('//span[@class="row-title"]/text()') == ["The smell of rain", "Why ice floats"]
    buttons = doc.xpath("//button[@data-player-play]")
    assert [b.get("data-episode-id") for b in buttons] == [str(rain.pk), str(ice.pk)]
    assert buttons[1].get("data-src") == ice.enclosure_url


def test_favourites_shows_a_guest_their_session_favourites(client, ice, rain):
    client.post(heart_url(rain))
    client.post(heart_url(ice))

    doc = page(client, "/favourites/")

    assert doc.xpath('//span[@class="row-title"]/text()') == ["Why ice floats", "The smell of rain"]
    assert "kept in this browser only" in doc.text_content()


def test_favourites_are_private_to_each_listener(client, ice, alice, bob):
    Favourite.objects.create(user=bob, episode=ice)
    client.force_login(alice)
    doc = page(client, "/favourites/")
    assert doc.xpath('//span[@class="row-title"]') == []
    assert "No favourites yet" in doc.text_content()


def test_only_the_page_forms_are_offered_a_confirmation(alice):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    for url in ("/accounts/settings/", "/following/import"):
        response = strict.post(url, {"email": "mallory@example.org"})
        assert response.status_code == 403, url
        assert b"Confirm" not in response.content, url
    assert strict.post("/no/such/address").status_code == 404
    alice.refresh_from_db()
    assert alice.email != "mallory@example.org"


def test_a_refused_post_gets_the_site_s_own_page(alice, settings):
    # Not Django's bare page: the site's name, its header and player bar (a boosted form
    # swaps the answer into the page), no inline style for the Content-Security-Policy to
    # block, and what to do next.
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "alice", "password": "password"})
    assert response.status_code == 403
    doc = html.fromstring(response.content)
    assert doc.findtext(".//title") == f"Not sent · {settings.SITE_NAME}"
    assert doc.xpath('//*[@id="player"]')
    assert not doc.xpath("//style | //*[@style]")
    text = doc.text_content()
    assert "reload the page" in text
    assert "CSRF" not in text
