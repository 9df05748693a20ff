from __future__ import annotations

from django.test import Client

from airwaves.api.models import ApiToken
from airwaves.api.tokens import MAX_TOKENS_PER_USER, create_token, digest_of
from airwaves.listeners.models import Favourite
from tests.api.conftest import bearer


def test_a_listener_makes_a_token_on_the_settings_page_and_revokes_it(alice, demo):
    client = Client()
    client.force_login(alice)
    settings_page = client.get("/accounts/settings/")
    assert b"API tokens" in settings_page.content
    made = client.post("/accounts/api-tokens/", {"name": "phone", "scope": "write"})
    assert made.status_code == 200
    assert made["Cache-Control"] == "private, no-store"
    token = made.context["token"]
    row = ApiToken.objects.get(user=alice)
    assert row.digest == digest_of(token) and token not in (row.digest, row.prefix)
    assert row.scope == "write" and row.name == "phone"
    assert bearer(token).get("/api/v1/me").json()["user"] == "alice"
    assert row.prefix.encode() in client.get("/accounts/settings/").content

    revoked = client.post(f"/accounts/api-tokens/{row.pk}/revoke")
    assert revoked.status_code == 302
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    refused = bearer(token).get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


def test_nobody_revokes_someone_elses_token(alice, bob):
    row, token = create_token(alice, "alice's", "read")
    client = Client()
    client.force_login(bob)
    client.post(f"/accounts/api-tokens/{row.pk}/revoke")
    assert ApiToken.objects.filter(pk=row.pk).exists()
    assert bearer(token).get("/api/v1/me").status_code == 200


def test_token_form_input_is_checked(alice):
    client = Client()
    client.force_login(alice)
    client.post("/accounts/api-tokens/", {"name": "x" * 101, "scope": "write"})
    client.post("/accounts/api-tokens/", {"name": "ok", "scope": "admin"})
    assert not ApiToken.objects.exists()
    for n in range(MAX_TOKENS_PER_USER):
        create_token(alice, f"t{n}", "read")
    client.post("/accounts/api-tokens/", {"name": "one too many", "scope": "read"})
    assert ApiToken.objects.filter(user=alice).count() == MAX_TOKENS_PER_USER
    assert Client().post("/accounts/api-tokens/", {"name": "a", "scope": "read"}).status_code == 302


def test_a_read_token_cannot_write(read_token, demo):
    episode = demo[0].episodes.first()
    answer = bearer(read_token).put(f"/api/v1/me/favourites/episodes/{episode.pk}")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "insufficient_scope"
    assert not Favourite.objects.exists()
    assert bearer(read_token).get("/api/v1/me/favourites/episodes").status_code == 200


def test_garbage_tokens_are_refused(demo):
    for header in [
        "Bearer nonsense",
        "Bearer aw_" + "x" * 500,
        "Bearer ",
        "Basic YTpi",
        "Bearer aw_\x00",
    ]:
        answer = Client(headers={"Authorization": header}).get("/api/v1/me")
        assert answer.status_code == 401, header
        assert answer.json()["error"]["code"] == "unauthorized"
    # Reads that need no account ignore a bad token.
    assert Client(headers={"Authorization": "Bearer x"}).get("/api/v1/shows").status_code == 200


def test_the_sites_session_writes_with_its_csrf_token(alice, demo):
    episode = demo[0].episodes.first()
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    refused = client.put(f"/api/v1/me/favourites/episodes/{episode.pk}")
    assert refused.status_code == 403
    assert not Favourite.objects.exists()
    client.get("/accounts/settings/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    done = client.put(
        f"/api/v1/me/favourites/episodes/{episode.pk}", headers={"X-CSRFToken": token}
    )
    assert done.status_code == 200
    assert Favourite.objects.filter(user=alice, episode=episode).exists()
    assert client.get("/api/v1/me/favourites/episodes").json()["items"][0]["id"] == episode.pk
