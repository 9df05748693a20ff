"""Store benchmark: the first store of one large feed (every episode new) in one
transaction, next to bare inserts of the same rows into a table without triggers or
foreign keys, written the way the store writes them (the floor no store can beat).

    .venv/bin/python bench/bench_store.py                  # 4,000 and 40,000 episodes
    .venv/bin/python bench/bench_store.py --episodes 10000

The database is a fresh SQLite file in a temporary data directory, or PostgreSQL when
DATABASE_URL is set (it must name an empty database the script may fill).

For each size: parse and process a generated feed (not timed), then in one transaction
store_feed (timed: "store"), read how many times the show's row was written, and
commit (timed: "commit": PostgreSQL checks the deferred foreign keys of every new row
then). The reference writes the same episodes' columns into a TEMP table made like
podcasts_episode (its columns; on PostgreSQL its indexes too), as the store does: one
COPY on PostgreSQL, one executemany on SQLite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def feed_xml(n: int) -> bytes:
    items = "".join(
        f"<item><title>Episode {i}: {escape('news & views')}</title>"
        f'<guid isPermaLink="false">bench-{i}</guid>'
        f"<pubDate>Wed, 15 Apr 2026 {i % 24:02d}:00:00 GMT</pubDate>"
        f"<description>Show notes of episode {i}, with a few words to index.</description>"
        f'<enclosure url="https://cdn.example.com/{i}.mp3" length="1000" type="audio/mpeg"/>'
        f"<itunes:duration>00:{i % 60:02d}:00</itunes:duration></item>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        "<channel><title>Bench Show</title><link>https://example.com/</link>"
        "<description>A large show.</description>"
        '<itunes:category text="Technology"/>' + items + "</channel></rss>"
    ).encode()


def show_row_writes(connection) -> int | None:
    """Row versions written to podcasts_podcast by this transaction (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'podcasts_podcast'"
        )
        return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, action="append")
    args = parser.parse_args()
    os.environ["AIRWAVES_DATA_DIR"] = tempfile.mkdtemp(prefix="airwaves-bench-store-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from airwaves.crawler.parse import parse_feed
    from airwaves.crawler.process import process_feed
    from airwaves.crawler.store import FeedMeta, episode_values, store_feed, stored_episodes
    from airwaves.podcasts.models import Episode, Podcast

    call_command("migrate", verbosity=0)
    print(f"First store of one feed on {connection.vendor}, one transaction")
    print(f"{'episodes':>9} {'store':>9} {'commit':>9} {'show row writes':>16} {'bare insert':>12}")
    for n in args.episodes or [4000, 40000]:
        feed = process_feed(parse_feed(feed_xml(n), url=f"https://feeds.example.com/{n}.xml"))
        url = f"https://feeds.example.com/{n}.xml"
        podcast = Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))
        stored = stored_episodes(podcast.pk)

        outer = transaction.atomic()
        outer.__enter__()
        try:
            before = show_row_writes(connection)
            start = time.perf_counter()
            result = store_feed(podcast.pk, feed, FeedMeta(), stored)
            store = time.perf_counter() - start
            after = show_row_writes(connection)
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
        start = time.perf_counter()
        outer.__exit__(None, None, None)  # the commit
        commit = time.perf_counter() - start
        assert result.new_episodes == n, result
        assert Podcast.objects.get(pk=podcast.pk).episode_count == n
        writes = "-" if before is None else f"{after - before:,}"
        bare = bare_insert(connection, transaction, Episode, podcast, feed, episode_values)
        print(f"{n:>9,} {store:>8.2f}s {commit:>8.2f}s {writes:>16} {bare:>11.2f}s")


def bare_insert(connection, transaction, Episode, podcast, feed, episode_values) -> float:
    """The same rows written as the store writes them (one COPY on PostgreSQL, one
    executemany on SQLite) into a table with the episode table's columns and indexes,
    and neither triggers nor foreign keys."""
    table = Episode._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_episode")
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMP TABLE bench_episode (LIKE {table} INCLUDING ALL)")
        else:
            cursor.execute(f"CREATE TEMP TABLE bench_episode AS SELECT * FROM {table} LIMIT 0")
    fields = [f for f in Episode._meta.concrete_fields if f is not Episode._meta.auto_field]
    rows = []
    for i, item in enumerate(feed.episodes):
        obj = Episode(podcast=podcast, guid=item.guid, slug=f"e-{i}", **episode_values(item))
        rows.append([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_episode ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO bench_episode ({columns}) VALUES ({marks})", rows)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
