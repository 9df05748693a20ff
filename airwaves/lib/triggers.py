"""One mechanism for the database triggers that keep derived data in step with the
tables whatever writes the rows: the directory's counts (podcasts/triggers.py), the
search index (search/schema.py) and the artwork queue (artwork/triggers.py).

Each of them describes a TriggerSet: the tables it needs, and for each engine the SQL
that makes it, as plain statements (a RowTrigger writes a trigger of the same shape on
both engines once). The statements are read for what they create:
`CREATE [OR REPLACE] TRIGGER name … ON table`, `CREATE [OR REPLACE] FUNCTION name(args)`
(PostgreSQL) and `CREATE INDEX IF NOT EXISTS name`; any other statement (the search
index's own tables) must be safe to run again. Sets are registered from their app's
ready(); `install` runs once after every `migrate` and from `airwaves reindex`:

1. A set whose tables do not all exist yet is left for a later migrate.
2. A set whose triggers and indexes all exist, and whose statements' checksum is the one
   stored in `airwaves_triggers` when it was installed, is left alone (the usual case).
3. Otherwise, in one transaction: its triggers and functions are dropped, its statements
   run (an index only when missing: PostgreSQL refuses even CREATE INDEX IF NOT EXISTS
   on a table with trigger events pending in the transaction), the checksum is stored,
   and the set's `after_install` runs (the counts recount what moved while they were
   away).

`prepare` runs before a migrate that has work to do and drops the triggers of the sets
that ask for it on that engine (`migrate_without`): SQLite rebuilds a table for many
ALTERs, which drops that table's triggers and refuses to rename a table that another
table's trigger names; PostgreSQL refuses to change the type of a column a trigger
names (UPDATE OF, WHEN).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

VERSIONS = "airwaves_triggers"  # set name -> checksum of the statements installed

_TRIGGER = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s.*?\bON\s+(\w+)",
    re.IGNORECASE | re.DOTALL,
)
_FUNCTION = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(\w+\s*\([^)]*\))", re.IGNORECASE
)
_INDEX = re.compile(r"^\s*CREATE\s+INDEX\s+IF\s+NOT\s+EXISTS\s+(\w+)", re.IGNORECASE)


class Trigger(NamedTuple):
    name: str
    table: str


@dataclass(frozen=True)
class TriggerSet:
    name: str  # its key in airwaves_triggers
    tables: tuple[str, ...]  # installed once all of them exist
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]
    migrate_without: frozenset[str] = frozenset()  # engines: drop before a migrate
    after_install: Callable[[BaseDatabaseWrapper], None] | None = field(default=None, compare=False)

    def statements(self, vendor: str) -> tuple[str, ...]:
        if vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"triggers for {vendor}")
        return self.sqlite if vendor == "sqlite" else self.postgresql

    def triggers(self, vendor: str) -> list[Trigger]:
        return [Trigger(*m.groups()) for s in self.statements(vendor) if (m := _TRIGGER.match(s))]

    def functions(self, vendor: str) -> list[str]:
        """PostgreSQL functions, as DROP FUNCTION names them: `name(args)`."""
        return [m.group(1) for s in self.statements(vendor) if (m := _FUNCTION.match(s))]

    def indexes(self, vendor: str) -> list[str]:
        return [m.group(1) for s in self.statements(vendor) if (m := _INDEX.match(s))]

    def version(self, vendor: str) -> int:
        """A checksum of the SQL, stored when installed: changed SQL is installed again."""
        return zlib.crc32("\n".join(self.statements(vendor)).encode())


# What the engines spell differently in a row trigger's condition or body.
DIALECTS = {
    "sqlite": {"distinct": "IS NOT"},
    "postgresql": {"distinct": "IS DISTINCT FROM"},
}


class RowTrigger(NamedTuple):
    """One AFTER … FOR EACH ROW trigger written once for both engines: on SQLite a
    CREATE TRIGGER with the body inline, on PostgreSQL a plpgsql function of the same
    name and the trigger that calls it. `when` and `body` are templates: `{distinct}`
    becomes each engine's null-safe "differs from" (DIALECTS)."""

    name: str
    table: str
    event: str  # "INSERT", "UPDATE OF column", "DELETE", …
    body: str  # statements, ";"-separated, without the last ";"
    when: str = ""  # a condition on NEW/OLD without subqueries (PostgreSQL refuses them)

    def sql(self, vendor: str) -> tuple[str, ...]:
        words = DIALECTS[vendor]
        body, when = self.body.format(**words), self.when.format(**words)
        on = f"AFTER {self.event} ON {self.table}"
        if vendor == "sqlite":
            condition = f" WHEN {when}" if when else ""
            return (f"CREATE TRIGGER {self.name} {on}{condition} BEGIN {body}; END",)
        condition = f" WHEN ({when})" if when else ""
        return (
            f"CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {body}; RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER {self.name} {on} FOR EACH ROW{condition} "
            f"EXECUTE FUNCTION {self.name}()",
        )


