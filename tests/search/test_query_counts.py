"""A search page costs a fixed number of bounded SQL queries, whatever the catalogue's size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from airwaves.podcasts.models import Episode, Podcast
from airwaves.radio.models import Station

pytestmark = pytest.mark.django_db


def fill(rows: int, tag: str) -> None:
    """`rows` episodes, a tenth as many shows and stations, all matching "signal"."""
    shows = Podcast.objects.bulk_create(
        Podcast(title=f"Signal show {n}", slug=f"{tag}s{n}", feed_url=f"https://e.org/{tag}{n}")
        for n in range(max(1, rows // 10))
    )
    Episode.objects.bulk_create(
        Episode(podcast=shows[n % len(shows)], title=f"Signal {n}", slug=f"e{n}", guid=f"g{n}")
        for n in range(rows)
    )
    Station.objects.bulk_create(
        Station(
            name=f"Signal FM {n}",
            url=f"http://{tag}{n}.example.org/",
            url_key=f"{tag}{n}",
            slug=f"{tag}r{n}",
        )
        for n in range(max(1, rows // 10))
    )


def queries_for(client, path: str, params: dict) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/search", {"q": "signal"}),
        ("/search", {"q": "signal", "kind": "episodes"}),
        ("/search", {"q": "signal -show", "kind": "stations", "language": "en"}),
        ("/search/suggest", {"q": "sig"}),
    ],
)
def test_the_same_queries_for_ten_rows_and_a_thousand(client, path, params, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the view's own queries, both times
    fill(10, "a")
    # PostgreSQL's engine reads the index tables' statistics once every few minutes
    # (engine._IndexStats), a cost of no page in particular: read them first.
    queries_for(client, path, params)
    small = queries_for(client, path, params)
    fill(1000, "b")
    large = queries_for(client, path, params)

    # Per kind: ranked ids with their count, rows, snippets; and the category list.
    assert len(small) == len(large) <= 10
    # Every query over the index is bounded; counts stop at the cap.
    for sql in large:
        if "_fts" in sql or "_doc" in sql:
            assert "LIMIT" in sql or " IN (" in sql, sql


def test_counts_stop_at_the_cap(client, monkeypatch):
    from airwaves.search import engine

    monkeypatch.setattr(engine, "CANDIDATES", 100)
    fill(1000, "a")

    response = client.get("/search", {"q": "signal", "kind": "episodes"})

    assert response.context["groups"][0].count == 101
