"""The search index: its tables and the triggers that keep it in step with every write.

The index follows the catalogue's own tables through database triggers, not Django
signals, because the crawler writes episodes with plain INSERT/UPDATE statements and bulk
paths skip signals: whatever writes a row (the ORM, raw SQL, another program), the index
changes in the same transaction.

- SQLite: one FTS5 table per kind, with external content (the catalogue's table is the
  content, so nothing is stored twice), and AFTER INSERT / UPDATE / DELETE triggers.
- PostgreSQL: one table per kind, `id` and a weighted `document` tsvector under a GIN
  index, filled by a trigger function. The function compares old and new values itself
  instead of naming columns in the trigger (UPDATE OF, WHEN), because a trigger that
  names a column stops other migrations from altering that column's type. TRUNCATE
  (Django's test flush) empties the index with a statement trigger.

Weights: A (title) > B (author, tags) > C (body). Each kind also has an index of its
titles alone (`search_<kind>_title_…`), which typeahead and the ranking read.
Transcripts (podcasts_episodefile.text) have an index of their own
(`search_transcript_…`, one row per file), searched next to the episode's
(engine.search), so a long transcript never outweighs a title and the episode's own
index stays as small as it was. Its triggers name only podcasts_episodefile and the
index: SQLite refuses to rename a table (Django's way to alter one) while a view or a
trigger names a table that is not there at that moment.

The tables and triggers are one TriggerSet (lib/triggers.py), installed from the
migration and after every `migrate`; install() is idempotent. rebuild() refills the
index from the tables (`airwaves reindex`). Both also look after the stations' substring
index (substrings.py).
"""

from __future__ import annotations

from typing import NamedTuple

from airwaves.lib.triggers import REGISTRY, TriggerSet

BODY_CHARS = 100_000  # PostgreSQL: a tsvector holds at most 1 MB; show notes rarely need more
# PostgreSQL: the part of a transcript indexed (about two hours of speech); the rest of a
# longer one is still shown on the episode's page.
TRANSCRIPT_CHARS = 200_000


class Column(NamedTuple):
    name: str
    weight: str  # A, B or C
    html: bool = False
    chars: int = BODY_CHARS  # PostgreSQL: how much of the text is indexed


class IndexedTable(NamedTuple):
    kind: str  # "podcast", "episode", "station"
    table: str  # the catalogue's table, the index's content
    columns: tuple[Column, ...]
    name: str  # of the index: the kind, or "<kind>_title"

    @property
    def fts(self) -> str:
        return f"search_{self.name}_fts"

    @property
    def doc(self) -> str:
        return f"search_{self.name}_doc"

    @property
    def titles(self) -> IndexedTable:
        """The index of the titles alone, for typeahead and for finding title matches
        (engine.search): its lists hold a few words per row instead of whole show
        notes, so a prefix or a title match is quick to look up."""
        return self._replace(columns=self.columns[:1], name=f"{self.kind}_title")


_FULL = (
    IndexedTable(
        "podcast",
        "podcasts_podcast",
        (
            Column("title", "A"),
            Column("author", "B"),
            Column("summary", "C"),
            Column("description", "C", html=True),
        ),
        "podcast",
    ),
    IndexedTable(
        "episode",
        "podcasts_episode",
        (Column("title", "A"), Column("author", "B"), Column("description", "C", html=True)),
        "episode",
    ),
    IndexedTable(
        "station",
        "radio_station",
        (Column("name", "A"), Column("tags", "B"), Column("country", "B")),
        "station",
    ),
)
# The transcripts' index: one row per file, whose episode is podcasts_episodefile's
# episode_id. Files that are not transcripts, or not fetched, have no text to index.
TRANSCRIPTS = IndexedTable(
    "transcript",
    "podcasts_episodefile",
    (Column("text", "C", chars=TRANSCRIPT_CHARS),),
    "transcript",
)
TABLES = _FULL + tuple(t.titles for t in _FULL) + (TRANSCRIPTS,)
BY_KIND = {t.kind: t for t in _FULL}


def install(connection) -> None:
    """Creates the index's tables and triggers if missing or changed (lib/triggers.py),
    and the stations' substring index."""
    from airwaves.search import substrings

    REGISTRY.install(connection, only=[TRIGGERS.name])
    substrings.install(connection)


def uninstall(connection) -> None:
    from airwaves.search import substrings

    substrings.uninstall(connection)
    for table in TABLES:
        drop(connection, table)


