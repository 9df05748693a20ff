"""Accounts created and password-reset e-mails asked for are limited, in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone
from lxml import html

from airwaves.listeners.models import Attempt

PASSPHRASE = "a long listening passphrase"


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.SIGNUPS_PER_ADDRESS = 2
    settings.PASSWORD_RESETS_PER_ADDRESS = 4
    settings.PASSWORD_RESETS_PER_EMAIL = 2
    settings.ACCOUNT_LIMIT_WINDOW = 3600


def sign_up(username: str, address: str = "10.0.0.1"):
    # A new browser each time: a logged-in visitor is sent home before any limit applies.
    return Client().post(
        "/accounts/signup/",
        {"username": username, "password1": PASSPHRASE, "password2": PASSPHRASE},
        REMOTE_ADDR=address,
    )


def reset(client, email: str, address: str = "10.0.0.1"):
    return client.post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=address)


def message(response) -> str:
    return " ".join(html.fromstring(response.content).text_content().split())


def test_accounts_created_from_one_address_are_limited(db):
    assert sign_up("one").status_code == 302
    assert sign_up("two").status_code == 302

    response = sign_up("three")

    assert response.status_code == 429
    assert "Too many accounts were created from your network" in message(response)
    assert "wait 60 minutes" in message(response)
    assert 'value="three"' in response.content.decode()  # what was typed is kept
    assert not User.objects.filter(username="three").exists()
    # Another address is not affected.
    assert sign_up("three", address="10.0.0.2").status_code == 302


def test_failed_sign_ups_do_not_count(db):
    for _ in range(3):
        Client().post("/accounts/signup/", {"username": "x", "password1": "a", "password2": "b"})
    assert sign_up("one").status_code == 302


def test_the_sign_up_limit_lifts_when_the_window_has_passed(db):
    sign_up("one")
    sign_up("two")
    Attempt.objects.update(at=timezone.now() - timedelta(hours=1, seconds=1))
    assert sign_up("three").status_code == 302
    # Rows older than the window are deleted when a new one is written.
    assert Attempt.objects.count() == 1


def test_reset_emails_to_one_address_are_limited(client, alice):
    for _ in range(2):
        assert reset(client, "alice@example.org").status_code == 302
    assert len(mail.outbox) == 2

    response = reset(client, "ALICE@example.org", address="10.0.0.9")

    assert response.status_code == 429
    assert "Too many password-reset e-mails" in message(response)
    assert len(mail.outbox) == 2


def test_reset_requests_from_one_address_are_limited_whatever_the_email(client, alice):
    for n in range(4):
        assert reset(client, f"nobody{n}@example.org").status_code == 302
    response = reset(client, "alice@example.org")
    assert response.status_code == 429
    assert mail.outbox == []


def test_a_limit_of_zero_refuses_every_sign_up(db, settings):
    settings.SIGNUPS_PER_ADDRESS = 0
    response = sign_up("one")
    assert response.status_code == 429
    assert "wait 60 minutes" in message(response)
    assert not User.objects.exists()
