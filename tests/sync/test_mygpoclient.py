"""End to end against the running server with mygpoclient, the library gPodder itself
syncs with (it sends Basic only after a 401 challenge, and JSON labelled as a form)."""

from __future__ import annotations

import pytest
from mygpoclient import api as gpo
from mygpoclient.http import Unauthorized

from airwaves.listeners.models import EpisodeAction, Follow
from airwaves.sync.lists import set_merged
from tests.sync.conftest import FEED, MEDIA, OTHER_FEED

pytestmark = pytest.mark.django_db(transaction=True)


def client(live_server, username="alice", password="password") -> gpo.MygPodderClient:
    return gpo.MygPodderClient(username, password, live_server.url)


def test_devices(live_server, alice):
    phone = client(live_server)
    assert phone.update_device_settings("n900", "My phone", "mobile") is True

    (device,) = phone.get_devices()
    assert (device.device_id, device.caption, device.type, device.subscriptions) == (
        "n900",
        "My phone",
        "mobile",
        0,
    )


def test_subscriptions_round_trip_with_since(live_server, alice, podcast):
    phone, laptop = client(live_server), client(live_server)
    start = laptop.pull_subscriptions("laptop")
    assert (start.add, start.remove) == ([], [])

    result = phone.update_subscriptions("n900", add_urls=[FEED, " " + OTHER_FEED])
    assert result.update_urls == [(" " + OTHER_FEED, OTHER_FEED)]
    assert isinstance(result.since, int)

    changes = laptop.pull_subscriptions("laptop", start.since)
    assert sorted(changes.add) == sorted([FEED, OTHER_FEED])
    laptop.update_subscriptions("laptop", remove_urls=[OTHER_FEED])

    later = phone.pull_subscriptions("n900", changes.since)
    assert OTHER_FEED in later.remove
    assert list(Follow.objects.values_list("podcast__feed_url", flat=True)) == [FEED]


def test_per_device_lists_round_trip_with_since(live_server, alice, podcast):
    phone, laptop = client(live_server), client(live_server)
    phone.pull_subscriptions("n900")
    start = laptop.pull_subscriptions("laptop")
    set_merged(alice, False)

    phone.update_subscriptions("n900", add_urls=[FEED])

    assert laptop.pull_subscriptions("laptop", start.since).add == []
    assert phone.pull_subscriptions("n900", start.since).add == [FEED]
    assert list(Follow.objects.values_list("podcast__feed_url", flat=True)) == [FEED]


def test_episode_actions_round_trip_with_since(live_server, alice, episode):
    phone, laptop = client(live_server), client(live_server)
    since = laptop.download_episode_actions().since

    phone.upload_episode_actions(
        [
            gpo.EpisodeAction(FEED, MEDIA, "download", "n900", "2026-03-01T10:00:00"),
            gpo.EpisodeAction(FEED, MEDIA, "play", "n900", "2026-03-01T11:00:00", 0, 95, 600),
        ]
    )

    changes = laptop.download_episode_actions(since)
    assert [(a.action, a.position, a.device) for a in changes.actions] == [
        ("download", None, "n900"),
        ("play", 95, "n900"),
    ]
    assert changes.actions[1].timestamp == "2026-03-01T11:00:00"
    assert isinstance(changes.since, int)
    assert EpisodeAction.objects.filter(episode=episode).count() == 2


def test_a_bad_password_is_refused(live_server, alice):
    with pytest.raises(Unauthorized):
        client(live_server, password="not the password").get_devices()
