"""Fills a database with a directory-sized catalogue, for the page benchmarks.

    .venv/bin/python bench/catalogue.py --shows 50000 --episodes 1000000 --big-show 20000
    .venv/bin/python bench/catalogue.py --shows 50000 --episodes 1000000 --postgres bench
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/catalogue.py

Writes into the database the environment configures (AIRWAVES_DATA_DIR for SQLite,
DATABASE_URL for PostgreSQL; `--postgres NAME` is DATABASE_URL set to
postgresql://postgres@127.0.0.1:5432/NAME), after running the migrations. Rows go in
with plain SQL in batches (executemany on SQLite, COPY on PostgreSQL), as the crawler
writes them: every column a page reads is filled, slugs are unique, and the counts the
pages read (episode_count, show_count, listed_shows, ...) are kept by the database's
own triggers, exactly as for crawled feeds. The search index is built once at the end,
as `airwaves reindex` builds it. A share of the episodes (--transcripts) has a fetched
transcript. Titles, authors and show notes are drawn
from a word list with a few rare words ("kernel", "mitochondria") so that full-text
search has something to find; categories come from the Apple Podcasts tree; dates
spread over ten years. The same --seed gives the same catalogue.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COMMON = """
the a of and in on with for about from how why what when your our my their this that
show talk story stories news week daily weekly life love money work home family music
science history culture tech code data design health food travel sport game games film
book books art city world people night morning radio voice voices mind body future
past modern classic open deep simple hidden inside outside between beyond across new
old big small good best great real true wild quiet loud slow fast little long short
interview conversation episode season chapter guide lesson lessons notes questions
answers ideas thinking building making learning teaching growing living running
writing reading listening watching cooking coding hacking playing winning losing
startup business market markets economy politics election policy law justice crime
climate ocean forest mountain river space planet stars moon sun energy power light
""".split()
RARE = [
    "kernel",
    "mitochondria",
    "quasar",
    "sourdough",
    "bioluminescence",
    "cryptography",
    "archipelago",
    "marathon",
    "synthesizer",
    "volcano",
]
FIRST_NAMES = "Ada Alan Grace Linus Margaret Hussein Maria Chen Priya Omar Sofia Kenji Amara Lars Ines Tomás Zoe Ravi Nadia Felix".split()
LAST_NAMES = "Lovelace Turing Hopper Torvalds Hamilton Nasser Garcia Wei Patel Haddad Rossi Tanaka Okafor Nilsson Moreau Silva Novak Kumar Haddad Weber".split()
LANGUAGES = ["en"] * 12 + ["en-us", "en-gb", "de", "fr", "es", "pt-br", "it", "nl", "ja", "sv"]
YEARS = 10
# Episodes of any show but --big-show, so that the big show is the longest one.
MAX_EPISODES = 5_000


def words(rng: random.Random, n: int) -> list[str]:
    out = rng.choices(COMMON, k=n)
    if rng.random() < 0.02:  # one text in fifty holds a rare word
        out[rng.randrange(n)] = rng.choice(RARE)
    return out


def title(rng: random.Random, low: int = 3, high: int = 7) -> str:
    return " ".join(words(rng, rng.randint(low, high))).capitalize()


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def notes(rng: random.Random) -> tuple[str, str]:
    """Show notes as sanitized HTML and as the plain-text summary."""
    sentences = [" ".join(words(rng, rng.randint(6, 14))).capitalize() + "." for _ in range(3)]
    summary = " ".join(sentences)
    html = f"<p>{sentences[0]} {sentences[1]}</p><p>{sentences[2]}</p>"
    return html, summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shows", type=int, default=50_000)
    parser.add_argument("--episodes", type=int, default=1_000_000, help="in all, big show included")
    parser.add_argument("--big-show", type=int, default=0, help="one show with this many episodes")
    parser.add_argument(
        "--transcripts",
        type=float,
        default=0.02,
        help="share of episodes with a fetched transcript (some 400 words in timed lines)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=20_000, help="rows per statement batch")
    parser.add_argument(
        "--postgres", metavar="DB", help="postgresql://postgres@127.0.0.1:5432/DB instead"
    )
    return parser.parse_args(argv)


def setup_django(args: argparse.Namespace) -> None:
    if args.postgres:
        os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{args.postgres}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def tree_categories() -> list[tuple[int, int | None]]:
    """(category id, parent id) of every Apple category, made if missing."""
    from airwaves.podcasts.categories import tree_category, tree_paths

    return [(c.pk, c.parent_id) for c in (tree_category(path) for path in tree_paths())]


class Writer:
    """Batched inserts of rows given as dicts by column, in a fixed column order."""

    def __init__(self, connection, table: str, columns: list[str]):
        self.connection, self.table, self.columns = connection, table, columns
        self.rows: list[tuple] = []
        self.postgres = connection.vendor == "postgresql"

    def add(self, row: dict) -> None:
        self.rows.append(tuple(row[c] for c in self.columns))

    def flush(self) -> None:
        if not self.rows:
            return
        quote = self.connection.ops.quote_name
        names = ", ".join(quote(c) for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({names}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({names}) VALUES ({marks})", self.rows
                )
        self.rows.clear()


def model_columns(model, known: set[str]) -> tuple[list[str], dict]:
    """Every concrete column of the model but the auto primary key, and the values of
    those not in `known`: a column this script does not fill (the counts the triggers
    keep, or one a later migration adds) gets its field's default."""
    columns, defaults = [], {}
    for field in model._meta.concrete_fields:
        if field is model._meta.auto_field:
            continue
        if field.column not in known:
            if field.has_default():
                default = field.get_default()
                # A JSON column's default, as the driver takes it.
                is_json = isinstance(default, list | dict)
                defaults[field.column] = json.dumps(default) if is_json else default
            elif field.null:
                defaults[field.column] = None
            elif field.empty_strings_allowed and field.blank:
                defaults[field.column] = ""
            else:
                raise SystemExit(f"catalogue.py does not know how to fill {field.column}")
        columns.append(field.column)
    return columns, defaults


