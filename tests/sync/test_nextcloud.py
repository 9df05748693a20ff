"""The Nextcloud gpoddersync API and Login Flow v2, as AntennaPod's Nextcloud option
uses them: Basic on every request, an app password from the browser sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from airwaves.listeners.models import EpisodeAction, Follow
from airwaves.sync.models import AppPassword, Device, LoginFlow
from tests.sync.conftest import FEED, MEDIA, Api

BASE = "/index.php/apps/gpoddersync"


def sign_in(alice, agent="AntennaPod/3.5") -> tuple[str, dict]:
    """Runs Login Flow v2 from the app's side and the browser's; returns the app
    password and the poll answer."""
    app = Client(HTTP_USER_AGENT=agent)
    start = app.post("/index.php/login/v2").json()
    token = start["poll"]["token"]
    assert app.post("/index.php/login/v2/poll", {"token": token}).status_code == 404

    browser = Client()
    browser.force_login(alice)
    path = start["login"].removeprefix("http://testserver")
    page = browser.get(path)
    assert page.status_code == 200
    assert agent in page.content.decode()
    assert browser.post(path).status_code == 200

    polled = app.post("/index.php/login/v2/poll", {"token": token})
    assert polled.status_code == 200
    assert app.post("/index.php/login/v2/poll", {"token": token}).status_code == 404
    return polled.json()["appPassword"], polled.json()


def test_login_flow_hands_an_app_password_over_once(alice):
    password, polled = sign_in(alice)

    assert polled["loginName"] == "alice"
    assert polled["server"] == "http://testserver"
    assert AppPassword.objects.get().name == "AntennaPod/3.5"
    assert not LoginFlow.objects.exists()
    assert Api("alice", password).get(f"{BASE}/subscriptions").status_code == 200


def test_the_login_flow_start_answers_where_to_poll_and_where_to_log_in(db):
    start = Client().post("/index.php/login/v2").json()
    assert start["poll"]["endpoint"] == "http://testserver/index.php/login/v2/poll"
    assert start["login"].startswith("http://testserver/index.php/login/v2/flow/")
    assert start["poll"]["token"] not in LoginFlow.objects.get().poll_digest


def test_the_browser_step_asks_a_visitor_to_log_in_first(db):
    start = Client().post("/index.php/login/v2").json()
    path = start["login"].removeprefix("http://testserver")
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_expired_or_unknown_flow_is_404(alice):
    start = Client().post("/index.php/login/v2").json()
    LoginFlow.objects.update(created_at=timezone.now() - timedelta(hours=1))
    browser = Client()
    browser.force_login(alice)
    assert browser.get(start["login"].removeprefix("http://testserver")).status_code == 404
    assert browser.get("/index.php/login/v2/flow/nonsense").status_code == 404
    for token in ("", "x" * 500, start["poll"]["token"]):
        assert Client().post("/index.php/login/v2/poll", {"token": token}).status_code == 404


def test_another_listener_cannot_see_a_granted_flow(alice, bob):
    start = Client().post("/index.php/login/v2").json()
    path = start["login"].removeprefix("http://testserver")
    browser = Client()
    browser.force_login(alice)
    browser.post(path)
    other = Client()
    other.force_login(bob)
    assert other.get(path).status_code == 404
    assert other.post(path).status_code == 404
    assert AppPassword.objects.get().user == alice


def test_subscriptions_round_trip(api, podcast):
    upload = api.post(f"{BASE}/subscription_change/create", {"add": [FEED], "remove": []})
    assert upload.status_code == 200
    assert isinstance(upload.json()["timestamp"], int)
    assert Follow.objects.filter(podcast=podcast).exists()

    body = api.get(f"{BASE}/subscriptions", {"since": 0}).json()
    assert body["add"] == [FEED] and body["remove"] == []
    assert Device.objects.get().uid == "nextcloud"


def test_episode_actions_round_trip_in_upper_case_and_batches(api, alice, episode):
    password, _ = sign_in(alice)
    app = Api("alice", password)
    actions = [
        {
            "podcast": FEED,
            "episode": MEDIA,
            "guid": "guid-1",
            "action": "PLAY",
            "timestamp": "2026-01-01T10:00:00",
            "started": -1,
            "position": i,
            "total": -1,
        }
        for i in range(60)
    ]
    for start in (0, 30):
        response = app.post(f"{BASE}/episode_action/create", actions[start : start + 30])
        assert response.status_code == 200
        assert isinstance(response.json()["timestamp"], int)

    listed = app.get(f"{BASE}/episode_action", {"since": 0}).json()["actions"]
    assert len(listed) == 60
    assert {a["action"] for a in listed} == {"play"}
    device = Device.objects.get(uid__startswith="app-")
    assert device.caption == "AntennaPod/3.5"
    assert listed[0]["device"] == device.uid
    assert EpisodeAction.objects.filter(episode=episode).count() == 60


def test_nextcloud_needs_credentials(db):
    response = Client().get(f"{BASE}/subscriptions")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("subscription_change/create", {"add": "nope"}),
        ("episode_action/create", [{"podcast": FEED, "episode": MEDIA, "action": "eat"}]),
        ("episode_action/create", "{]"),
    ],
)
def test_bad_uploads_get_400_and_store_nothing(api, path, body):
    response = api.post(f"{BASE}/{path}", body)
    assert response.status_code == 400
    assert not EpisodeAction.objects.exists() and not Follow.objects.exists()
