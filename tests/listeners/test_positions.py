"""Play positions: the save endpoint, resume offers, Continue listening, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from airwaves.listeners import guest
from airwaves.listeners.models import EpisodeAction
from tests.listeners.conftest import ICE, page, personal, text


def save(client, episode, **data):
    return client.post(f"/episodes/{episode.pk}/position", data, content_type="application/json")


def play_action(user, episode, position, total=760, ago=timedelta(0), started=0):
    return EpisodeAction.objects.create(
        user=user,
        episode=episode,
        podcast_url=episode.podcast.feed_url,
        episode_url=episode.enclosure_url,
        action="play",
        timestamp=timezone.now() - ago,
        started=started,
        position=position,
        total=total,
    )


def test_saving_a_position_records_a_gpodder_play_action(client, ice, alice):
    client.force_login(alice)

    response = save(client, ice, position=95.6, total=760, started=0)

    assert response.json() == {"position": 95, "total": 760, "finished": False}
    action = EpisodeAction.objects.get(user=alice)
    assert (action.action, action.started, action.position, action.total) == ("play", 0, 95, 760)
    assert action.episode == ice
    assert action.podcast_url == ice.podcast.feed_url
    assert action.episode_url == ice.enclosure_url
    assert action.device == ""


def test_periodic_saves_extend_one_play_action(client, ice, alice):
    client.force_login(alice)
    for position in (15, 30, 45):
        save(client, ice, position=position, total=760, started=0)

    action = EpisodeAction.objects.get(user=alice)
    assert action.position == 45

    # Playing again from another point is another stretch of listening.
    save(client, ice, position=130, total=760, started=120)
    assert EpisodeAction.objects.filter(user=alice).count() == 2


def test_a_save_long_after_the_last_starts_a_new_action(client, ice, alice):
    play_action(alice, ice, 45, ago=timedelta(hours=2))
    client.force_login(alice)
    save(client, ice, position=60, total=760, started=0)
    assert EpisodeAction.objects.filter(user=alice).count() == 2


def test_playing_to_the_end_marks_the_episode_played(client, ice, alice):
    client.force_login(alice)

    response = save(client, ice, position=757, total=760, started=700, ended=True)

    assert response.json() == {"position": 760, "total": 760, "finished": True}
    assert EpisodeAction.objects.get(user=alice).position == 760


def test_near_the_end_counts_as_played(client, ice, alice):
    client.force_login(alice)
    assert save(client, ice, position=740, total=760, started=0).json()["finished"] is True
    assert save(client, ice, position=700, total=760, started=0).json()["finished"] is False


def test_a_short_episode_is_played_only_in_its_last_tenth(client, ice, rain, alice):
    client.force_login(alice)
    assert save(client, ice, position=80, total=100, started=0).json()["finished"] is False
    assert save(client, ice, position=91, total=100, started=0).json()["finished"] is True

    # "Continue listening" applies the same rule in SQL.
    play_action(alice, rain, 80, total=100)
    doc = page(client, "/")
    assert doc.xpath('//section[@id="continue-listening"]//span[@class="row-title"]/text()') == [
        "The smell of rain"
    ]


def test_reading_the_position_back(client, ice, alice):
    client.force_login(alice)
    assert client.get(f"/episodes/{ice.pk}/position").json() == {
        "position": None,
        "total": None,
        "finished": False,
    }
    play_action(alice, ice, 100, ago=timedelta(days=2))
    play_action(alice, ice, 300, ago=timedelta(days=1))
    assert client.get(f"/episodes/{ice.pk}/position").json()["position"] == 300


def test_a_position_saved_by_another_device_is_the_one_resumed(client, ice, alice):
    # What the gPodder API will write: an action from a phone.
    EpisodeAction.objects.create(
        user=alice,
        episode=ice,
        podcast_url=ice.podcast.feed_url,
        episode_url=ice.enclosure_url,
        device="phone",
        action="play",
        started=0,
        position=512,
        total=760,
    )
    client.force_login(alice)
    doc = page(client, ICE)
    assert "You stopped at 00:08:32" in text(doc)


def test_a_guest_keeps_positions_in_the_session(client, ice):
    assert save(client, ice, position=200, total=760, started=0).status_code == 200

    assert not EpisodeAction.objects.exists()
    assert guest.positions(client.session)[ice.pk]["position"] == 200
    assert client.get(f"/episodes/{ice.pk}/position").json()["position"] == 200


@pytest.mark.parametrize(
    "body, reason",
    [
        ("not json", "Bad position"),
        ("[1, 2]", "expected a JSON object"),
        ('{"total": 760}', "position must be a number of seconds"),
        ('{"position": "12"}', "position must be a number of seconds"),
        ('{"position": -5}', "position must be between 0 and"),
        ('{"position": true}', "position must be a number of seconds"),
        ('{"position": 5, "total": "long"}', "total must be a number of seconds"),
    ],
)
def test_a_malformed_save_is_refused_with_a_reason(client, ice, alice, body, reason):
    client.force_login(alice)
    response = client.post(f"/episodes/{ice.pk}/position", body, content_type="application/json")
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not EpisodeAction.objects.exists()


def test_an_episode_without_audio_has_no_position(client, demo, alice):
    from airwaves.podcasts.models import Episode

    silent = Episode.objects.filter(enclosure_url="").first()
    client.force_login(alice)
    assert save(client, silent, position=5).status_code == 400


def test_saving_needs_the_csrf_token(ice, alice):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert save(strict, ice, position=100).status_code == 403

    page(strict, ICE)  # sets the CSRF cookie, which the player sends back as a header
    token = strict.cookies["csrftoken"].value
    response = strict.post(
        f"/episodes/{ice.pk}/position",
        {"position": 100, "total": 760, "started": 0},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    assert EpisodeAction.objects.get(user=alice).position == 100


def test_the_episode_page_offers_to_resume(client, ice, alice):
    play_action(alice, ice, 312)
    client.force_login(alice)

    doc = page(client, ICE)

    assert "You stopped at 00:05:12 (00:07:28 left)" in text(doc)
    resume = doc.xpath('//div[@class="resume js-only"]//button[@title="Resume"]')[0]
    assert resume.get("data-start") == "312"
    start_over = doc.xpath('//div[@class="resume js-only"]//button[@title="Start over"]')[0]
    assert start_over.get("data-start") == "0"


def test_the_episode_page_says_when_it_was_played(client, ice, alice):
    play_action(alice, ice, 760)
    client.force_login(alice)
    assert "You have played this episode." in text(page(client, ICE))


def test_continue_listening_lists_unfinished_episodes_newest_first(client, demo, alice):
    from airwaves.podcasts.models import Episode

    ice = Episode.objects.get(slug="why-ice-floats")
    rain = Episode.objects.get(slug="the-smell-of-rain")
    tales = Episode.objects.get(slug="a-map-of-the-quiet-streets")
    play_action(alice, ice, 300, ago=timedelta(hours=3))
    play_action(alice, rain, 100, ago=timedelta(hours=1))
    play_action(alice, tales, 960, total=962, ago=timedelta(minutes=5))  # finished

    client.force_login(alice)
    doc = page(client, "/")

    section = doc.xpath('//section[@id="continue-listening"]')[0]
    assert section.xpath('.//span[@class="row-title"]/text()') == [
        "The smell of rain",
        "Why ice floats",
    ]
    assert section.xpath('.//span[@class="progress-left"]/text()') == [
        "00:11:00 left",
        "00:07:40 left",
    ]


def test_continue_listening_works_for_a_guest(client, ice):
    save(client, ice, position=120, total=760, started=0)
    # The home page is everyone's; the guest's own row comes apart (site.js swaps it in).
    assert not page(client, "/").xpath('//section[@id="continue-listening"]')
    doc = personal(client, "continue")["continue"]
    assert doc.xpath('//section[@id="continue-listening"]//span[@class="row-title"]/text()') == [
        "Why ice floats"
    ]


def test_the_home_page_has_no_continue_listening_for_a_new_listener(client, demo, alice):
    client.force_login(alice)
    assert not page(client, "/").xpath('//section[@id="continue-listening"]')


def test_history_lists_every_played_episode_once_newest_first(client, ice, rain, alice):
    play_action(alice, ice, 100, ago=timedelta(days=3))
    play_action(alice, rain, 555, total=555, ago=timedelta(days=2))
    play_action(alice, ice, 200, ago=timedelta(days=1), started=100)

    client.force_login(alice)
    doc = page(client, "/history/")

    assert doc.xpath('//span[@class="row-title"]/text()') == ["Why ice floats", "The smell of rain"]
    assert doc.xpath('//span[@class="played"]/text()') == ["✓ Played"]
    assert doc.xpath('//span[@class="progress-left"]/text()') == ["00:09:20 left"]


def test_history_is_private_to_each_listener(client, ice, alice, bob):
    play_action(bob, ice, 100)
    client.force_login(alice)
    assert "Nothing played yet" in text(page(client, "/history/"))


def test_a_guests_history_comes_from_the_session(client, ice):
    save(client, ice, position=60, total=760, started=0)
    doc = page(client, "/history/")
    assert doc.xpath('//span[@class="row-title"]/text()') == ["Why ice floats"]
    assert "kept in this browser only" in text(doc)
