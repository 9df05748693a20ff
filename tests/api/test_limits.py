from __future__ import annotations

import asyncio

import httpx
import pytest
from django.test import Client

from airwaves.api import http
from airwaves.podcasts.models import Episode, Podcast
from tests.api.conftest import bearer


def test_requests_past_the_limit_get_429_with_retry_after(demo, write_token, settings, monkeypatch):
    monkeypatch.setattr(http, "clock", lambda: 1_800_000_030.0)  # mid-window
    settings.API_REQUESTS_PER_MINUTE = 3
    settings.API_TOKEN_REQUESTS_PER_MINUTE = 5
    anonymous = Client()
    statuses = [anonymous.get("/api/v1/categories").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = anonymous.get("/api/v1/categories")
    # The three answered leave the sliding minute 20 s into the next one (3 × 40/60 = 2).
    assert int(refused["Retry-After"]) == 50
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Access-Control-Allow-Origin"] == "*"
    # Another address has its own allowance; a token has its own, wherever it comes from.
    assert Client(REMOTE_ADDR="192.0.2.9").get("/api/v1/categories").status_code == 200
    token_client = bearer(write_token)
    assert [token_client.get("/api/v1/me").status_code for _ in range(6)] == [200] * 5 + [429]
    # A token that is not one does not escape the address's limit.
    assert (
        Client(headers={"Authorization": "Bearer aw_bogus"}).get("/api/v1/shows").status_code == 429
    )


def test_write_bodies_are_capped_before_django_reads_them(settings):
    """BodyLimit (serving.py) in front of the ASGI application, with the API's cap."""
    from airwaves.asgi import application

    cap = settings.REQUEST_MAX_BYTES_BY_PATH["/api/v1/"]
    assert application.limit_for("/api/v1/me/positions/1") == cap

    async def put(size: int) -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.put("/api/v1/me/positions/1", content=b"{" + b" " * size)

    refused = asyncio.run(put(cap + 1))
    assert refused.status_code == 413


def test_cursor_pages_are_stable_while_the_crawler_inserts(demo):
    show = max(demo, key=lambda s: s.episodes.count())
    ids = list(
        Episode.objects.filter(podcast=show)
        .order_by("-published_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert len(ids) >= 3
    client = Client()
    first = client.get(f"/api/v1/shows/{show.slug}/episodes?limit=2").json()
    assert [e["id"] for e in first["items"]] == ids[:2]
    # New episodes arrive at the top (and undated at the bottom) between two pages.
    newest = Episode.objects.filter(pk=ids[0]).values_list("published_at", flat=True)[0]
    for n in range(3):
        Episode.objects.create(
            podcast=show, slug=f"new-{n}", guid=f"new-{n}", title=f"New {n}", published_at=newest
        )
    Episode.objects.create(podcast=show, slug="undated", guid="undated", title="Undated")
    seen = [e["id"] for e in first["items"]]
    cursor = first["next"]
    while cursor:
        page = client.get(f"/api/v1/shows/{show.slug}/episodes?limit=2&cursor={cursor}").json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next"]
    undated = Episode.objects.get(podcast=show, slug="undated").pk
    assert seen == ids + [undated]  # nothing repeated, nothing skipped


def test_show_lists_page_to_the_end(demo):
    client = Client()
    for order in ("title", "new", "updated"):
        seen, cursor = [], None
        while True:
            url = f"/api/v1/shows?order={order}&limit=1" + (f"&cursor={cursor}" if cursor else "")
            body = client.get(url).json()
            seen += [s["id"] for s in body["items"]]
            cursor = body["next"]
            if not cursor:
                break
        listed = Podcast.objects.exclude(title="")
        if order == "updated":
            listed = listed.exclude(latest_episode_at=None)
        assert sorted(seen) == sorted(listed.values_list("pk", flat=True)), order
        assert len(seen) == len(set(seen))


class Clock:
    """The rate limit's clock, moved by the test: no test waits for a minute to pass."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def answered(client: Client, count: int) -> int:
    return sum(client.get("/api/v1/categories").status_code == 200 for _ in range(count))


def test_a_burst_across_a_minute_boundary_gets_the_limit_not_twice_it(db, settings, monkeypatch):
    clock = Clock(1_800_000_059.0)  # a second before a minute ends
    monkeypatch.setattr(http, "clock", clock)
    settings.API_REQUESTS_PER_MINUTE = 30
    client = Client()
    assert answered(client, 30) == 30
    clock.now = 1_800_000_061.0  # two seconds on, a new minute: 59/60 of the burst counts
    assert answered(client, 30) == 0
    clock.now = 1_800_000_090.0  # half the burst's minute is still inside the window
    assert answered(client, 30) == 30 // 2
    clock.now = 1_800_000_180.0  # two minutes on, nothing of it is left
    assert answered(client, 35) == 30


def test_retry_after_is_when_the_next_request_is_answered(db, settings, monkeypatch):
    clock = Clock(1_800_000_040.0)
    monkeypatch.setattr(http, "clock", clock)
    settings.API_REQUESTS_PER_MINUTE = 10
    client = Client()
    assert answered(client, 10) == 10
    clock.now = 1_800_000_070.0  # 10 s into the next minute: 10 × 50/60 still count
    assert answered(client, 1) == 1  # 8.3 + 1
    # Knocking while refused costs nothing: refused requests are not counted.
    for _ in range(50):
        refused = client.get("/api/v1/categories")
        assert refused.status_code == 429
    retry_after = int(refused["Retry-After"])
    assert 1 < retry_after < 60
    clock.now += retry_after - 1
    assert client.get("/api/v1/categories").status_code == 429
    clock.now += 1
    assert client.get("/api/v1/categories").status_code == 200


@pytest.mark.parametrize("limit", [1, 3, 60, 300])
def test_the_wait_computed_is_the_first_moment_a_request_fits(limit):
    """seconds_until_allowed against the sliding count itself, stepped a tenth of a
    second at a time through the rest of this minute and the next."""
    for previous in (0, 1, limit // 2, limit, 2 * limit):
        for current in {0, limit // 3, limit - 1, limit}:
            for elapsed in (0.0, 12.5, 59.9):
                if http.sliding_count(previous, current + 1, elapsed) <= limit:
                    continue  # it would be answered now
                wait = http.seconds_until_allowed(previous, current, elapsed, limit)
                step = 0.0
                while step < 2 * http.RATE_WINDOW:
                    at = elapsed + step
                    if at < http.RATE_WINDOW:
                        fits = http.sliding_count(previous, current + 1, at) <= limit + 1e-9
                    else:
                        fits = http.sliding_count(current, 1, at - http.RATE_WINDOW) <= limit + 1e-9
                    if fits:
                        break
                    step += 0.1
                assert step - 0.1 < wait <= step + 1e-6, (previous, current, elapsed, wait, step)