def statements(vendor: str, *parts: str | RowTrigger) -> tuple[str, ...]:
    """One engine's statements from plain SQL and RowTriggers, in order."""
    return tuple(
        sql
        for part in parts
        for sql in (part.sql(vendor) if isinstance(part, RowTrigger) else (part,))
    )


class Registry:
    def __init__(self) -> None:
        self._sets: dict[str, TriggerSet] = {}

    def register(self, trigger_set: TriggerSet) -> None:
        """Adds a set (again: harmless, apps may be set up twice); two different sets
        under one name are a mistake."""
        known = self._sets.setdefault(trigger_set.name, trigger_set)
        if known != trigger_set:
            raise ValueError(f"another trigger set is registered as {trigger_set.name!r}")

    def __iter__(self):
        return iter(list(self._sets.values()))

    def get(self, name: str) -> TriggerSet:
        return self._sets[name]

    def install(self, connection: BaseDatabaseWrapper, only: Iterable[str] = ()) -> list[str]:
        """Installs every registered set (or those named in `only`) that is missing
        anything or whose SQL changed; returns the names of those it installed."""
        wanted = set(only)
        sets = [s for s in self if not wanted or s.name in wanted]
        if not sets:
            return []
        tables = set(connection.introspection.table_names())
        sets = [s for s in sets if set(s.tables) <= tables]
        if not sets:
            return []
        versions = _versions(connection)
        existing = existing_objects(connection)
        done = []
        for trigger_set in sets:
            vendor = connection.vendor
            names = {t.name for t in trigger_set.triggers(vendor)}
            names |= set(trigger_set.indexes(vendor))
            current = trigger_set.version(vendor)
            if names <= existing and versions.get(trigger_set.name) == current:
                continue
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                _drop(cursor, trigger_set, vendor)
                for sql in trigger_set.statements(vendor):
                    index = _INDEX.match(sql)
                    if index is None or index.group(1) not in existing:
                        cursor.execute(sql)
                cursor.execute(f"DELETE FROM {VERSIONS} WHERE name = %s", [trigger_set.name])
                cursor.execute(
                    f"INSERT INTO {VERSIONS} (name, version) VALUES (%s, %s)",
                    [trigger_set.name, current],
                )
                if trigger_set.after_install is not None:
                    trigger_set.after_install(connection)
            done.append(trigger_set.name)
        return done

    def prepare(self, connection: BaseDatabaseWrapper) -> None:
        """Before a migrate that has work to do: drops the triggers of the sets that
        must not be there while tables change on this engine."""
        tables = set(connection.introspection.table_names())
        with connection.cursor() as cursor:
            for trigger_set in self:
                if connection.vendor in trigger_set.migrate_without:
                    _drop(cursor, trigger_set, connection.vendor, tables)

    def uninstall(self, connection: BaseDatabaseWrapper, name: str) -> None:
        """Drops one set's triggers and functions (a migration going backwards)."""
        tables = set(connection.introspection.table_names())
        with connection.cursor() as cursor:
            _drop(cursor, self.get(name), connection.vendor, tables)

    def missing(self, connection: BaseDatabaseWrapper) -> list[str]:
        """Triggers and indexes of the installable sets that are not in the database."""
        tables = set(connection.introspection.table_names())
        existing = existing_objects(connection)
        names = []
        for trigger_set in self:
            if set(trigger_set.tables) <= tables:
                names += [t.name for t in trigger_set.triggers(connection.vendor)]
                names += trigger_set.indexes(connection.vendor)
        return [name for name in names if name not in existing]


REGISTRY = Registry()
register = REGISTRY.register


def existing_objects(connection: BaseDatabaseWrapper) -> set[str]:
    """The names of the triggers and indexes in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                " UNION SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index')")
        return {row[0] for row in cursor.fetchall()}


def _versions(connection: BaseDatabaseWrapper) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSIONS}"
            " (name varchar(100) PRIMARY KEY, version bigint NOT NULL)"
        )
        cursor.execute(f"SELECT name, version FROM {VERSIONS}")
        return dict(cursor.fetchall())


def _drop(cursor, trigger_set: TriggerSet, vendor: str, tables: set[str] | None = None) -> None:
    for trigger in trigger_set.triggers(vendor):
        if vendor == "postgresql":
            if tables is None or trigger.table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger.name} ON {trigger.table}")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger.name}")
    if vendor == "postgresql":
        for function in trigger_set.functions(vendor):
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}")


def before_migrate(sender, using: str = "default", plan=None, **kwargs) -> None:
    """pre_migrate: only a migrate with work to do may rebuild tables."""
    from django.db import connections

    if plan:
        REGISTRY.prepare(connections[using])


def after_migrate(sender, using: str = "default", **kwargs) -> None:
    from django.db import connections

    REGISTRY.install(connections[using])
