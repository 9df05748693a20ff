"""Concurrent log-ins: however many wrong guesses arrive at once, at most the limit's worth
of passwords are checked. Real threads, each with its own database connection, against the
real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils.crypto import constant_time_compare

from airwaves.listeners.models import Attempt

GUESSES = 24


class CountingHasher(MD5PasswordHasher):
    """A real (fast) hasher that counts how often a password was hashed or verified: the
    work a guess costs the server, and what the limit must bound."""

    calls = 0
    lock = threading.Lock()

    @classmethod
    def count(cls) -> None:
        with cls.lock:
            cls.calls += 1

    def verify(self, password, encoded):
        self.count()
        # MD5's own verify() calls encode(): hash here without counting twice.
        salt = self.decode(encoded)["salt"]
        return constant_time_compare(encoded, MD5PasswordHasher.encode(self, password, salt))

    def encode(self, password, salt):
        self.count()
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    settings.LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS = 5
    settings.LOGIN_FAILURES_PER_USERNAME = 50
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    User.objects.create_user("alice", "alice@example.org", "password")
    CountingHasher.calls = 0
    return CountingHasher


def guess_at_once(url: str, n: int, username: str = "alice", address: str = "10.0.0.1"):
    barrier = threading.Barrier(n)

    def guess(i: int) -> int:
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                url,
                {"username": username, "password": f"wrong {i}"},
                REMOTE_ADDR=address,
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(guess, range(n)))


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_guesses_check_at_most_the_limit(counting_hasher):
    statuses = guess_at_once("/accounts/login/", GUESSES)

    # A checked wrong guess is answered 200 (the form again), a refused one 429.
    assert set(statuses) <= {200, 429}
    assert statuses.count(200) == counting_hasher.calls
    # Guesses arriving together may all be refused: the limit errs towards refusing.
    assert counting_hasher.calls <= 5
    # Every checked guess left its failure; refused ones left nothing.
    assert Attempt.objects.filter(action="pair").count() == counting_hasher.calls
    # One at a time, guesses are checked up to the limit and no further.
    for n in range(10):
        Client().post(
            "/accounts/login/",
            {"username": "alice", "password": f"again {n}"},
            REMOTE_ADDR="10.0.0.1",
        )
    assert counting_hasher.calls == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_guesses_at_the_admin_check_at_most_the_limit(counting_hasher):
    guess_at_once("/admin/login/", GUESSES)
    assert counting_hasher.calls <= 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_from_one_address_create_at_most_the_limit(settings):
    settings.SIGNUPS_PER_ADDRESS = 2
    barrier = threading.Barrier(12)

    def sign_up(i: int) -> int:
        try:
            barrier.wait(timeout=30)
            passphrase = "a long listening passphrase"
            return (
                Client()
                .post(
                    "/accounts/signup/",
                    {"username": f"user{i}", "password1": passphrase, "password2": passphrase},
                    REMOTE_ADDR="10.0.0.1",
                )
                .status_code
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(sign_up, range(12)))

    assert User.objects.count() == statuses.count(302) <= 2
    assert statuses.count(429) == 12 - User.objects.count()


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_from_many_addresses_stop_at_the_usernames_ceiling(counting_hasher):
    barrier = threading.Barrier(GUESSES)

    def guess(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            for n in range(3):
                Client().post(
                    "/accounts/login/",
                    {"username": "alice", "password": f"wrong {i} {n}"},
                    REMOTE_ADDR=f"203.0.113.{i}",
                )
        finally:
            connection.close()

    with ThreadPoolExecutor(GUESSES) as pool:
        list(pool.map(guess, range(GUESSES)))  # 72 guesses against a ceiling of 50

    assert counting_hasher.calls <= 50
    assert Attempt.objects.filter(action="username").count() == counting_hasher.calls
