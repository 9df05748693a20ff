"""Search benchmark: /search and /search/suggest next to the bare full-text query.

Run on a filled catalogue (bench/catalogue.py, 1,000,000 episodes), on the database the
environment configures (AIRWAVES_DATA_DIR for SQLite, DATABASE_URL for PostgreSQL):

    AIRWAVES_DATA_DIR=/tmp/bench .venv/bin/python bench/search.py [--queries 200]

Queries are made from the catalogue itself (words of random episodes' titles, so every
query finds something): one word, two words of one title, and typeahead prefixes (a
word and the start of the next, or the first 2–4 letters of a word). Each is timed as
the whole page through Django's test client (middleware, every engine query, rows,
snippets, template), and next to it the reference: the bare full-text query on the
same index, the twenty best episodes by the engine's own ranking and nothing else
(SQLite: FTS5 `ORDER BY rank`; PostgreSQL: ts_rank over the GIN match). Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")
    os.environ.setdefault("AIRWAVES_ALLOWED_HOSTS", "testserver")
    # The engine's cost on every request: a query drawn twice would come from the cache.
    os.environ.setdefault("AIRWAVES_PAGE_CACHE_SECONDS", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # creates and fills the index on first run
    from airwaves.clibase import ensure_static

    ensure_static()  # the pages' {% static %} names


def sample_titles(connection, n: int, rng: random.Random) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM podcasts_episode")
        top = cursor.fetchone()[0] or 0
        titles = []
        while len(titles) < n and top:
            cursor.execute(
                "SELECT title FROM podcasts_episode WHERE id >= %s ORDER BY id LIMIT 1",
                [rng.randint(1, top)],
            )
            row = cursor.fetchone()
            if row:
                titles.append(row[0])
    return titles


def workloads(titles: list[str], rng: random.Random) -> dict[str, list[str]]:
    one, two, prefix = [], [], []
    for title in titles:
        words = [w.lower() for w in re.findall(r"[^\W_]{3,}", title)] or ["show"]
        one.append(rng.choice(words))
        i = rng.randrange(len(words))
        two.append(" ".join(words[i : i + 2]) if i + 1 < len(words) else " ".join(words[:2]))
        word = rng.choice(words)
        if len(words) > 1 and rng.random() < 0.5:
            prefix.append(f"{words[0]} {words[1][: rng.randint(2, 4)]}")
        else:
            prefix.append(word[: rng.randint(2, 4)])
    return {"1 word": one, "2 words": two, "typeahead": prefix}


def timed(run: Callable[[str], object], queries: list[str]) -> list[float]:
    run(queries[0])  # warm the page cache and the connection
    times = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        times.append((time.perf_counter() - started) * 1000)
    return times


def p(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=200, help="per workload")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    setup()
    from django.db import connection
    from django.test import Client

    from airwaves.search.query import parse_query

    rng = random.Random(args.seed)
    client = Client()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM podcasts_episode")
        episodes = cursor.fetchone()[0]
    print(f"{connection.vendor}: {episodes:,} episodes, {args.queries} queries per workload")

    def page(path: str) -> Callable[[str], object]:
        def run(query: str) -> object:
            response = client.get(path, {"q": query})
            assert response.status_code == 200, response.status_code
            return response

        return run

    def bare(prefix: bool) -> Callable[[str], object]:
        def run(query: str) -> object:
            parsed = parse_query(query, prefix=prefix)
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    cursor.execute(
                        "SELECT rowid FROM search_episode_fts WHERE search_episode_fts "
                        "MATCH %s ORDER BY rank LIMIT 20",
                        [parsed.to_fts5()],
                    )
                else:
                    cursor.execute(
                        "SELECT id FROM search_episode_doc, to_tsquery('simple', %s) q "
                        "WHERE document @@ q ORDER BY ts_rank(document, q) DESC LIMIT 20",
                        [parsed.to_tsquery()],
                    )
                return cursor.fetchall()

        return run

    loads = workloads(sample_titles(connection, args.queries, rng), rng)
    print(f"{'workload':<11} {'what':<34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, queries in loads.items():
        typeahead = name == "typeahead"
        rows = [
            ("bare FTS query (reference)", bare(typeahead)),
            (
                "/search/suggest" if typeahead else "/search page",
                page("/search/suggest" if typeahead else "/search"),
            ),
        ]
        for what, run in rows:
            times = timed(run, queries)
            print(
                f"{name:<11} {what:<34} {p(times, 50):>8.1f} {p(times, 95):>8.1f} "
                f"{max(times):>8.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
