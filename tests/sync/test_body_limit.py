"""Sync uploads larger than their cap are refused with 413 before Django reads them."""

from __future__ import annotations

import pytest

from tests.test_limits import MiB, call


@pytest.fixture
def app(db):
    from airwaves.asgi import application

    return application


@pytest.mark.parametrize(
    "path",
    [
        "/api/2/episodes/alice.json",
        "/api/2/sync-devices/alice.json",
        "/index.php/apps/gpoddersync/episode_action/create",
    ],
)
def test_a_huge_upload_gets_413_unread(app, path):
    size = 50 * MiB
    status, body, pulled, _ = call(
        app, path, [b"[" * 65536], headers=[(b"content-length", str(size).encode())]
    )

    assert status == 413
    assert body.startswith(b"Request body too large: this address accepts at most 8 MiB.")
    assert pulled == 0
