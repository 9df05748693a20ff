"""Failed log-ins are limited per username and per client address, in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from lxml import html

from airwaves.listeners.models import Attempt


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW = 900


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def message(response) -> str:
    return " ".join(html.fromstring(response.content).text_content().split())


def test_it_refuses_even_the_right_password_after_too_many_failures(client, alice):
    for _ in range(3):
        log_in(client, "alice", "wrong")
    assert Attempt.objects.filter(action="username", key="alice").count() == 3

    response = log_in(client, "alice", "password")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Too many failed log-ins for this account" in message(response)
    assert "paused for 15 minutes" in message(response)


def test_the_limit_counts_usernames_case_insensitively(client, alice):
    for name in ("alice", "ALICE", "Alice"):
        log_in(client, name, "wrong")
    assert "Too many failed log-ins" in message(log_in(client, "alice", "password"))


def test_the_username_limit_holds_from_any_address(client, alice):
    for n in range(3):
        log_in(client, "alice", "wrong", address=f"10.0.0.{n}")
    response = log_in(client, "alice", "password", address="10.9.9.9")
    assert "_auth_user_id" not in client.session
    assert "Too many failed log-ins for this account" in message(response)


def test_an_address_guessing_many_usernames_is_limited(client, alice, bob):
    for n in range(5):
        log_in(client, f"user{n}", "guess")

    response = log_in(client, "bob", "another password")

    assert "_auth_user_id" not in client.session
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
    assert "_auth_user_id" not in fresh.session


def test_failures_older_than_the_window_do_not_count(client, alice):
    old = timezone.now() - timedelta(seconds=901)
    Attempt.objects.bulk_create([Attempt(action="username", key="alice", at=old) for _ in range(3)])

    assert log_in(client, "alice", "password").status_code == 302
    # Recording a new failure deletes the expired ones.
    log_in(Client(), "alice", "wrong")
    assert Attempt.objects.filter(at__lte=old).count() == 0


def test_a_successful_log_in_forgets_the_usernames_failures(client, alice):
    log_in(client, "alice", "wrong")
    log_in(client, "alice", "wrong")
    assert log_in(client, "alice", "password").status_code == 302

    assert not Attempt.objects.filter(action="username").exists()
    # The address's failures stay: one right password must not reset a guessing run.
    assert Attempt.objects.filter(action="address").count() == 2


def test_the_message_says_how_long_to_wait(client, alice):
    earlier = timezone.now() - timedelta(seconds=600)
    Attempt.objects.bulk_create(
        [Attempt(action="username", key="alice", at=earlier) for _ in range(3)]
    )
    assert "paused for 5 minutes" in message(log_in(client, "alice", "password"))
