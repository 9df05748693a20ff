"""The settings API, sync groups (all of an account's devices share one list), and the
secret sync address (a token as the user name, off by default)."""

from __future__ import annotations

import pytest
from django.test import Client
from lxml import html
from mygpoclient import api as gpo

from airwaves.listeners.models import Follow
from airwaves.sync.account import turn_off_secret_address, turn_on_secret_address
from airwaves.sync.models import Device, SyncSetting
from tests.sync.conftest import FEED, MEDIA, Api

SETTINGS = "/api/2/settings/alice"


def test_settings_are_set_merged_and_removed_per_scope(api):
    url = f"{SETTINGS}/account.json"
    assert api.get(url).json() == {}
    api.post(url, {"set": {"public": False, "theme": "dark"}})
    assert api.post(url, {"set": {"theme": "light"}, "remove": ["public"]}).json() == {
        "theme": "light"
    }
    assert api.get(url).json() == {"theme": "light"}

    episode = {"podcast": FEED, "episode": MEDIA}
    api.client.post(
        f"{SETTINGS}/episode.json?podcast={FEED}&episode={MEDIA}",
        '{"set": {"rating": 5}}',
        content_type="application/json",
        HTTP_AUTHORIZATION=api.auth,
    )
    assert api.get(f"{SETTINGS}/episode.json", episode).json() == {"rating": 5}
    assert api.get(f"{SETTINGS}/podcast.json", {"podcast": FEED}).json() == {}


@pytest.mark.parametrize(
    ("url", "body", "message"),
    [
        (f"{SETTINGS}/planet.json", {"set": {}}, "Unknown scope"),
        (f"{SETTINGS}/device.json?device=a b", {"set": {}}, "device id"),
        (f"{SETTINGS}/podcast.json", {"set": {}}, "needs the podcast parameter"),
        (f"{SETTINGS}/podcast.json?podcast=file:///x", {"set": {}}, "not an http(s) URL"),
        (f"{SETTINGS}/account.json", {"set": []}, "'set' must be an object"),
        (f"{SETTINGS}/account.json", {"put": {}}, "JSON object"),
        (f"{SETTINGS}/account.json", {"set": {"k" * 101: 1}}, "at most 100"),
        (f"{SETTINGS}/account.json", {"set": {"big": "x" * 70_000}}, "at most 64 KiB"),
    ],
)
def test_bad_settings_are_refused_and_nothing_stored(api, url, body, message):
    response = api.post(url, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not SyncSetting.objects.exclude(data={}).exists()


def test_every_device_is_in_one_sync_group(api, alice):
    Device.objects.create(user=alice, uid="phone")
    assert api.get("/api/2/sync-devices/alice.json").json() == {
        "synchronized": [],
        "not-synchronized": ["phone"],
    }
    Device.objects.create(user=alice, uid="laptop")
    answer = api.post("/api/2/sync-devices/alice.json", {"synchronize": [["phone", "laptop"]]})
    assert answer.json() == {"synchronized": [["phone", "laptop"]], "not-synchronized": []}

    refused = api.post("/api/2/sync-devices/alice.json", {"stop-synchronize": ["phone"]})
    assert refused.status_code == 400
    assert "shares one subscription list" in refused.json()["error"]


def test_the_secret_address_is_off_by_default(alice):
    assert Api("awt-guess", "x").get("/api/2/devices/awt-guess.json").status_code == 401


def test_the_secret_token_works_as_the_user_name_until_turned_off(alice, podcast):
    token = turn_on_secret_address(alice)
    app = Api(token, "anything")

    assert (
        app.post(f"/api/2/subscriptions/{token}/desktop.json", {"add": [FEED]}).status_code == 200
    )
    assert Follow.objects.get(user=alice).podcast == podcast
    assert app.get(f"/api/2/devices/{token}.json").json()[0]["id"] == "desktop"
    assert app.get("/api/2/devices/alice.json").status_code == 200

    turn_off_secret_address(alice)
    assert app.get(f"/api/2/devices/{token}.json").status_code == 401


def test_a_new_token_replaces_the_old(alice):
    old = turn_on_secret_address(alice)
    new = turn_on_secret_address(alice)
    assert Api(old, "x").get(f"/api/2/devices/{old}.json").status_code == 401
    assert Api(new, "x").get(f"/api/2/devices/{new}.json").status_code == 200


def test_a_token_opens_only_its_own_account(alice, bob):
    token = turn_on_secret_address(alice)
    assert Api(token, "x").get("/api/2/devices/bob.json").status_code == 403


def test_the_settings_page_turns_the_secret_address_on_and_off(alice):
    website = Client()
    website.force_login(alice)
    assert "Off." in website.get("/accounts/settings/").content.decode()

    shown = website.post("/accounts/sync/secret-address")
    token = html.fromstring(shown.content).xpath("//code[@class='secret-token']")[0].text
    assert Api(token, "x").get(f"/api/2/devices/{token}.json").status_code == 200

    website.post("/accounts/sync/secret-address", {"turn": "off"})
    assert Api(token, "x").get(f"/api/2/devices/{token}.json").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_gpodder_desktop_syncs_with_the_token_alone(live_server, alice, podcast):
    token = turn_on_secret_address(alice)
    client = gpo.MygPodderClient(token, "x", live_server.url)
    client.update_subscriptions("gpodder-desktop", add_urls=[FEED])
    assert client.pull_subscriptions("gpodder-desktop").add == [FEED]
