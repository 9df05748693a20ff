"""The ways PostgreSQL reads the newest matches (engine._newest_ids_first): every match
from the GIN index, or down the primary key for a common word, or within the newest ids
for a rarer one, then below them when that read found too few. All must find the same
rows; which one runs is chosen from the index table's statistics (engine.reading), so
every test asks for the rows too."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from airwaves.search import engine
from airwaves.search.query import parse_query
from tests.search.helpers import make_episode, make_show

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'")


def newest(text: str, **filters) -> list[int]:
    parsed = parse_query(text)
    return engine.search(connection, "episode", parsed, engine.Filters(**filters), limit=50).ids


def reads_run(text: str) -> list[str]:
    """How the full index's candidates were read: what engine.reading chose from the
    statistics ("walked", "ranged" or "older"), then "older" again when PostgreSQL
    also read the matches below the first read (its one-time filter let it run)."""
    stats = engine._IndexStats.of(connection, "search_episode_doc")
    wanted = engine.CANDIDATES + 1 + (engine.CANDIDATES + 1) // 10
    chosen, _ = engine.reading(stats, stats.share(parse_query(text)) if stats else 0, wanted)
    with CaptureQueriesContext(connection) as queries:
        newest(text)
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    found = plan.split("CTE titled")[0]  # the full index's candidates come first
    if chosen == "older":
        assert "CTE first" not in found
        return [chosen]
    below = found.split("Subquery Scan on older")[1].split("One-Time Filter")[1]
    first_node = next(line for line in below.splitlines() if "->" in line)
    return [chosen] if "never executed" in first_node else [chosen, "older"]


def analyze() -> None:
    engine._IndexStats.forget()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_episode_doc")
        cursor.execute("ANALYZE search_episode_title_doc")


@pytest.fixture
def catalogue(monkeypatch):
    monkeypatch.setattr(engine, "CANDIDATES", 5)
    show = make_show("Kitchen")
    rows = {}
    for n in range(60):
        words = "toast marmalade" if n in (3, 41) else "toast"
        rows[n] = make_episode(show, f"Breakfast {n}", description=words).pk
    if connection.vendor == "postgresql":
        analyze()
    return rows


def test_a_common_and_a_rare_word_find_their_newest_matches(catalogue):
    assert newest("toast") == [catalogue[n] for n in range(59, 53, -1)]
    assert newest("marmalade") == [catalogue[41], catalogue[3]]
    assert newest("marmalade", language="en") == []  # the show has no language


@pytest.fixture
def jam(monkeypatch):
    """400 episodes; "jam" in the 30 oldest and in 5 of the newest 40. With every row a
    page its own cost (RECHECKS_A_PAGE), a range sized to hold the cap (6) at the rate
    the statistics give (35 in 400) is the newest 69 ids: it holds five, too few."""
    monkeypatch.setattr(engine, "CANDIDATES", 5)
    monkeypatch.setattr(engine, "RANGE_FACTOR", 1)
    monkeypatch.setattr(engine, "RECHECKS_A_PAGE", 10**9)
    show = make_show("Pantry")
    jams = set(range(30)) | {361, 370, 380, 390, 399}
    show.episodes.bulk_create(
        show.episodes.model(
            podcast=show,
            title=f"Breakfast {n}",
            slug=f"b{n}",
            guid=f"b{n}",
            description="jam toast" if n in jams else "toast",
        )
        for n in range(400)
    )
    ids = list(show.episodes.order_by("id").values_list("id", flat=True))
    if connection.vendor == "postgresql":
        analyze()
    return ids


def test_a_first_read_too_short_for_the_cap_is_followed_by_the_older_matches(jam):
    assert newest("jam") == [jam[n] for n in (399, 390, 380, 370, 361, 29)]
    assert newest("jam toast") == [jam[n] for n in (399, 390, 380, 370, 361, 29)]


@postgresql_only
def test_postgresql_reads_the_older_matches_only_when_the_first_read_is_short(jam, monkeypatch):
    # Walk or range by the rows a page the table's statistics give, which rows other
    # tests wrote and rolled back change: each is asked for here.
    monkeypatch.setattr(engine, "WALK_PAGES", 10**9)
    assert reads_run("jam") == ["walked", "older"]
    assert reads_run("toast") == ["walked"]
    assert newest("toast") == [jam[n] for n in range(399, 393, -1)]
    monkeypatch.setattr(engine, "WALK_PAGES", 10**-9)
    assert reads_run("jam") == ["ranged", "older"]
    assert newest("jam") == [jam[n] for n in (399, 390, 380, 370, 361, 29)]
    monkeypatch.setattr(engine, "CANDIDATES", 3)  # the newest 46 ids hold the 4 wanted
    assert reads_run("jam") == ["ranged"]
    assert newest("jam") == [jam[n] for n in (399, 390, 380, 370)]


@postgresql_only
def test_the_statistics_are_read_once_in_a_while(catalogue):
    engine._IndexStats.forget()
    with CaptureQueriesContext(connection) as first:
        newest("toast")
    with CaptureQueriesContext(connection) as again:
        newest("toast")
    assert any("pg_stats" in q["sql"] for q in first.captured_queries)
    assert not any("pg_stats" in q["sql"] for q in again.captured_queries)
    assert len(again.captured_queries) == 1


def stats(**freqs: float) -> engine._IndexStats:
    # ANALYZE's frequencies, then the lowest and the highest of them.
    values = list(freqs.values())
    return engine._IndexStats(1000, 10, 1, 1000, list(freqs), [*values, min(values), max(values)])


def test_a_share_is_the_product_of_its_words_and_a_prefix_the_sum_of_what_it_starts():
    kept = stats(living=0.04, light=0.02, lion=0.01)
    assert kept.share(parse_query("living light")) == pytest.approx(0.0008)
    assert kept.share(parse_query("living lig", prefix=True)) == pytest.approx(0.04 * 0.02)
    # living, light, lion; and a word ANALYZE did not keep is taken for half as common
    # as the rarest it kept.
    assert kept.share(parse_query("zebra li", prefix=True)) == pytest.approx(0.005 * 0.07)
    assert kept.share(parse_query("zebra")) == pytest.approx(0.005)
    assert kept.share(parse_query("living -light")) == pytest.approx(0.04)


def test_a_prefix_of_another_word_looked_for_adds_nothing():
    kept = stats(living=0.04, light=0.02)
    assert kept.share(parse_query("living liv", prefix=True)) == pytest.approx(0.04)
    assert kept.share(parse_query('"living room" li', prefix=True)) == pytest.approx(0.04 * 0.01)


def test_without_statistics_every_match_is_read():
    assert engine.reading(None, 0.5, 100) == ("older", 0)
    assert engine.reading(stats(toast=0.5), 0.0, 100) == ("older", 0)


def test_the_statistics_choose_a_walk_a_range_or_every_match():
    big = engine._IndexStats(1_000_000, 62_500, 1, 1_000_000, ["a"], [0.5, 0.5, 0.5])
    # A match every page or so: down the primary key, at most twice as far as the
    # cap's share of rows (2 × 1,100 / 0.05 = 44,000 ids).
    assert engine.reading(big, 0.05, 1100) == ("walked", 1_000_000 - 44_000 - 1)
    # Rarer: a range of the newest ids that should hold twice the cap.
    assert engine.reading(big, 0.01, 1100) == ("ranged", 1_000_000 - 220_000 - 1)
    # Few matches in all (a range's pages would cost more), or a range of half the index.
    assert engine.reading(big, 0.005, 1100)[0] == "older"
    assert engine.reading(big, 0.004, 1100)[0] == "older"
    # Sixty rows on one page: any range would be read whole.
    small = engine._IndexStats(60, 1, 1, 60, ["toast"], [1.0, 1.0, 1.0])
    assert engine.reading(small, 1.0, 6) == ("older", 0)


@postgresql_only
@pytest.mark.django_db(transaction=True)  # the other kinds are searched on other connections
def test_the_kinds_of_a_search_are_searched_side_by_side(client, monkeypatch):
    from airwaves.radio.models import Station

    show = make_show("Lantern Show")
    make_episode(show, "Lantern night")
    Station.objects.create(name="Lantern FM", slug="lantern-fm", url="https://r.example/s")
    threads = []
    search = engine.search

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return search(*args, **kwargs)

    monkeypatch.setattr(engine, "search", recorded)
    response = client.get("/search", {"q": "lantern"})

    assert [g.param for g in response.context["groups"]] == ["shows", "episodes", "stations"]
    assert len(threads) == 3
    assert sum(name.startswith("search") for name in threads) == 2


@postgresql_only
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
