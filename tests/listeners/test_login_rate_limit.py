"""Failed log-ins are limited per username from one address, per username from all
addresses, and per address, in the database; every way of logging in meets the same limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils import timezone
from lxml import html

from airwaves.listeners import ratelimit
from airwaves.listeners.models import Attempt

HOME = "198.51.100.7"  # where alice lives
ATTACKER = "203.0.113.66"


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS = 3
    settings.LOGIN_FAILURES_PER_USERNAME = 8
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW = 900


def log_in(client, username, password, address=HOME, url="/accounts/login/", **extra):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def message(response) -> str:
    return " ".join(html.fromstring(response.content).text_content().split())


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_it_refuses_even_the_right_password_after_too_many_failures(client, alice):
    for _ in range(3):
        log_in(client, "alice", "wrong")
    assert Attempt.objects.filter(action="pair", key=f"{HOME} alice").count() == 3

    response = log_in(client, "alice", "password")

    assert response.status_code == 429
    assert 800 < int(response["Retry-After"]) <= 900
    assert not logged_in(client)
    assert "Too many failed log-ins for this account from your network" in message(response)
    assert "paused for 15 minutes" in message(response)
    assert 'value="alice"' in response.content.decode()  # what was typed is kept


def test_a_refused_attempt_leaves_no_row(client, alice):
    for _ in range(3):
        log_in(client, "alice", "wrong")
    for _ in range(10):
        log_in(client, "alice", "wrong")
    assert Attempt.objects.filter(action="pair").count() == 3
    assert Attempt.objects.filter(action="username").count() == 3


def test_the_limit_counts_usernames_case_insensitively(client, alice):
    for name in ("alice", "ALICE", "Alice"):
        log_in(client, name, "wrong")
    assert "Too many failed log-ins" in message(log_in(client, "alice", "password"))


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(alice):
    attacker = Client()
    for _ in range(5):
        response = log_in(attacker, "alice", "guess", address=ATTACKER)
    assert "Too many failed log-ins for this account from your network" in message(response)

    owner = Client()
    assert log_in(owner, "alice", "password").status_code == 302
    assert logged_in(owner)
    # ... and the attacker is still refused, even with the right password.
    log_in(attacker, "alice", "password", address=ATTACKER)
    assert not logged_in(attacker)


def test_guessing_from_many_addresses_meets_the_usernames_ceiling(client, alice):
    for n in range(8):
        log_in(Client(), "alice", "guess", address=f"203.0.113.{n}")

    response = log_in(client, "alice", "password")

    assert not logged_in(client)
    assert "Too many failed log-ins for this account. To keep it safe" in message(response)


def test_an_address_guessing_many_usernames_is_limited(client, alice, bob):
    for n in range(5):
        log_in(client, f"user{n}", "guess")

    response = log_in(client, "bob", "another password")

    assert not logged_in(client)
    assert "Too many failed log-ins from your network" in message(response)
    # Another address is not affected.
    assert log_in(client, "bob", "another password", address="10.0.0.2").status_code == 302


def test_the_limit_is_shared_by_every_server_process(alice):
    # Another process is another client with no memory of this one: only the
    # database is shared.
    for _ in range(3):
        log_in(Client(), "alice", "wrong")
    fresh = Client()
    log_in(fresh, "alice", "password")
    assert not logged_in(fresh)


def test_failures_older_than_the_window_do_not_count(client, alice):
    old = timezone.now() - timedelta(seconds=901)
    Attempt.objects.bulk_create(
        [Attempt(action="pair", key=f"{HOME} alice", at=old) for _ in range(3)]
    )

    assert log_in(client, "alice", "password").status_code == 302
    # Writing new rows deletes the expired ones.
    log_in(Client(), "alice", "wrong")
    assert Attempt.objects.filter(at__lte=old).count() == 0


def test_a_successful_log_in_forgives_the_owners_own_failures_only(client, alice):
    log_in(Client(), "alice", "guess", address=ATTACKER)
    log_in(client, "alice", "wrong")
    log_in(client, "alice", "wrong")
    assert log_in(client, "alice", "password").status_code == 302

    assert not Attempt.objects.filter(action="pair", key=f"{HOME} alice").exists()
    # The attacker's failure still counts towards the ceiling and their own pair.
    assert list(Attempt.objects.filter(action="username").values_list("key", flat=True)) == [
        "alice"
    ]
    assert Attempt.objects.filter(action="pair", key=f"{ATTACKER} alice").count() == 1
    # The address's failures stay: one right password must not reset a guessing run.
    assert Attempt.objects.filter(action="address", key=HOME).count() == 2


def test_the_message_says_how_long_to_wait(client, alice):
    earlier = timezone.now() - timedelta(seconds=600)
    Attempt.objects.bulk_create(
        [Attempt(action="pair", key=f"{HOME} alice", at=earlier) for _ in range(3)]
    )
    assert "paused for 5 minutes" in message(log_in(client, "alice", "password"))


def test_the_admin_log_in_is_limited_by_the_same_counts(client, alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    log_in(client, "alice", "wrong")
    for _ in range(60):
        response = log_in(client, "alice", "wrong", url="/admin/login/")

    assert Attempt.objects.filter(action="pair").count() == 3
    assert "Too many failed log-ins for this account from your network" in message(response)
    log_in(client, "alice", "password", url="/admin/login/")
    assert not logged_in(client)
    # The owner elsewhere still gets into the admin.
    other = Client()
    assert log_in(other, "alice", "password", "10.0.0.2", url="/admin/login/").status_code == 302
    assert logged_in(other)


def test_check_login_is_the_hook_for_basic_auth(alice):
    request = RequestFactory().get("/api/", REMOTE_ADDR=ATTACKER)

    assert ratelimit.check_login(request, "alice", "password") == alice
    for _ in range(3):
        assert ratelimit.check_login(request, "alice", "wrong") is None

    refusal = ratelimit.check_login(RequestFactory().get("/", REMOTE_ADDR=ATTACKER), "alice", "x")
    assert isinstance(refusal, ratelimit.Refusal)
    assert refusal.action == "pair"
    assert 0 < refusal.retry_after <= 900
    assert "Too many failed log-ins" in refusal.message


def test_a_refusal_answers_one_call_only(alice, settings):
    request = RequestFactory().get("/api/", REMOTE_ADDR=ATTACKER)
    for _ in range(3):
        ratelimit.check_login(request, "alice", "wrong")
    assert isinstance(ratelimit.check_login(request, "alice", "wrong"), ratelimit.Refusal)
    settings.LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS = 10
    assert ratelimit.check_login(request, "alice", "wrong") is None
    assert ratelimit.check_login(request, "alice", "password") == alice


def test_check_login_takes_hostile_usernames(db):
    request = RequestFactory().get("/api/")
    assert ratelimit.check_login(request, "x" * 100_000, "password") is None
    assert ratelimit.check_login(request, "nul\x00name", "password") is None
    assert ratelimit.check_login(request, "", "") is None
    assert all(len(key) <= 255 for key in Attempt.objects.values_list("key", flat=True))


def test_authenticate_without_a_request_counts_against_the_username(alice):
    from django.contrib.auth import authenticate

    for _ in range(8):
        assert authenticate(None, username="alice", password="wrong") is None
    assert authenticate(None, username="alice", password="password") is None
    assert Attempt.objects.filter(action="username").count() == 8


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(alice, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    proxy = "10.0.0.1"
    attacker = Client()
    for n in range(5):
        log_in(attacker, f"user{n}", "guess", proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert "from your network" in message(
        log_in(attacker, "alice", "guess", proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    )
    # One attacker behind the proxy does not lock out everyone behind it.
    owner = Client()
    log_in(owner, "alice", "password", proxy, HTTP_X_FORWARDED_FOR=f"{ATTACKER}, {HOME}")
    assert logged_in(owner)
    assert set(Attempt.objects.filter(action="address").values_list("key", flat=True)) == {ATTACKER}


def test_a_user_created_with_the_default_backend_logs_in(client, db):
    User.objects.create_user("carol", password="a long listening passphrase")
    assert log_in(client, "carol", "a long listening passphrase").status_code == 302
