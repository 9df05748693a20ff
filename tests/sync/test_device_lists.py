"""Per-device subscription lists (the account setting off), sync groups, and the
website's follows as the union of every device's list."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from airwaves.listeners.follows import toggle_follow
from airwaves.listeners.models import Follow
from airwaves.podcasts.models import Episode, Podcast
from airwaves.sync.lists import set_merged
from airwaves.sync.models import Device, DeviceSubscription, SubscriptionChange, SyncAccount
from tests.sync.conftest import FEED, OTHER_FEED, Api, basic

GROUPS = "/api/2/sync-devices/alice.json"


def subs(device: str) -> str:
    return f"/api/2/subscriptions/alice/{device}.json"


def pull(api, device: str, since: int = 0) -> dict:
    response = api.get(subs(device), {"since": since})
    assert response.status_code == 200, response.content
    return response.json()


def push(api, device: str, add=(), remove=()) -> int:
    response = api.post(subs(device), {"add": list(add), "remove": list(remove)})
    assert response.status_code == 200, response.content
    return response.json()["timestamp"]


def followed(user) -> set[str]:
    return set(Follow.objects.filter(user=user).values_list("podcast__feed_url", flat=True))


@pytest.fixture
def other(db) -> Podcast:
    return Podcast.objects.create(feed_url=OTHER_FEED, slug="other-show", title="Other show")


@pytest.fixture
def split(api, alice, podcast, other):
    """Alice with two devices, each with its own list (empty to begin with)."""
    pull(api, "phone")
    pull(api, "laptop")
    set_merged(alice, False)
    return alice


def test_the_lists_are_merged_by_default(api, alice, podcast):
    push(api, "phone", add=[FEED])
    assert pull(api, "laptop")["add"] == [FEED]
    assert not SyncAccount.objects.filter(user=alice, merged_devices=False).exists()


def test_each_device_uploads_to_its_own_list(api, split, podcast, other):
    push(api, "phone", add=[FEED])
    push(api, "laptop", add=[OTHER_FEED])

    assert pull(api, "phone")["add"] == [FEED]
    assert pull(api, "laptop")["add"] == [OTHER_FEED]
    assert api.get(subs("phone")).json()["add"] == [FEED]  # no since: the whole list
    assert followed(split) == {FEED, OTHER_FEED}  # the website: the union
    devices = {d["id"]: d["subscriptions"] for d in api.get("/api/2/devices/alice.json").json()}
    assert devices["phone"] == 1 and devices["laptop"] == 1


def test_since_pages_a_device_list_exactly(api, split, podcast, other):
    first = pull(api, "phone")["timestamp"]
    push(api, "phone", add=[FEED])
    delta = pull(api, "phone", first)
    assert delta["add"] == [FEED]
    push(api, "phone", add=[OTHER_FEED], remove=[FEED])
    assert pull(api, "phone", delta["timestamp"]) == {
        "add": [OTHER_FEED],
        "remove": [FEED],
        "timestamp": pull(api, "phone", delta["timestamp"])["timestamp"],
    }
    assert pull(api, "laptop", first)["add"] == []


def test_a_website_follow_and_unfollow_reach_every_device(api, split, podcast):
    since = {uid: pull(api, uid)["timestamp"] for uid in ("phone", "laptop")}
    toggle_follow(split, podcast)
    for uid in ("phone", "laptop"):
        assert pull(api, uid, since[uid])["add"] == [FEED]
    since = {uid: pull(api, uid)["timestamp"] for uid in ("phone", "laptop")}
    toggle_follow(split, podcast)
    for uid in ("phone", "laptop"):
        assert pull(api, uid, since[uid])["remove"] == [FEED]
    assert not DeviceSubscription.objects.filter(url=FEED).exists()


def test_the_website_drops_a_podcast_only_when_no_list_holds_it(api, split, podcast):
    push(api, "phone", add=[FEED])
    push(api, "laptop", add=[FEED])
    since = pull(api, "phone")["timestamp"]
    push(api, "phone", remove=[FEED])
    assert followed(split) == {FEED}
    assert pull(api, "phone", since)["remove"] == [FEED]
    laptop = pull(api, "laptop", since)
    assert (laptop["add"], laptop["remove"]) == ([], [])
    push(api, "laptop", remove=[FEED])
    assert followed(split) == set()


def test_a_website_follow_stays_when_a_device_drops_it(api, split, podcast):
    toggle_follow(split, podcast)
    push(api, "phone", remove=[FEED])
    push(api, "laptop", remove=[FEED])
    assert followed(split) == {FEED}  # the website's own list still holds it


def test_a_sync_group_merges_its_lists_and_shares_later_changes(api, split, podcast, other):
    push(api, "phone", add=[FEED])
    push(api, "laptop", add=[OTHER_FEED])
    since = pull(api, "laptop")["timestamp"]

    answer = api.post(GROUPS, {"synchronize": [["phone", "laptop"]]})
    assert answer.status_code == 200
    assert answer.json() == {"synchronized": [["phone", "laptop"]], "not-synchronized": []}
    assert pull(api, "laptop", since)["add"] == [FEED]
    assert set(api.get(subs("phone")).json()["add"]) == {FEED, OTHER_FEED}

    push(api, "phone", remove=[OTHER_FEED])
    assert api.get(subs("laptop")).json()["add"] == [FEED]
    assert followed(split) == {FEED}

    answer = api.post(GROUPS, {"stop-synchronize": ["phone"]})
    assert answer.json() == {"synchronized": [], "not-synchronized": ["phone", "laptop"]}
    push(api, "phone", remove=[FEED])
    assert api.get(subs("laptop")).json()["add"] == [FEED]  # kept its copy
    assert api.get(subs("phone")).json()["add"] == []


def test_a_new_device_joins_a_group_with_its_devices(api, split, podcast):
    api.post(GROUPS, {"synchronize": [["phone", "laptop"]]})
    pull(api, "tablet")
    push(api, "tablet", add=[FEED])
    api.post(GROUPS, {"synchronize": [["tablet", "phone"]]})
    assert api.get(GROUPS).json()["synchronized"] == [["phone", "laptop", "tablet"]]
    assert api.get(subs("laptop")).json()["add"] == [FEED]


BAD_GROUPS = [
    ([["phone", "laptop"]], "Send a JSON object"),
    ({"synchronize": [["phone", "nobody"]]}, "no device 'nobody'"),
    ({"stop-synchronize": ["nobody"]}, "no device 'nobody'"),
    ({"synchronize": [["phone", "airwaves-website"]]}, "the website's own"),
    ({"synchronize": ["phone", "laptop"]}, "list of lists"),
    ({"synchronize": [["phone", 7]]}, "list of lists"),
    ({"stop-synchronize": "phone"}, "list of device ids"),
    ({"synchronize": [["phone", "../x"]]}, "is not a device id"),
    ({"synchronize": [["phone", "laptop"]], "stop-synchronize": ["phone"]}, "both"),
    ({"synchronise": [["phone", "laptop"]]}, "Unknown key"),
    ({"synchronize": [["phone"] * 101]}, "at most 100"),
]


@pytest.mark.parametrize(("body", "message"), BAD_GROUPS)
def test_bad_group_requests_are_refused_and_change_nothing(api, split, podcast, body, message):
    push(api, "phone", add=[FEED])
    before = SubscriptionChange.objects.count()
    response = api.post(GROUPS, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Device.objects.filter(sync_group__isnull=False).exists()
    assert SubscriptionChange.objects.count() == before
    assert api.get(subs("laptop")).json()["add"] == []


def test_another_users_device_cannot_join_a_group(api, split, bob):
    Device.objects.create(user=bob, uid="bobs-phone")
    response = api.post(GROUPS, {"synchronize": [["phone", "bobs-phone"]]})
    assert response.status_code == 400
    assert not Device.objects.filter(sync_group__isnull=False).exists()


@pytest.mark.parametrize("body", [b"{not json", b"", b"[" * 10_000 + b"]" * 10_000])
def test_malformed_and_too_deep_bodies_are_refused(api, split, body):
    response = api.post(GROUPS, body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_merged_lists_refuse_to_stop_synchronising(api, alice):
    pull(api, "phone")
    response = api.post(GROUPS, {"stop-synchronize": ["phone"]})
    assert response.status_code == 400
    assert "One list for all devices" in response.json()["error"]


def test_splitting_keeps_every_list_and_the_changes_a_device_missed(api, alice, podcast, other):
    push(api, "phone", add=[FEED])
    since = pull(api, "laptop")["timestamp"]
    push(api, "phone", add=[OTHER_FEED])  # while merged, not yet seen by the laptop

    set_merged(alice, False)

    assert pull(api, "laptop", since)["add"] == [OTHER_FEED]
    assert api.get(subs("laptop")).json()["add"] == [FEED, OTHER_FEED]
    assert followed(alice) == {FEED, OTHER_FEED}


def test_merging_again_gives_every_device_the_whole_list(api, split, podcast, other):
    push(api, "phone", add=[FEED])
    push(api, "laptop", add=[OTHER_FEED])
    since = pull(api, "laptop")["timestamp"]

    set_merged(split, True)
    set_merged(split, True)  # twice is a no-op

    assert set(pull(api, "laptop", since)["add"]) == {FEED, OTHER_FEED}
    assert followed(split) == {FEED, OTHER_FEED}
    assert not DeviceSubscription.objects.exists()
    assert not SubscriptionChange.objects.filter(list_device__isnull=False).exists()
    assert api.get(GROUPS).json()["synchronized"] == [["phone", "laptop"]]


def test_the_simple_api_reads_and_replaces_a_device_list(api, split, podcast, other):
    push(api, "phone", add=[FEED])
    assert api.get("/subscriptions/alice/laptop.txt").content == b""
    response = api.client.put(
        "/subscriptions/alice/laptop.txt",
        f"{OTHER_FEED}\n",
        content_type="text/plain",
        **api.headers({}),
    )
    assert response.status_code == 200
    assert api.get("/subscriptions/alice/laptop.json").json() == [OTHER_FEED]
    assert api.get("/subscriptions/alice/phone.json").json() == [FEED]
    assert followed(split) == {FEED, OTHER_FEED}


@pytest.fixture
def website(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_the_settings_page_switches_the_setting(website, alice, podcast):
    Follow.objects.create(user=alice, podcast=podcast)
    Device.objects.create(user=alice, uid="phone")
    assert "One list for all devices (the default)" in website.get("/accounts/settings/").text

    response = website.post("/accounts/sync/device-lists", {"merged": "off"}, follow=True)
    assert "Each device has its own list" in response.text
    assert list(DeviceSubscription.objects.filter(device__uid="phone").values_list("url")) == [
        (FEED,)
    ]

    website.post("/accounts/sync/device-lists", {"merged": "on"})
    assert SyncAccount.objects.get(user=alice).merged_devices
    assert followed(alice) == {FEED}


def test_the_settings_page_refuses_a_bad_choice(website, alice):
    response = website.post("/accounts/sync/device-lists", {"merged": "maybe"}, follow=True)
    assert "Choose one list for all devices" in response.text
    assert not SyncAccount.objects.filter(user=alice, merged_devices=False).exists()
    assert Client().post("/accounts/sync/device-lists", {"merged": "off"}).status_code == 302


def test_device_updates_follow_the_device_list(api, split, podcast, other):
    Episode.objects.create(podcast=podcast, slug="e1", guid="g1", title="On the phone's list")
    Episode.objects.create(podcast=other, slug="e2", guid="g2", title="On the laptop's list")
    push(api, "phone", add=[FEED])
    push(api, "laptop", add=[OTHER_FEED])

    update = api.get("/api/2/updates/alice/phone.json", {"since": 0}).json()

    assert [p["url"] for p in update["add"]] == [FEED]
    assert [e["title"] for e in update["updates"]] == ["On the phone's list"]


def test_a_device_whose_group_partner_was_removed_is_alone(api, split, website, podcast):
    api.post(GROUPS, {"synchronize": [["phone", "laptop"]]})
    push(api, "phone", add=[FEED])
    laptop = Device.objects.get(user=split, uid="laptop")
    website.post(f"/accounts/sync/devices/{laptop.pk}/remove")

    assert api.get(GROUPS).json() == {"synchronized": [], "not-synchronized": ["phone"]}
    assert followed(split) == {FEED}
    assert api.get(subs("phone")).json()["add"] == [FEED]


def test_another_listeners_lists_are_untouched(api, split, bob, podcast):
    bobs = Device.objects.create(user=bob, uid="phone")
    set_merged(bob, False)
    push(api, "phone", add=[FEED])
    toggle_follow(split, podcast)  # unfollows on alice's website
    assert not DeviceSubscription.objects.filter(device=bobs).exists()
    assert not SubscriptionChange.objects.filter(user=bob).exists()


def test_since_is_exact_within_one_second_for_a_group(api, split, podcast, other, monkeypatch):
    """The clock held inside one second: the group change, an upload and a website
    follow after the laptop's answer each reach it once, in the next answer."""
    second = datetime(2026, 3, 4, 5, 6, 7, 100_000, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: second)
    push(api, "phone", add=[FEED])
    first = pull(api, "laptop", 1)
    api.post(GROUPS, {"synchronize": [["phone", "laptop"]]})
    toggle_follow(split, other)
    second_answer = pull(api, "laptop", first["timestamp"])
    third = pull(api, "laptop", second_answer["timestamp"])

    assert (first["add"], second_answer["add"], third["add"]) == ([], [FEED, OTHER_FEED], [])


@pytest.mark.django_db(transaction=True)
def test_two_devices_of_a_group_uploading_at_once(live_server, alice):
    """On SQLite too: no "database is locked", and both lists get every podcast."""
    api = Api()
    pull(api, "phone")
    pull(api, "tablet")
    set_merged(alice, False)
    api.post(GROUPS, {"synchronize": [["phone", "tablet"]]})
    errors: list[str] = []
    barrier = threading.Barrier(2)

    def device(uid: str) -> None:
        auth = {"Authorization": basic("alice", "password")}
        with httpx.Client(base_url=live_server.url, headers=auth, timeout=60) as app:
            barrier.wait()
            for batch in range(4):
                response = app.post(
                    f"/api/2/subscriptions/alice/{uid}.json",
                    json={"add": [f"https://{uid}.example/{batch}"]},
                )
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=device, args=(uid,)) for uid in ("phone", "tablet")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for uid in ("phone", "tablet"):
        assert len(api.get(subs(uid)).json()["add"]) == 8
    assert Follow.objects.filter(user=alice).count() == 8
