"""A replay of what AntennaPod sends in gpodder.net mode, by hand, against the running
server: log-in with Basic and a `plain/text` body, then the session cookie alone; its
device, subscriptions and a first sync's actions in batches of 30 with -1 for unknown.
Only a 200 is success to AntennaPod, and it needs `update_urls` in every upload answer."""

from __future__ import annotations

import threading

import httpx
import pytest

from airwaves.listeners.models import EpisodeAction, Follow
from tests.sync.conftest import FEED, basic

pytestmark = pytest.mark.django_db(transaction=True)
PLAIN = {"Content-Type": "plain/text"}


def antennapod_action(i: int, device: str = "antennapod-1") -> dict:
    return {
        "podcast": FEED,
        "episode": f"https://cdn.example.org/{i}.mp3",
        "device": device,
        "action": "play" if i % 3 else "download",
        "timestamp": "2026-02-03T04:05:06",
        **({"started": -1, "position": i, "total": -1} if i % 3 else {}),
    }


def test_an_antennapod_session(live_server, alice, podcast):
    with httpx.Client(base_url=live_server.url) as app:
        login = app.post(
            "/api/2/auth/alice/login.json",
            content=b"",
            headers={**PLAIN, "Authorization": basic("alice", "password")},
        )
        assert login.status_code == 200
        assert "sessionid" in app.cookies

        # From here on AntennaPod sends the cookie and no password.
        assert app.get("/api/2/devices/alice.json").json() == []
        device = app.post(
            "/api/2/devices/alice/antennapod-1.json",
            content=b'{"caption": "AntennaPod on Pixel", "type": "mobile"}',
            headers=PLAIN,
        )
        assert device.status_code == 200

        first = app.get("/api/2/subscriptions/alice/antennapod-1.json", params={"since": 0})
        assert first.status_code == 200
        assert first.json()["add"] == [] and first.json()["remove"] == []

        upload = app.post(
            "/api/2/subscriptions/alice/antennapod-1.json",
            json={"add": [FEED], "remove": []},
        )
        assert upload.status_code == 200
        assert upload.json()["update_urls"] == []
        assert isinstance(upload.json()["timestamp"], int)

        actions = [antennapod_action(i) for i in range(95)]
        for start in range(0, len(actions), 30):
            batch = app.post("/api/2/episodes/alice.json", json=actions[start : start + 30])
            assert batch.status_code == 200, batch.text
            assert batch.json()["update_urls"] == []
            assert isinstance(batch.json()["timestamp"], int)

        download = app.get("/api/2/episodes/alice.json", params={"since": 0})
        assert download.status_code == 200
        assert len(download.json()["actions"]) == 95

    assert Follow.objects.filter(user=alice, podcast=podcast).exists()
    plays = EpisodeAction.objects.filter(action="play")
    assert plays.count() == 63
    assert not plays.filter(started__isnull=False).exists()  # -1 is "unknown"


def test_two_devices_uploading_at_once(live_server, alice, podcast):
    """On SQLite too: no "database is locked", nothing lost."""
    errors: list[str] = []
    barrier = threading.Barrier(2)

    def device(uid: str) -> None:
        auth = {"Authorization": basic("alice", "password")}
        with httpx.Client(base_url=live_server.url, headers=auth, timeout=60) as app:
            barrier.wait()
            for batch in range(6):
                actions = [antennapod_action(batch * 30 + i, uid) for i in range(30)]
                for response in (
                    app.post("/api/2/episodes/alice.json", json=actions),
                    app.post(
                        f"/api/2/subscriptions/alice/{uid}.json",
                        json={"add": [f"https://{uid}.example/{batch}"]},
                    ),
                ):
                    if response.status_code != 200:
                        errors.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=device, args=(uid,)) for uid in ("phone", "tablet")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert EpisodeAction.objects.count() == 2 * 6 * 30
    assert Follow.objects.filter(user=alice).count() == 12
