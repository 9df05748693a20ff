"""GET /api/2/updates/<user>/<device>.json: subscription changes with the podcasts'
titles, and the followed podcasts' new episodes with the listener's status in each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from airwaves.podcasts.models import Episode, Podcast
from airwaves.sync.models import Device
from tests.sync.conftest import FEED, MEDIA, OTHER_FEED, Api

URL = "/api/2/updates/alice/phone.json"
SUBS = "/api/2/subscriptions/alice/phone.json"


def test_an_update_has_new_podcasts_with_titles_and_their_new_episodes(api, episode):
    api.post(SUBS, {"add": [FEED, "https://unknown.example/feed.xml"]})

    body = api.get(URL, {"since": 0}).json()

    assert isinstance(body["timestamp"], int)
    assert [p["url"] for p in body["add"]] == [FEED, "https://unknown.example/feed.xml"]
    assert body["add"][0]["title"] == "Example show"
    assert body["add"][0]["mygpo_link"] == "http://testserver/podcasts/example-show/"
    assert body["add"][1]["title"] == ""  # not fetched yet: the URL is all there is
    assert body["remove"] == body["rem"] == []
    [update] = body["updates"]
    assert (update["url"], update["podcast_url"], update["status"]) == (MEDIA, FEED, "new")
    assert update["title"] == "Episode 1" and "action" not in update
    assert Device.objects.get(uid="phone").last_sync_at is not None


def test_the_status_is_the_latest_action_and_include_actions_adds_it(api, episode):
    api.post(SUBS, {"add": [FEED]})
    api.post(
        "/api/2/episodes/alice.json",
        [
            {"podcast": FEED, "episode": MEDIA, "action": "download", "timestamp": "2026-01-01"},
            {
                "podcast": FEED,
                "episode": MEDIA,
                "action": "play",
                "position": 30,
                "timestamp": "2026-01-02T00:00:00",
                "device": "phone",
            },
        ],
    )

    plain = api.get(URL, {"since": 0}).json()["updates"][0]
    full = api.get(URL, {"since": 0, "include_actions": "true"}).json()["updates"][0]

    assert plain["status"] == full["status"] == "play"
    assert "action" not in plain
    assert full["action"]["position"] == 30 and full["action"]["device"] == "phone"


def test_since_gives_only_what_came_after(api, podcast, episode):
    api.post(SUBS, {"add": [FEED]})
    Episode.objects.filter(pk=episode.pk).update(created_at=timezone.now() - timedelta(hours=1))
    since = api.get(URL, {"since": 0}).json()["timestamp"]
    api.post(SUBS, {"remove": [FEED]})
    api.post(SUBS, {"add": [FEED]})  # back again: the latest change counts
    newer = Episode.objects.create(
        podcast=podcast, slug="ep2", guid="guid-2", title="Episode 2", enclosure_url=MEDIA + "2"
    )

    body = api.get(URL, {"since": since}).json()

    assert [p["url"] for p in body["add"]] == [FEED] and body["remove"] == []
    assert [u["title"] for u in body["updates"]] == [newer.title]
    later = api.get(URL, {"since": body["timestamp"]}).json()
    assert (later["add"], later["remove"]) == ([], [])
    # An episode stored just before `since` comes again: the crawler may have committed
    # it after the last answer, though it was stamped before.
    assert [u["title"] for u in later["updates"]] == [newer.title]


def test_at_most_five_newest_episodes_a_podcast(api, podcast):
    api.post(SUBS, {"add": [FEED]})
    now = timezone.now()
    for i in range(8):
        Episode.objects.create(
            podcast=podcast,
            slug=f"e{i}",
            guid=f"g{i}",
            title=f"E{i}",
            enclosure_url=f"https://cdn.example.org/{i}.mp3",
            published_at=now - timedelta(days=10 - i),
        )

    updates = api.get(URL, {"since": 0}).json()["updates"]

    assert [u["title"] for u in updates] == ["E7", "E6", "E5", "E4", "E3"]


def test_another_listeners_podcasts_are_not_in_it(api, bob, podcast, episode):
    other = Podcast.objects.create(feed_url=OTHER_FEED, slug="other", title="Other")
    Episode.objects.create(podcast=other, slug="o1", guid="o1", title="Bob's episode")
    Api("bob", "another password").post(
        "/api/2/subscriptions/bob/phone.json", {"add": [OTHER_FEED]}
    )

    body = api.get(URL, {"since": 0}).json()

    assert (body["add"], body["updates"]) == ([], [])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "yesterday"}, "since must be a Unix time"),
        ({"since": "-5"}, "since must be a Unix time"),
        ({"since": "9" * 40}, "since must be a Unix time"),
        ({"include_actions": "perhaps"}, "include_actions must be true or false"),
    ],
)
def test_bad_parameters_get_a_clear_400(api, params, message):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_bad_devices_users_and_methods_are_refused(api, bob):
    assert api.get("/api/2/updates/alice/no%20spaces.json").status_code == 400
    assert api.get("/api/2/updates/alice/airwaves-website.json").status_code == 400
    assert api.get("/api/2/updates/bob/phone.json").status_code == 403
    assert api.post(URL, {}).status_code == 405
    assert Api(password=None).get(URL).status_code == 401
    assert not Device.objects.filter(user=bob).exists()
