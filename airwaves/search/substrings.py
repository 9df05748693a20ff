"""Substring search of station names, countries and tags, served by an index.

radio-browser's `name=`, `country=` and `tag=` (api/radiobrowser.py) match anywhere in the
value, as SQL's LIKE '%jazz%' does, which no B-tree index serves: each such search read
the whole stations table. Here each engine gets an index of the values' trigrams (every
run of three characters), which finds the rows holding a string of three characters or
more without reading the others:

- SQLite: an FTS5 table with the trigram tokenizer (case-insensitive), whose content is
  radio_station itself (nothing stored twice), kept by AFTER INSERT / UPDATE / DELETE
  triggers as schema.py's tables are; a quoted phrase in MATCH is a substring search.
- PostgreSQL: pg_trgm GIN indexes on UPPER(column), the expression Django's `icontains`
  and `iexact` compare, so the ORM's own lookups use them (pg_trgm 1.6 serves `=` too).
  A role that may not create the extension gets no index: searches still answer, by a scan.

A string shorter than three characters has no trigram: it is looked for by LIKE, a scan.
install() is idempotent and runs with schema.install() (the migration, `airwaves
reindex`). SQLite's table and triggers are a TriggerSet (lib/triggers.py), installed
through the registry and put back after every `migrate`, which may have dropped the
triggers with a rebuilt table. rebuild() refills the index.
"""

from __future__ import annotations

import logging

from django.db.models import Q
from django.db.models.expressions import RawSQL

log = logging.getLogger(__name__)

TABLE = "radio_station"
COLUMNS = ("name", "country", "tags")
FTS = "search_station_substrings_fts"
MIN_CHARS = 3  # a trigram's length
SET_NAME = "station-substrings"  # its name in the trigger registry (lib/triggers.py)


def trigger_set():
    """SQLite's part as a TriggerSet; PostgreSQL's indexes outlive a migrate by themselves."""
    from airwaves.lib.triggers import TriggerSet

    return TriggerSet(
        name=SET_NAME, tables=(TABLE,), sqlite=tuple(_sqlite_install()), postgresql=()
    )


def install(connection) -> None:
    """SQLite: through the trigger registry, the one path that installs (and after a
    migrate puts back) the set. PostgreSQL: the extension and its indexes."""
    if connection.vendor == "sqlite":
        from airwaves.lib.triggers import REGISTRY

        REGISTRY.install(connection, only=[SET_NAME])
    else:
        with connection.cursor() as cursor:
            _postgres_install(connection, cursor)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
        else:
            for column in COLUMNS:
                cursor.execute(f"DROP INDEX IF EXISTS station_{column}_trigrams")


def rebuild(connection) -> None:
    """Refills the SQLite index from the table (PostgreSQL's indexes need no refill)."""
    install(connection)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def _sqlite_install() -> list[str]:
    names = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in COLUMNS)
    delete = f"INSERT INTO {FTS}({FTS}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {FTS}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({names}, "
        f"content='{TABLE}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON {TABLE} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {TABLE} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE ON {TABLE} "
        f"WHEN {changed} BEGIN {delete} {insert} END",
    ]


def _postgres_install(connection, cursor) -> None:
    from django.db import DatabaseError, transaction

    try:
        # In a savepoint: a refusal must not abort the migration's transaction.
        with transaction.atomic(using=connection.alias):
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        log.warning(
            "pg_trgm could not be created (%s): radio-browser name, country and tag "
            "searches will read the whole stations table",
            exc,
        )
        return
    for column in COLUMNS:
        # fastupdate off: new rows go into the index at once, not into a pending list
        # that every search reads, and that makes the planner price the index above a
        # scan until a vacuum merges it. Stations are written rarely enough to afford it.
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS station_{column}_trigrams ON {TABLE} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops) WITH (fastupdate = off)"
        )


def station_match(connection, column: str, value: str, *, exact: bool = False) -> Q:
    """The stations whose `column` contains `value` (is it, with `exact`), ignoring case:
    a condition for Station.objects.filter()."""
    if column not in COLUMNS:
        raise ValueError(f"{column} is not indexed for substring search")
    plain = Q(**{f"{column}__{'iexact' if exact else 'icontains'}": value})
    if connection.vendor != "sqlite" or len(value) < MIN_CHARS:
        return plain
    phrase = '"' + value.replace('"', '""') + '"'
    ids = RawSQL(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", [f"{column} : {phrase}"])
    # The index finds the rows; `iexact` then keeps those that are the value whole.
    return Q(pk__in=ids) & plain if exact else Q(pk__in=ids)
