"""Sync benchmark: an app's first sync against the gPodder API, next to the same number
of bare inserts and selects in the same database (the limit no API can beat).

    .venv/bin/python bench/bench_sync.py                 # 5,000 actions, 500 subscriptions
    .venv/bin/python bench/bench_sync.py --actions 20000
    .venv/bin/python bench/bench_sync.py --per-device    # lists of their own, one sync group

Requests go through Django's whole stack (middleware, session cookie, JSON) in process,
without a socket; the database is a fresh SQLite file in a temporary data directory, or
PostgreSQL when DATABASE_URL is set (it must name an empty database the script may fill).

1. Upload: 500 subscriptions in one request, then the actions in batches of 30 as
   AntennaPod sends them; reference: bulk inserts of the same rows, 30 per transaction.
2. Download: the 500 subscriptions and every action with since=0; reference: selecting
   the same rows as tuples.

With --per-device the account has per-device lists and the phone and the laptop are one
sync group, so the subscriptions go to both lists (and the website's follows); then the
setting is switched on and off again with the 500 follows on three lists.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 30


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=5000)
    parser.add_argument("--subscriptions", type=int, default=500)
    parser.add_argument("--per-device", action="store_true")
    args = parser.parse_args()
    os.environ["AIRWAVES_DATA_DIR"] = tempfile.mkdtemp(prefix="airwaves-bench-sync-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")
    os.environ.setdefault("AIRWAVES_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import User
    from django.test import Client

    from airwaves.podcasts.models import Podcast

    feeds = [f"https://feeds{n % 40}.example/show-{n}.xml" for n in range(args.subscriptions)]
    Podcast.objects.bulk_create(
        [Podcast(feed_url=url, slug=f"show-{n}") for n, url in enumerate(feeds)]
    )
    user = User.objects.create_user("bench", password="bench password")
    reference_user = User.objects.create_user("reference")
    actions = [
        {
            "podcast": feeds[n % len(feeds)],
            "episode": f"https://media.example/{n % len(feeds)}/{n}.mp3",
            "guid": f"guid-{n}",
            "device": "phone",
            "action": "play",
            "timestamp": "2026-01-02T03:04:05",
            "started": 0,
            "position": n % 3600,
            "total": 3600,
        }
        for n in range(args.actions)
    ]

    client = Client()
    client.post("/api/2/auth/bench/login.json", HTTP_AUTHORIZATION=basic("bench", "bench password"))

    if args.per_device:
        from airwaves.sync.lists import set_merged

        set_merged(user, False)
        for device in ("phone", "laptop"):
            client.get(f"/api/2/subscriptions/bench/{device}.json")
        response = client.post(
            "/api/2/sync-devices/bench.json",
            json.dumps({"synchronize": [["phone", "laptop"]]}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content

    start = time.perf_counter()
    response = client.post(
        "/api/2/subscriptions/bench/phone.json",
        json.dumps({"add": feeds}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    subscribe = time.perf_counter() - start

    start = time.perf_counter()
    for first in range(0, len(actions), BATCH):
        response = client.post(
            "/api/2/episodes/bench.json",
            json.dumps(actions[first : first + BATCH]),
            content_type="plain/text",
        )
        assert response.status_code == 200, response.content
    upload = time.perf_counter() - start

    start = time.perf_counter()
    subs = client.get("/api/2/subscriptions/bench/laptop.json", {"since": 0}).json()
    got = client.get("/api/2/episodes/bench.json", {"since": 0}).json()
    download = time.perf_counter() - start
    assert len(subs["add"]) == len(feeds) and len(got["actions"]) == len(actions)

    switch = None
    if args.per_device:
        start = time.perf_counter()
        set_merged(user, True)
        set_merged(user, False)
        switch = time.perf_counter() - start

    bare_insert = reference_inserts(reference_user, actions)
    bare_select = reference_selects(reference_user, user)

    vendor = connection.vendor
    batches = -(-len(actions) // BATCH)
    lists = "per-device lists, one group of 2" if args.per_device else "one merged list"
    print(
        f"gPodder API first sync on {vendor} ({lists}): "
        f"{len(feeds)} subscriptions, {len(actions)} actions"
    )
    print(f"  subscribe to {len(feeds)} in one request    {subscribe * 1000:8.0f} ms")
    print(
        f"  upload in {batches} batches of {BATCH}         {upload * 1000:8.0f} ms"
        f"   {len(actions) / upload:7.0f} actions/s"
    )
    print(
        f"  bare inserts, {batches} transactions      {bare_insert * 1000:8.0f} ms"
        f"   {len(actions) / bare_insert:7.0f} rows/s   (API: {upload / bare_insert:.1f}×)"
    )
    print(f"  download subscriptions + actions      {download * 1000:8.0f} ms")
    print(
        f"  bare selects of the same rows         {bare_select * 1000:8.0f} ms"
        f"   (API: {download / bare_select:.1f}×)"
    )
    if switch is not None:
        print(f"  merge the lists, then split them again {switch * 1000:7.0f} ms")


def basic(username: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def reference_inserts(user, actions: list[dict]) -> float:
    from django.db import transaction

    from airwaves.listeners.models import EpisodeAction
    from airwaves.sync.timestamps import parse_timestamp

    start = time.perf_counter()
    for first in range(0, len(actions), BATCH):
        with transaction.atomic():
            EpisodeAction.objects.bulk_create(
                [
                    EpisodeAction(
                        user=user,
                        podcast_url=a["podcast"],
                        episode_url=a["episode"],
                        guid=a["guid"],
                        device=a["device"],
                        action=a["action"],
                        timestamp=parse_timestamp(a["timestamp"]),
                        started=a["started"],
                        position=a["position"],
                        total=a["total"],
                    )
                    for a in actions[first : first + BATCH]
                ]
            )
    return time.perf_counter() - start


def reference_selects(reference_user, user) -> float:
    from airwaves.listeners.models import EpisodeAction, Follow

    start = time.perf_counter()
    list(Follow.objects.filter(user=user).values_list("podcast__feed_url"))
    list(
        EpisodeAction.objects.filter(user=reference_user).values_list(
            "podcast_url", "episode_url", "guid", "device", "action", "timestamp", "position"
        )
    )
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
