"""Logging in to the gPodder API: Basic on every request, or the session cookie
login.json sets; 401 with a Basic challenge otherwise; failed logins limited like the
website's; one listener never acting for another."""

from __future__ import annotations

import pytest
from django.test import Client

from airwaves.listeners.models import Attempt
from airwaves.sync.auth import new_app_password
from airwaves.sync.models import AppPassword, Device
from tests.sync.conftest import Api, basic

DEVICES = "/api/2/devices/alice.json"


def test_login_sets_a_session_cookie_that_works_alone(api):
    response = api.post("/api/2/auth/alice/login.json", b"", content_type="plain/text")

    assert response.status_code == 200
    assert response.cookies["sessionid"].value
    cookie_only = Api(password=None, client=api.client)
    assert cookie_only.get(DEVICES).status_code == 200


def test_basic_alone_works_on_every_request(alice):
    response = Api().get(DEVICES)
    assert response.status_code == 200
    assert response.json() == []
    assert "sessionid" not in response.cookies


def test_without_credentials_it_answers_401_with_a_basic_challenge(alice):
    response = Client().get(DEVICES)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Airwaves sync"'
    assert "Basic" in response.json()["error"]


@pytest.mark.parametrize(
    "header",
    ["Basic !!!", "Basic " + "YWxpY2U=", "Bearer abc", "Basic", basic("alice", "wrong")],
)
def test_bad_credentials_get_401(alice, header):
    response = Client().get(DEVICES, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_unknown_user_gets_401(db):
    assert Api("nobody", "password").get("/api/2/devices/nobody.json").status_code == 401


def test_logout_ends_the_session(api):
    api.post("/api/2/auth/alice/login.json")
    cookie_only = Api(password=None, client=api.client)
    assert cookie_only.post("/api/2/auth/alice/logout.json").status_code == 200
    assert cookie_only.get(DEVICES).status_code == 401


def test_failed_logins_are_rate_limited_like_the_website(alice, settings):
    settings.LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS = 2
    wrong = Api("alice", "wrong")
    assert wrong.post("/api/2/auth/alice/login.json").status_code == 401
    assert wrong.post("/api/2/auth/alice/login.json").status_code == 401

    refused = Api().post("/api/2/auth/alice/login.json")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many failed log-ins" in refused.json()["error"]
    assert Attempt.objects.filter(action="pair").count() == 2


def test_one_listener_cannot_use_anothers_addresses(api, bob):
    Device.objects.create(user=bob, uid="bobs-phone")

    for response in (
        api.get("/api/2/devices/bob.json"),
        api.post("/api/2/devices/bob/bobs-phone.json", {"caption": "mine now"}),
        api.get("/api/2/subscriptions/bob/bobs-phone.json"),
        api.post("/api/2/subscriptions/bob/bobs-phone.json", {"add": ["https://x.org/f"]}),
        api.get("/api/2/episodes/bob.json"),
        api.post("/api/2/episodes/bob.json", []),
        api.post("/api/2/auth/bob/login.json"),
    ):
        assert response.status_code == 403, response.content
        assert "another account" in response.json()["error"]
    assert Device.objects.get(user=bob).caption == ""
    assert not Device.objects.filter(user__username="alice").exists()


def test_a_session_for_one_user_does_not_open_anothers(api, bob):
    api.post("/api/2/auth/alice/login.json")
    cookie_only = Api(password=None, client=api.client)
    assert cookie_only.get("/api/2/devices/bob.json").status_code == 403


def test_an_app_password_works_instead_of_the_account_password(alice):
    password = new_app_password(alice, "AntennaPod")

    assert Api("alice", password).get(DEVICES).status_code == 200
    assert AppPassword.objects.get().last_used_at is not None
    assert password not in AppPassword.objects.get().digest
    assert Api("bob", password).get("/api/2/devices/bob.json").status_code == 401


def test_a_revoked_app_password_stops_working(alice):
    password = new_app_password(alice, "AntennaPod")
    AppPassword.objects.all().delete()
    assert Api("alice", password).get(DEVICES).status_code == 401


def test_wrong_methods_get_405(api):
    response = api.client.delete(DEVICES, HTTP_AUTHORIZATION=api.auth)
    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_a_right_basic_password_is_remembered_until_it_changes(alice, settings):
    Api().get(DEVICES)
    # From now on a real password check is refused: only a remembered one gets through.
    settings.LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS = 0
    assert Api().get(DEVICES).status_code == 200
    settings.LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS = 5

    alice.set_password("a new password")
    alice.save()

    assert Api().get(DEVICES).status_code == 401
    assert Api("alice", "a new password").get(DEVICES).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/2/no-such-thing.json",
        "/api/2/devices/alice.xml",
        "/api/2/episodes/alice/extra/parts.json",
        "/index.php/apps/gpoddersync/no_such_call",
        "/index.php/login/v3",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_addresses_under_the_apps_prefixes_get_a_json_404(db, path, method):
    # Without credentials and without a CSRF token: the answer is still JSON, not HTML.
    client = Client(enforce_csrf_checks=True)
    response = client.generic(method, path, b"{}", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "gPodder API v2 lives under /api/2/" in response.json()["error"]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/index.php/apps/gpoddersync/subscriptions", "GET"),
        ("/index.php/apps/gpoddersync/episode_action/create", "POST"),
        ("/index.php/login/v2", "POST"),
        ("/index.php/login/v2/poll", "POST"),
        ("/api/2/auth/alice/login.json", "POST"),
    ],
)
def test_wrong_methods_get_a_json_405_with_the_allowed_ones(api, path, allowed):
    response = api.client.put(path, b"{}", HTTP_AUTHORIZATION=api.auth)

    assert response.status_code == 405
    assert response["Allow"] == allowed
    assert response.json()["error"].startswith(f"Use {allowed}")