def drop(connection, table: IndexedTable) -> None:
    """Removes one table of the index and its triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table.fts}_{suffix}")
            cursor.execute(f"DROP TABLE IF EXISTS {table.fts}")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table.doc}_sync ON {table.table}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {table.doc}_truncate ON {table.table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {table.doc}_sync()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {table.doc}_truncate()")
            cursor.execute(f"DROP TABLE IF EXISTS {table.doc}")


def rebuild(connection, tables: tuple[IndexedTable, ...] = TABLES) -> dict[str, int]:
    """Refills the index (all of it, or the given tables) from the catalogue's tables,
    in one transaction per kind; returns the rows indexed per kind."""
    from django.db import transaction

    from airwaves.search import substrings

    install(connection)
    if tables == TABLES:
        with transaction.atomic(using=connection.alias):
            substrings.rebuild(connection)
    counts = {}
    for table in tables:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"INSERT INTO {table.fts}({table.fts}) VALUES ('rebuild')")
            else:
                cursor.execute(f"TRUNCATE {table.doc}")
                cursor.execute(
                    f"INSERT INTO {table.doc} (id, document) "
                    f"SELECT t.id, {_tsvector(table, 't')} FROM {table.table} t ORDER BY t.id"
                )
                # Statistics now, not when autovacuum gets round to it: without them the
                # planner takes a common word for a rare one and reads every match.
                cursor.execute(f"ANALYZE {table.doc}")
                # And the ids' page ranges: unsummarized, every page would match any
                # range of ids (engine._newest_ids_first would read every match).
                cursor.execute(f"SELECT brin_summarize_new_values('{table.doc}_id_range')")
            where = " WHERE kind = 'transcript' AND text <> ''" if table is TRANSCRIPTS else ""
            cursor.execute(f"SELECT count(*) FROM {table.table}{where}")
            counts[table.kind] = cursor.fetchone()[0]
    return counts


def _sqlite_install(table: IndexedTable) -> list[str]:
    names = ", ".join(c.name for c in table.columns)
    new = ", ".join(f"new.{c.name}" for c in table.columns)
    old = ", ".join(f"old.{c.name}" for c in table.columns)
    changed = " OR ".join(f"old.{c.name} IS NOT new.{c.name}" for c in table.columns)
    delete = (
        f"INSERT INTO {table.fts}({table.fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    )
    insert = f"INSERT INTO {table.fts}(rowid, {names}) VALUES (new.id, {new});"
    return [
        # Prefix indexes of 2 and 3 characters keep typeahead's "ab*" from scanning
        # every term that starts with "ab".
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table.fts} USING fts5({names}, "
        f"content='{table.table}', content_rowid='id', "
        f"tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
        f"CREATE TRIGGER IF NOT EXISTS {table.fts}_ai AFTER INSERT ON {table.table} "
        f"BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {table.fts}_ad AFTER DELETE ON {table.table} "
        f"BEGIN {delete} END",
        # Only when an indexed column really changed: Django's save() writes every column.
        f"CREATE TRIGGER IF NOT EXISTS {table.fts}_au AFTER UPDATE ON {table.table} "
        f"WHEN {changed} BEGIN {delete} {insert} END",
    ]


def _tsvector(table: IndexedTable, row: str) -> str:
    parts = []
    for column in table.columns:
        value = f"coalesce({row}.{column.name}, '')"
        if column.html:
            # Tags are markup, not words: "href" and "nofollow" are in every link.
            value = f"regexp_replace(left({value}, {column.chars}), '<[^>]*>', ' ', 'g')"
        elif column.chars != BODY_CHARS:
            value = f"left({value}, {column.chars})"
        parts.append(f"setweight(to_tsvector('simple', {value}), '{column.weight}')")
    return " || ".join(parts)


def _postgres_install(table: IndexedTable) -> list[str]:
    changed = " OR ".join(f"OLD.{c.name} IS DISTINCT FROM NEW.{c.name}" for c in table.columns)
    return [
        f"CREATE TABLE IF NOT EXISTS {table.doc} (id bigint PRIMARY KEY, document tsvector NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {table.doc}_document ON {table.doc} USING gin (document)",
        # The ids' page ranges (rows go in in id order: the triggers append, reindex
        # writes them sorted), ANDed with the GIN bitmap so that a search reads the
        # matches among the newest ids alone (engine._newest_ids_first).
        f"CREATE INDEX IF NOT EXISTS {table.doc}_id_range ON {table.doc} USING brin (id)",
        # Page ranges filled since the last vacuum are summarized by autovacuum's work
        # items as they fill; until then a range is read whole (rebuild() summarizes).
        f"ALTER INDEX {table.doc}_id_range SET (autosummarize = on)",
        # A search reads a thousand rows or so (engine._newest): starting worker
        # processes for that costs more than it saves, the more so on a busy server.
        f"ALTER TABLE {table.doc} SET (parallel_workers = 0)",
        f"""CREATE OR REPLACE FUNCTION {table.doc}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {table.doc} WHERE id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.id = NEW.id AND NOT ({changed}) THEN
            RETURN NULL;
        END IF;
        DELETE FROM {table.doc} WHERE id = OLD.id;
    END IF;
    INSERT INTO {table.doc} (id, document) VALUES (NEW.id, {_tsvector(table, "NEW")})
    ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document;
    RETURN NULL;
END $$""",
        f"""CREATE OR REPLACE FUNCTION {table.doc}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE {table.doc};
    RETURN NULL;
END $$""",
        f"CREATE OR REPLACE TRIGGER {table.doc}_sync AFTER INSERT OR UPDATE OR DELETE "
        f"ON {table.table} FOR EACH ROW EXECUTE FUNCTION {table.doc}_sync()",
        f"CREATE OR REPLACE TRIGGER {table.doc}_truncate AFTER TRUNCATE "
        f"ON {table.table} FOR EACH STATEMENT EXECUTE FUNCTION {table.doc}_truncate()",
    ]


TRIGGERS = TriggerSet(
    name="search",
    tables=tuple(dict.fromkeys(t.table for t in TABLES)),
    sqlite=tuple(sql for table in TABLES for sql in _sqlite_install(table)),
    postgresql=tuple(sql for table in TABLES for sql in _postgres_install(table)),
)
