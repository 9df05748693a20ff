"""The ways PostgreSQL reads the newest matches (engine._newest_ids_first): down the
primary key for a common word, from the GIN index within the newest ids for a rarer one,
then below them when that range held too few. All must find the same rows; which one
runs is chosen by a probe of the newest rows, so every test asks for the rows too."""

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


def reads_run(text: str) -> list[str]:
    """Which of the reads of engine._newest_ids_first PostgreSQL executed for the full
    index's candidates: "walked", "ranged", "older"."""
    with CaptureQueriesContext(connection) as queries:
        newest(text)
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The full index's candidates come before "CTE titled"; each read is gated by a
    # one-time filter, and the node under a filter that was false is "never executed".
    found = plan.split("CTE titled")[0]
    run = []
    for name in ("walked", "ranged", "older"):
        read = found.split(f"CTE {name}\n")[1].split("\n  CTE ")[0].split("One-Time Filter")[1]
        first_node = next(line for line in read.splitlines() if "->" in line)
        if "never executed" not in first_node:
            run.append(name)
    return run


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


@pytest.fixture
def compacted():
    """The index tables rewritten without the dead rows earlier tests' rolled-back
    inserts left (many pages of them: the walk's choice reads rows a page from the
    table's statistics, and would see a bloated table as a sparse one)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL search_episode_doc, search_episode_title_doc")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_postgresql_walks_for_a_common_word_and_gathers_a_rare_one(compacted, catalogue):
    assert reads_run("toast") == ["walked"]
    # Two matches in sixty rows: a range sized from them would be every id, so every
    # match is read from the GIN index alone.
    assert reads_run("marmalade") == ["older"]


@pytest.fixture
def jam(monkeypatch):
    """60 episodes; "jam" in five of the newest twenty and in the three oldest. With a
    probe of the newest twenty rows and a range sized to hold the cap (6) at the rate
    seen there, the range (24 ids) holds five matches: too few."""
    monkeypatch.setattr(engine, "CANDIDATES", 5)
    monkeypatch.setattr(engine, "PROBE_ROWS", 20)
    monkeypatch.setattr(engine, "RANGE_FACTOR", 1)
    show = make_show("Pantry")
    rows = {}
    for n in range(60):
        words = "jam toast" if n in (0, 1, 2, 50, 51, 52, 53, 54) else "toast"
        rows[n] = make_episode(show, f"Breakfast {n}", description=words).pk
    return rows


def test_a_range_of_ids_too_short_for_the_cap_is_followed_by_the_older_matches(jam):
    assert newest("jam") == [jam[n] for n in (54, 53, 52, 51, 50, 2)]
    assert newest("jam toast") == [jam[n] for n in (54, 53, 52, 51, 50, 2)]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_reads_the_older_matches_only_when_the_range_is_short(jam, monkeypatch):
    assert reads_run("jam") == ["ranged", "older"]
    monkeypatch.setattr(engine, "RANGE_FACTOR", 3)  # 72 ids: all of them
    assert reads_run("jam") == ["older"]
    assert newest("jam") == [jam[n] for n in (54, 53, 52, 51, 50, 2)]
    monkeypatch.setattr(engine, "CANDIDATES", 3)  # a range of 16 ids holds the 4 wanted
    monkeypatch.setattr(engine, "RANGE_FACTOR", 1)
    assert reads_run("jam") == ["ranged"]
    assert newest("jam") == [jam[n] for n in (54, 53, 52, 51)]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_reindex_leaves_the_ranges_of_ids_summarized():
    from airwaves.search import schema

    show = make_show("Long notes")
    words = " ".join(f"word{n}" for n in range(120))  # rows of 1 kB or so in the index
    show.episodes.bulk_create(
        show.episodes.model(
            podcast=show, title=f"Notes {n}", slug=f"n{n}", guid=f"n{n}", description=words
        )
        for n in range(1200)
    )

    schema.rebuild(connection, tables=(schema.BY_KIND["episode"],))

    # More than one range of 128 pages: written by the rebuild, they would be read whole
    # by every search until a vacuum summarized them.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size('search_episode_doc') / 8192")
        assert cursor.fetchone()[0] > 128
        cursor.execute("SELECT brin_summarize_new_values('search_episode_doc_id_range')")
        assert cursor.fetchone()[0] == 0
