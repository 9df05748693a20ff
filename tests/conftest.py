"""Fixtures shared by the whole suite.

Browser tests drive Debian's Chromium through Playwright (scripts/test.sh installs it
with apt-get; Playwright's own browser download is not used): use `browser_page`, a
tab on the live server, and mark the test `browser` and `django_db(transaction=True)`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from airwaves.podcasts.models import Podcast
from tests.feedserver import FeedServer

CHROMIUM = os.environ.get("AIRWAVES_CHROMIUM", "/usr/bin/chromium")


def pytest_sessionstart(session) -> None:
    """Pages name static files by the hashed names of the manifest that `airwaves serve`
    collects at start-up: collect them once per run (a digest check when unchanged),
    before any test module can build the ASGI application, whose whitenoise reads the
    collected files once, when it is made (as under `serve`, which collects first)."""
    from airwaves.clibase import ensure_static

    ensure_static()


def delete_instead_of_truncate(original):
    """PostgreSQL's flush at the end of every transactional test: DELETE from each table
    instead of Django's one TRUNCATE of them all, which makes new files for every table
    and index and took 1.4-2.5 s a test here, against 20-40 ms for deleting the few rows
    a test leaves. Django's foreign keys on PostgreSQL are DEFERRABLE INITIALLY DEFERRED
    and the flush is one transaction, so the order of the deletes does not matter; the
    triggers fire as they do for SQLite's flush, which deletes too (the search index
    follows; the counts are made again by the post_migrate that follows the flush)."""

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return original(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            "SET CONSTRAINTS ALL DEFERRED;",
            *(
                f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
                for table in tables
            ),
        ]

    return sql_flush


@pytest.fixture(scope="session", autouse=True)
def quick_flush() -> Iterator[None]:
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            DatabaseOperations,
            "sql_flush",
            delete_instead_of_truncate(DatabaseOperations.sql_flush),
        )
        yield


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Every test starts with an empty cache (kept pages, generations): the file cache
    lives in the data directory and would outlast the test, and the database with it."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def quick_passwords(request, settings) -> None:
    """Argon2 (the site's hasher) takes up to a second a password on a busy test machine,
    and most tests sign someone up or in: they hash with MD5. A test of the real hasher
    is marked `real_passwords`."""
    if request.node.get_closest_marker("real_passwords") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def feed_server(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[FeedServer]:
    """A started FeedServer on 127.0.0.1, with private addresses allowed for fetches
    (both for code reading the environment and for code reading Django settings)."""
    monkeypatch.setenv("AIRWAVES_ALLOW_PRIVATE_URLS", "1")
    settings.ALLOW_PRIVATE_URLS = True
    with FeedServer() as server:
        yield server


def command_env(data_dir: Path) -> dict[str, str]:
    """The test run's environment for a command of its own: a SQLite database in
    `data_dir`, whatever database the run itself uses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(AIRWAVES_DATA_DIR=str(data_dir), AIRWAVES_ALLOW_PRIVATE_URLS="1")
    return env


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite database migrated once per run by `airwaves manage migrate`, for data
    directories to start from: the start-up under test is the site's, not migrate's."""
    data_dir = tmp_path_factory.mktemp("migrated")
    subprocess.run(
        [str(Path(sys.executable).parent / "airwaves"), "manage", "migrate", "-v0"],
        env=command_env(data_dir),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return data_dir / "airwaves.sqlite3"


@pytest.fixture
def demo(db) -> list[Podcast]:
    from airwaves.demo.load import load_demo

    return load_demo()


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice", "alice@example.org", "password")


# Module scope: Playwright's event loop must be gone before other modules' tests run
# (they call asyncio.run), and one browser per module keeps start-up cost low.
@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: run scripts/test.sh, which installs chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django then
    # refuses database calls (the test's set-up and flush) unless told it is safe.
    # It is: nothing else runs on that loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def watch_for_errors(page) -> list[str]:
    """The list that collects the tab's JavaScript errors and Content-Security-Policy
    violations (Chromium reports those on the console: "Refused to load…", or "Executing
    inline script violates the following Content Security Policy directive…"), for the
    test to assert empty at its end."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message) -> None:
        text = message.text
        if message.type == "error" and (
            "Refused to" in text or "Content Security Policy directive" in text
        ):
            errors.append(text)

    page.on("console", on_console)
    return errors


@pytest.fixture
def browser_page(browser, live_server):
    """A fresh browser tab whose relative URLs go to the live server; the test fails
    if the page raised a JavaScript error or broke its Content-Security-Policy."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch_for_errors(page)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors or CSP violations on the page: {errors}"