def adapt(value, postgres: bool):
    """Values as the database driver takes them: SQLite gets datetimes as Django
    stores them (UTC text), PostgreSQL takes aware datetimes."""
    if isinstance(value, datetime) and not postgres:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def write_transcripts(connection, rng: random.Random, args, started: float) -> int:
    """A fetched transcript (podcast:transcript, as the background job stores it) for a
    share of the episodes: lines of ten words, five seconds each."""
    from django.db import transaction

    from airwaves.podcasts.models import EpisodeFile

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM podcasts_episode ORDER BY id")
        episode_ids = [row[0] for row in cursor.fetchall()]
    chosen = sorted(rng.sample(episode_ids, int(len(episode_ids) * args.transcripts)))
    postgres = connection.vendor == "postgresql"
    now = datetime.now(UTC).replace(microsecond=0)
    values = {
        "episode_id": 0,
        "kind": "transcript",
        "url": "",
        "type": "text/vtt",
        "language": "en",
        "rel": "",
        "rank": 0,
        "status": "ok",
        "last_error": "",
        "error_count": 0,
        "lines": "[]",
        "text": "",
        "next_fetch_at": adapt(now + timedelta(days=30), postgres),
        "claimed_until": None,
        "fetched_at": adapt(now, postgres),
    }
    columns, defaults = model_columns(EpisodeFile, set(values))
    values.update(defaults)
    writer = Writer(connection, EpisodeFile._meta.db_table, columns)
    for episode_id in chosen:
        lines = [
            [5.0 * n, 5.0 * n + 5, " ".join(words(rng, 10)).capitalize() + "."]
            for n in range(rng.randint(30, 50))
        ]
        row = dict(values)
        row.update(
            episode_id=episode_id,
            url=f"https://transcripts.example.com/{episode_id}.vtt",
            lines=json.dumps(lines),
            text="\n".join(line[2] for line in lines),
        )
        writer.add(row)
        if len(writer.rows) >= args.batch // 10:
            with transaction.atomic():
                writer.flush()
    with transaction.atomic():
        writer.flush()
    return len(chosen)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    setup_django(args)
    from django.db import connection, transaction

    from airwaves.lib.slugs import slugify
    from airwaves.podcasts.models import RESERVED_SLUGS, Episode, Podcast

    rng = random.Random(args.seed)
    postgres = connection.vendor == "postgresql"
    if Podcast.objects.exists():
        raise SystemExit("the database already holds shows: use an empty one")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # A benchmark database: a crash may lose it, so it may be written faster.
            cursor.execute("PRAGMA synchronous=OFF")
    # The search index is built once, after the rows (as `airwaves reindex` does), not
    # row by row by its triggers: on PostgreSQL that took most of the time.
    from airwaves.search import schema

    schema.uninstall(connection)
    categories = tree_categories()
    by_parent: dict[int, list[int]] = {}
    tops = [pk for pk, parent in categories if parent is None]
    for pk, parent in categories:
        if parent is not None:
            by_parent.setdefault(parent, []).append(pk)

    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=365 * YEARS)
    shows = args.shows
    episodes_left = max(0, args.episodes - args.big_show)
    counts = [0] * shows
    if args.big_show and shows:
        counts[0] = args.big_show
    others = shows - 1 if args.big_show else shows
    base = args.big_show and 1
    # Episodes per show vary (a few long-running shows, many short ones) and add up.
    weights = [rng.paretovariate(1.2) for _ in range(others)]
    total_weight = sum(weights) or 1
    for n, weight in enumerate(weights):
        counts[base + n] = min(MAX_EPISODES, int(episodes_left * weight / total_weight))
    if episodes_left > others * MAX_EPISODES:
        raise SystemExit(f"more than {MAX_EPISODES} episodes a show: give more --shows")
    # What the cap and the rounding left over goes to the shows with room for it.
    short = episodes_left - sum(counts[base:])
    n = 0
    while short > 0 and others:
        if counts[base + n % others] < MAX_EPISODES:
            counts[base + n % others] += 1
            short -= 1
        n += 1

    print(f"{shows} shows, {sum(counts)} episodes ({connection.vendor})", flush=True)
    # 1. Shows, each with the crawler's columns as after a successful fetch.
    slugs: set[str] = set(RESERVED_SLUGS)
    show_rows: list[dict] = []
    for n in range(shows):
        name = title(rng, 2, 5)
        if n == 0 and args.big_show:
            name = "The Long Running Show"
        slug = base_slug = slugify(name) or "podcast"
        k = 1
        while slug in slugs:
            k += 1
            slug = f"{base_slug}-{k}"
        slugs.add(slug)
        html, summary = notes(rng)
        host = f"feeds{n % 500}.example.com"
        created = start + timedelta(seconds=rng.randrange(365 * YEARS * 86400))
        show_rows.append(
            {
                "slug": slug,
                "feed_url": f"https://{host}/{slug}/feed.xml",
                "source": "feed",
                "title": name,
                "link": f"https://{host}/{slug}/",
                "description": html,
                "summary": summary,
                "author": person(rng),
                "owner_name": person(rng),
                "owner_email": f"owner{n}@example.com",
                "image_url": "",
                "language": rng.choice(LANGUAGES),
                "explicit": rng.random() < 0.1,
                "copyright": "",
                "podcast_guid": "",
                "category_id": None,
                "host": host,
                "claimed_until": None,
                "feed_interval": 86400,
                "first_error_at": None,
                "dead": False,
                "moved_to_id": None,
                "fetch_status": "ok",
                "last_fetched_at": now,
                "last_success_at": now,
                "error_count": 0,
                "last_error": "",
                "next_check_at": now + timedelta(seconds=rng.randrange(86400)),
                "etag": "",
                "last_modified": "",
                "content_hash": f"{n:064x}",
                "channel_hash": f"{n:032x}",
                "created_at": created,
                "updated_at": now,
            }
        )
    # The main category is a top-level one (as store.set_categories chooses); most
    # shows also name a subcategory of it, as feeds do with nested itunes:category.
    memberships: list[tuple[int, list[int]]] = []
    for row in show_rows:
        top = rng.choice(tops)
        chosen = [top]
        if by_parent.get(top) and rng.random() < 0.7:
            chosen.append(rng.choice(by_parent[top]))
        row["category_id"] = top
        memberships.append((top, chosen))
    columns, defaults = model_columns(Podcast, set(show_rows[0]) if show_rows else set())
    # One transaction per batch, as for the episodes: PostgreSQL's row trigger adds each
    # new show to one of 16 counter rows (podcasts_total), and a row updated many times in
    # one transaction keeps every version until it ends, so each update reads past all
    # the earlier ones. In one transaction, 500,000 shows took minutes per batch.
    writer = Writer(connection, Podcast._meta.db_table, columns)
    for row in show_rows:
        row = {**defaults, **row}
        writer.add({c: adapt(row[c], postgres) for c in columns})
        if len(writer.rows) >= args.batch:
            with transaction.atomic():
                writer.flush()
    with transaction.atomic():
        writer.flush()
    ids = dict(Podcast.objects.values_list("slug", "pk"))
    show_ids = [ids[row["slug"]] for row in show_rows]
    print(f"  shows written in {time.perf_counter() - started:.1f}s", flush=True)

    # In batches too: PostgreSQL's statement trigger looks each new row up in the
    # statement's new rows (`NOT IN (SELECT id FROM new_rows)`), a hashed lookup only
    # while they fit in work_mem, else a scan of them for every row.
    through = Podcast.categories.through
    writer = Writer(connection, through._meta.db_table, ["podcast_id", "category_id"])
    for pk, (_, chosen) in zip(show_ids, memberships, strict=True):
        for category_id in chosen:
            writer.add({"podcast_id": pk, "category_id": category_id})
        if len(writer.rows) >= args.batch:
            with transaction.atomic():
                writer.flush()
    with transaction.atomic():
        writer.flush()

    # 2. Episodes, show by show, in batches; dates spread from the show's creation to now.
    sample_html, sample_summary = notes(rng)
    episode_values = {
        "podcast_id": 0,
        "slug": "",
        "guid": "",
        "source_hash": "",
        "title": "",
        "link": "",
        "published_at": now,
        "description": sample_html,
        "summary": sample_summary,
        "author": "",
        "enclosure_url": "",
        "enclosure_type": "audio/mpeg",
        "enclosure_length": 0,
        "duration": 0,
        "image_url": "",
        "explicit": False,
        "season": None,
        "number": None,
        "episode_type": "full",
        "created_at": now,
        "updated_at": now,
    }
    columns, defaults = model_columns(Episode, set(episode_values))
    episode_values.update(defaults)
    written = 0
    writer = Writer(connection, Episode._meta.db_table, columns)
    span_end = now.timestamp()
    for pk, row, count in zip(show_ids, show_rows, counts, strict=True):
        if not count:
            continue
        first = row["created_at"].timestamp()
        step = (span_end - first) / count
        author = row["author"]
        for number in range(1, count + 1):
            name = title(rng)
            html, summary = notes(rng)
            published = datetime.fromtimestamp(first + step * (number - 0.5), UTC)
            values = dict(episode_values)
            values.update(
                podcast_id=pk,
                slug=f"{slugify(name) or 'episode'}-{number}",
                guid=f"{row['slug']}-{number}",
                source_hash=f"{number:032x}",
                title=name,
                link=f"{row['link']}episodes/{number}",
                published_at=adapt(published, postgres),
                description=html,
                summary=summary,
                author=author,
                enclosure_url=f"{row['link']}audio/{number}.mp3",
                enclosure_length=rng.randrange(5_000_000, 90_000_000),
                duration=rng.randrange(300, 7200),
                season=1 + number // 50 if rng.random() < 0.3 else None,
                number=number,
                created_at=adapt(published, postgres),
                updated_at=adapt(now, postgres),
            )
            writer.add(values)
            if len(writer.rows) >= args.batch:
                with transaction.atomic():
                    writer.flush()
                written += args.batch
                if written % 200_000 == 0:
                    print(
                        f"  {written} episodes in {time.perf_counter() - started:.0f}s",
                        flush=True,
                    )
    with transaction.atomic():
        writer.flush()
    transcripts = write_transcripts(connection, rng, args, started)
    print(f"  {transcripts} transcripts in {time.perf_counter() - started:.0f}s", flush=True)
    indexing = time.perf_counter()
    schema.rebuild(connection)
    print(f"  search index built in {time.perf_counter() - indexing:.0f}s", flush=True)
    with connection.cursor() as cursor:
        # The planner's statistics, as a database in use would have them.
        cursor.execute("VACUUM ANALYZE" if postgres else "ANALYZE")
    elapsed = time.perf_counter() - started
    print(f"catalogue written in {elapsed:.1f}s ({sum(counts) / elapsed:.0f} episodes/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
