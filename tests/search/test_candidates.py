"""The two ways PostgreSQL reads the newest matches (engine._newest): down the primary
key for a common word, from the GIN index for a rare one. Both must find the same rows;
which one runs is chosen from the planner's row count, so the tables are analyzed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from airwaves.search import engine
from airwaves.search.query import parse_query
from tests.search.helpers import make_episode, make_show

pytestmark = pytest.mark.django_db


def newest(text: str, **filters) -> list[int]:
    parsed = parse_query(text)
    return engine.search(connection, "episode", parsed, engine.Filters(**filters), limit=50).ids


def branch_run(text: str) -> str:
    """Which branch PostgreSQL executed for the full index's candidates."""
    with CaptureQueriesContext(connection) as queries:
        newest(text)
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The full index's candidates come before "CTE titled"; in them, the walk is the
    # branch gated by "One-Time Filter: $n", the gathering the one by "(NOT $n)".
    found = plan.split("CTE titled")[0]
    walk = found.split("One-Time Filter: (NOT")[0].rsplit("One-Time Filter: $", 1)[1]
    first_node = next(line for line in walk.splitlines() if "->" in line and "on probe" not in line)
    return "gather" if "never executed" in first_node else "walk"


@pytest.fixture
def catalogue(monkeypatch):
    monkeypatch.setattr(engine, "CANDIDATES", 5)
    show = make_show("Kitchen")
    rows = {}
    for n in range(60):
        words = "toast marmalade" if n in (3, 41) else "toast"
        rows[n] = make_episode(show, f"Breakfast {n}", description=words).pk
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_episode_doc")
            cursor.execute("ANALYZE search_episode_title_doc")
    return rows


def test_a_common_and_a_rare_word_find_their_newest_matches(catalogue):
    assert newest("toast") == [catalogue[n] for n in range(59, 53, -1)]
    assert newest("marmalade") == [catalogue[41], catalogue[3]]
    assert newest("marmalade", language="en") == []  # the show has no language


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_walks_for_a_common_word_and_gathers_a_rare_one(catalogue):
    assert branch_run("toast") == "walk"
    assert branch_run("marmalade") == "gather"
