from __future__ import annotations

import asyncio

import httpx
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
    assert int(refused["Retry-After"]) == 31
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Access-Control-Allow-Origin"] == "*"
    # Another address has its own allowance; a token has its own, wherever it comes from.
    assert Client(REMOTE_ADDR="192.0.2.9").get("/api/v1/categories").status_code == 200
    token_client = bearer(write_token)
    assert [token_client.get("/api/v1/me").status_code for _ in range(6)] == [200] * 5 + [429]
    # A token that is not one does not escape the address's limit; the next window
    # starts afresh.
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
