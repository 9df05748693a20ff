"""Database triggers that queue image URLs as they appear, whatever wrote them.

The crawler stores episodes with plain INSERT and UPDATE statements (no model signals),
and a catalogue of millions must not be scanned for new artwork on every job run. So
each watched column gets two triggers: after an INSERT with a non-empty URL, and after
an UPDATE that changes it, they add the URL to `artwork_queue`; the job reads that queue.

The triggers are removed before a `migrate` and installed again after it
(lib/triggers.py): PostgreSQL refuses to change the type of a column a trigger watches,
and SQLite drops a table's triggers when Django rebuilds the table (many ALTERs on
SQLite are a rebuild).
"""

from __future__ import annotations

from typing import NamedTuple

from django.db.backends.base.base import BaseDatabaseWrapper

from airwaves.lib.triggers import REGISTRY, RowTrigger, TriggerSet, statements


class WatchedColumn(NamedTuple):
    table: str
    column: str
    fit: str  # Artwork.Fit value for images found there


WATCHED = (
    WatchedColumn("podcasts_podcast", "image_url", "cover"),
    WatchedColumn("podcasts_episode", "image_url", "cover"),
    WatchedColumn("radio_station", "favicon", "contain"),
)
QUEUE_TABLE = "artwork_queue"


def _name(watched: WatchedColumn, event: str) -> str:
    return f"artwork_queue_{watched.table}_{event}"


def _triggers(watched: WatchedColumn) -> tuple[RowTrigger, RowTrigger]:
    table, column, fit = watched
    insert = f"INSERT INTO {QUEUE_TABLE} (url, fit) VALUES (NEW.{column}, '{fit}')"
    return (
        RowTrigger(_name(watched, "insert"), table, "INSERT", insert, f"NEW.{column} <> ''"),
        RowTrigger(
            _name(watched, "update"),
            table,
            f"UPDATE OF {column}",
            insert,
            f"NEW.{column} <> '' AND NEW.{column} {{distinct}} OLD.{column}",
        ),
    )


_ALL = [trigger for watched in WATCHED for trigger in _triggers(watched)]
TRIGGERS = TriggerSet(
    name="artwork",
    tables=(QUEUE_TABLE, *dict.fromkeys(w.table for w in WATCHED)),
    sqlite=statements("sqlite", *_ALL),
    postgresql=statements(
        "postgresql",
        # Before lib/triggers.py both triggers of a table called one function of its own.
        *(f"DROP FUNCTION IF EXISTS artwork_queue_{w.table}()" for w in WATCHED),
        *_ALL,
    ),
    migrate_without=frozenset({"sqlite", "postgresql"}),
)


def remove_triggers(connection: BaseDatabaseWrapper) -> None:
    REGISTRY.uninstall(connection, TRIGGERS.name)


def backfill_sql() -> list[str]:
    """Queues every image URL already in the catalogue (once, when the app is installed)."""
    return [
        f"INSERT INTO {QUEUE_TABLE} (url, fit) "
        f"SELECT DISTINCT {column}, '{fit}' FROM {table} WHERE {column} <> ''"
        for table, column, fit in WATCHED
    ]
