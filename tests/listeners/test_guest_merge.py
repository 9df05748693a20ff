"""What a guest hearted and played moves into their account when they log in or sign up."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from airwaves.listeners import guest
from airwaves.listeners.models import EpisodeAction, Favourite
from tests.listeners.conftest import ICE


def heart(client, episode) -> None:
    client.post(f"/episodes/{episode.pk}/favourite")


def save_position(client, episode, position, total=760):
    return client.post(
        f"/episodes/{episode.pk}/position",
        {"position": position, "total": total, "started": 0},
        content_type="application/json",
    )


def test_logging_in_moves_guest_favourites_into_the_account(client, ice, rain, alice):
    heart(client, ice)
    heart(client, rain)

    response = client.post("/accounts/login/", {"username": "alice", "password": "password"})

    assert response.status_code == 302
    hearted = Favourite.objects.filter(user=alice).order_by("created_at")
    assert [f.episode for f in hearted] == [ice, rain]
    assert guest.favourites(client.session) == []


def test_signing_up_moves_guest_favourites_and_positions_into_the_new_account(client, ice):
    heart(client, ice)
    save_position(client, ice, 300)

    response = client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "email": "",
            "password1": "a long listening passphrase",
            "password2": "a long listening passphrase",
            "next": ICE,
        },
    )

    assert response["Location"] == ICE
    carol = User.objects.get(username="carol")
    assert Favourite.objects.filter(user=carol, episode=ice).exists()
    action = EpisodeAction.objects.get(user=carol)
    assert (action.action, action.position, action.total) == ("play", 300, 760)
    assert action.episode == ice
    assert action.podcast_url == ice.podcast.feed_url
    assert action.episode_url == ice.enclosure_url
    assert guest.positions(client.session) == {}


def test_merging_keeps_favourites_the_account_already_had(client, ice, alice):
    earlier = timezone.now() - timedelta(days=30)
    Favourite.objects.create(user=alice, episode=ice, created_at=earlier)
    heart(client, ice)

    client.post("/accounts/login/", {"username": "alice", "password": "password"})

    assert Favourite.objects.get(user=alice, episode=ice).created_at == earlier


def test_the_newer_position_wins_after_merging(client, ice, alice):
    EpisodeAction.objects.create(
        user=alice,
        episode=ice,
        podcast_url=ice.podcast.feed_url,
        episode_url=ice.enclosure_url,
        action="play",
        timestamp=timezone.now() - timedelta(days=1),
        started=0,
        position=100,
        total=760,
    )
    save_position(client, ice, 420)

    client.post("/accounts/login/", {"username": "alice", "password": "password"})

    assert client.get(f"/episodes/{ice.pk}/position").json()["position"] == 420
    assert EpisodeAction.objects.filter(user=alice).count() == 2


def test_a_failed_log_in_keeps_the_guest_favourites_in_the_session(client, ice, alice):
    heart(client, ice)
    client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert guest.is_favourite(client.session, ice.pk)
    assert not Favourite.objects.exists()


def test_a_favourite_whose_episode_is_gone_is_dropped(client, ice, alice):
    heart(client, ice)
    ice.delete()
    client.post("/accounts/login/", {"username": "alice", "password": "password"})
    assert not Favourite.objects.exists()
