"""Episode actions over the gPodder API, stored as the website's EpisodeAction rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from airwaves.listeners.models import EpisodeAction
from airwaves.sync.models import Device
from tests.sync.conftest import FEED, MEDIA

URL = "/api/2/episodes/alice.json"


def play(**fields) -> dict:
    return {
        "podcast": FEED,
        "episode": MEDIA,
        "action": "play",
        "timestamp": "2026-01-02T03:04:05",
        "device": "phone",
        "started": 0,
        "position": 120,
        "total": 600,
        **fields,
    }


def test_an_upload_is_stored_matched_and_answered(api, episode):
    response = api.post(URL, [play(guid="guid-1")])

    assert response.status_code == 200
    body = response.json()
    assert body["update_urls"] == []
    assert isinstance(body["timestamp"], int)
    row = EpisodeAction.objects.get()
    assert (row.episode, row.position, row.total, row.device, row.guid) == (
        episode,
        120,
        600,
        "phone",
        "guid-1",
    )
    assert Device.objects.filter(uid="phone").exists()


def test_a_download_gives_the_action_back_in_gpodder_form(api, episode):
    api.post(URL, [play(guid="guid-1", timestamp="2026-01-02T05:04:05.5+02:00")])

    body = api.get(URL, {"since": 0}).json()

    assert body["actions"] == [
        {
            "podcast": FEED,
            "episode": MEDIA,
            "action": "play",
            "timestamp": "2026-01-02T03:04:05",
            "device": "phone",
            "guid": "guid-1",
            "started": 0,
            "position": 120,
            "total": 600,
        }
    ]
    assert isinstance(body["timestamp"], int)


def test_the_guid_finds_the_episode_when_its_url_changed(api, episode):
    api.post(URL, [play(episode="https://tracker.example/r/ep1.mp3", guid="guid-1")])
    assert EpisodeAction.objects.get().episode == episode


def test_an_unknown_episode_is_kept_under_its_urls(api, podcast):
    api.post(URL, [play(episode="https://cdn.example.org/unknown.mp3")])
    row = EpisodeAction.objects.get()
    assert row.episode is None
    assert row.episode_url == "https://cdn.example.org/unknown.mp3"


def test_minus_one_means_unknown(api, episode):
    api.post(URL, [play(started=-1, total=-1), play(position=-1)])

    first, second = EpisodeAction.objects.order_by("pk")
    assert (first.started, first.position, first.total) == (None, 120, None)
    assert second.position == 0
    assert "started" not in api.get(URL).json()["actions"][0]


def test_actions_are_lower_case_and_play_fields_only_on_play(api, episode):
    api.post(URL, [play(action="DOWNLOAD"), play(action="Flattr"), play(action="NEW")])

    rows = list(EpisodeAction.objects.order_by("pk").values_list("action", "position"))
    assert rows == [("download", None), ("flattr", None), ("new", None)]
    assert all("position" not in a for a in api.get(URL).json()["actions"])


def test_a_late_upload_is_seen_by_a_device_that_synced_after_the_action_happened(api, episode):
    since = int(timezone.now().timestamp())
    # Played a week ago on a phone that was offline until now.
    week_ago = (timezone.now() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")
    api.post(URL, [play(timestamp=week_ago)])

    actions = api.get(URL, {"since": since}).json()["actions"]
    assert [a["timestamp"] for a in actions] == [week_ago]


def test_since_leaves_out_what_came_before(api, episode):
    api.post(URL, [play()])
    EpisodeAction.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    since = int(timezone.now().timestamp()) - 60
    api.post(URL, [play(position=300)])

    actions = api.get(URL, {"since": since}).json()["actions"]
    assert [a["position"] for a in actions] == [300]


def test_a_first_sync_of_a_thousand_in_one_request(api, episode):
    actions = [play(position=i, timestamp=None) for i in range(1000)]
    assert api.post(URL, actions).status_code == 200
    assert EpisodeAction.objects.count() == 1000
    assert len(api.get(URL).json()["actions"]) == 1000


def test_filters_by_podcast_and_device(api, episode):
    api.post(URL, [play(), play(device="tablet"), play(podcast="https://e.net/f", device="tablet")])
    assert len(api.get(URL, {"podcast": FEED}).json()["actions"]) == 2
    assert len(api.get(URL, {"device": "tablet"}).json()["actions"]) == 2


def test_aggregated_gives_the_latest_action_per_episode(api, episode):
    api.post(
        URL,
        [
            play(position=10, timestamp="2026-01-01T00:00:00"),
            play(position=30, timestamp="2026-01-03T00:00:00"),
            play(position=20, timestamp="2026-01-02T00:00:00"),
        ],
    )
    actions = api.get(URL, {"aggregated": "true"}).json()["actions"]
    assert [a["position"] for a in actions] == [30]


def test_local_episodes_are_left_out_and_reported(api, episode):
    local = "antennapod_local:content://x/y"
    body = api.post(URL, [play(podcast=local), play(episode=" " + MEDIA)]).json()
    assert body["update_urls"] == [[local, ""], [" " + MEDIA, MEDIA]]
    assert EpisodeAction.objects.count() == 1


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ({"actions": []}, "JSON list"),
        (["play"], "must be a JSON object"),
        ([play(action="listen")], "unknown action 'listen'"),
        ([play(action=None)], "'action' must be a non-empty string"),
        ([play(podcast=None)], "'podcast' must be a non-empty string"),
        ([play(episode="")], "'episode' must be a non-empty string"),
        ([play(position="120")], "'position' must be a number"),
        ([play(position=True)], "'position' must be a number"),
        ([play(total=-5)], "between -1 and"),
        ([play(started=2**40)], "between -1 and"),
        ([play(timestamp="last tuesday")], "not an ISO 8601 time"),
        ([play(timestamp=1700000000)], "must be a string"),
        ([play(device="no spaces allowed")], "not a device id"),
        ([play(guid="g" * 513)], "guid is longer"),
        ([play()] * 5 + [play(action="burn")], "action 5: unknown action"),
    ],
)
def test_a_bad_action_refuses_the_whole_upload(api, episode, actions, message):
    response = api.post(URL, actions)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not EpisodeAction.objects.exists()
    assert not Device.objects.exists()


def test_too_many_actions_in_one_upload(api, monkeypatch):
    from airwaves.sync import actions

    monkeypatch.setattr(actions, "MAX_ACTIONS_PER_UPLOAD", 10)
    response = api.post(URL, [play()] * 11)
    assert response.status_code == 400
    assert "At most 10 actions" in response.json()["error"]
