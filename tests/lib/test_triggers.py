"""lib/triggers.py: every app's triggers installed once, idempotently, on both engines."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import connection

from airwaves.cli import main
from airwaves.lib.triggers import (
    REGISTRY,
    Registry,
    RowTrigger,
    TriggerSet,
    existing_objects,
    statements,
)

pytestmark = pytest.mark.django_db

LOG = "CREATE TABLE IF NOT EXISTS test_log (n integer NOT NULL)"


def counting_set(step: int = 1, name: str = "test_counting") -> TriggerSet:
    """A set that logs each insert into test_watched, `step` at a time."""
    return TriggerSet(
        name=name,
        tables=("test_watched",),
        sqlite=(
            LOG,
            f"""CREATE TRIGGER test_watched_added AFTER INSERT ON test_watched
            BEGIN INSERT INTO test_log (n) VALUES ({step}); END""",
            "CREATE INDEX IF NOT EXISTS test_watched_n ON test_watched (n)",
        ),
        postgresql=(
            LOG,
            f"""CREATE OR REPLACE FUNCTION test_watched_added() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO test_log (n) VALUES ({step}); RETURN NULL; END $$""",
            """CREATE TRIGGER test_watched_added AFTER INSERT ON test_watched
            FOR EACH ROW EXECUTE FUNCTION test_watched_added()""",
            "CREATE INDEX IF NOT EXISTS test_watched_n ON test_watched (n)",
        ),
        migrate_without=frozenset({"sqlite", "postgresql"}),
    )


def logged_after_insert() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO test_watched (n) VALUES (0)")
        cursor.execute("SELECT n FROM test_log")
        rows = [row[0] for row in cursor.fetchall()]
        cursor.execute("DELETE FROM test_log")
    return rows


def create_watched_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE test_watched (n integer NOT NULL)")


def test_every_registered_trigger_and_index_exists_after_migrate():
    sets = {s.name: s for s in REGISTRY}
    assert set(sets) == {"podcasts", "search", "artwork", "station-substrings"}
    existing = existing_objects(connection)
    for trigger_set in sets.values():
        triggers = trigger_set.triggers(connection.vendor)
        # The stations' substring index is triggers on SQLite only (PostgreSQL's is a
        # pg_trgm index made by its migration).
        assert triggers or trigger_set.statements(connection.vendor) == (), trigger_set.name
        assert {t.name for t in triggers} <= existing
        assert set(trigger_set.indexes(connection.vendor)) <= existing
    assert REGISTRY.missing(connection) == []
    # Installed already, with the same SQL: nothing to do.
    assert REGISTRY.install(connection) == []


def test_the_sets_are_read_from_their_sql_on_both_engines():
    podcasts = REGISTRY.get("podcasts")
    assert ("podcasts_episodes_added", "podcasts_episode") in podcasts.triggers("postgresql")
    assert ("podcasts_show_relisted", "podcasts_podcast") in podcasts.triggers("sqlite")
    assert "podcasts_trending_add(episode bigint, at timestamptz)" in podcasts.functions(
        "postgresql"
    )
    assert podcasts.functions("sqlite") == []
    assert podcasts.indexes("sqlite") == ["episode_show_newest", "podcast_categories_by_category"]
    search = REGISTRY.get("search")
    assert ("search_episode_fts_au", "podcasts_episode") in search.triggers("sqlite")
    assert ("search_station_doc_truncate", "radio_station") in search.triggers("postgresql")
    assert ("artwork_queue_radio_station_update", "radio_station") in REGISTRY.get(
        "artwork"
    ).triggers("sqlite")
    with pytest.raises(NotImplementedError):
        podcasts.triggers("mysql")


def test_a_set_waits_for_its_tables_then_installs_once():
    registry = Registry()
    registry.register(counting_set())
    assert registry.install(connection) == []  # test_watched does not exist yet
    create_watched_table()

    assert registry.install(connection) == ["test_counting"]
    assert registry.missing(connection) == []
    assert logged_after_insert() == [1]
    assert registry.install(connection) == []
    assert logged_after_insert() == [1]  # not installed twice


def test_changed_sql_is_installed_again_and_replaces_the_old_trigger():
    create_watched_table()
    first = Registry()
    first.register(counting_set(step=1))
    first.install(connection)

    changed = Registry()
    changed.register(counting_set(step=5))
    assert changed.install(connection) == ["test_counting"]
    assert logged_after_insert() == [5]
    assert changed.install(connection) == []


def test_a_missing_trigger_is_put_back_and_after_install_runs():
    create_watched_table()
    calls = []
    trigger_set = counting_set()
    registry = Registry()
    registry.register(replace(trigger_set, after_install=lambda c: calls.append(c.alias)))
    registry.install(connection)
    drop = "DROP TRIGGER test_watched_added" + (
        " ON test_watched" if connection.vendor == "postgresql" else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(drop)
    assert registry.missing(connection) == ["test_watched_added"]
    assert logged_after_insert() == []

    assert registry.install(connection) == ["test_counting"]
    assert logged_after_insert() == [1]
    assert calls == ["default", "default"]


def test_prepare_drops_what_a_migrate_must_not_meet_and_uninstall_drops_functions():
    create_watched_table()
    registry = Registry()
    registry.register(counting_set())
    registry.install(connection)

    registry.prepare(connection)
    assert registry.missing(connection) == ["test_watched_added"]
    assert logged_after_insert() == []
    registry.install(connection)

    registry.uninstall(connection, "test_counting")
    assert "test_watched_added" not in existing_objects(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'test_watched_added'")
            assert cursor.fetchone()[0] == 0


def test_prepare_keeps_a_set_that_does_not_ask_to_be_dropped():
    create_watched_table()
    registry = Registry()
    registry.register(replace(counting_set(), migrate_without=frozenset()))
    registry.install(connection)
    registry.prepare(connection)
    assert registry.missing(connection) == []
    assert logged_after_insert() == [1]


def test_two_different_sets_under_one_name_are_refused():
    registry = Registry()
    registry.register(counting_set())
    registry.register(counting_set())  # the same again: apps may be set up twice
    with pytest.raises(ValueError, match="test_counting"):
        registry.register(counting_set(step=2))


def test_reindex_puts_back_every_apps_missing_triggers(capsys):
    drop = (
        "DROP TRIGGER artwork_queue_podcasts_episode_insert ON podcasts_episode"
        if connection.vendor == "postgresql"
        else "DROP TRIGGER artwork_queue_podcasts_episode_insert"
    )
    with connection.cursor() as cursor:
        cursor.execute(drop)
    assert REGISTRY.missing(connection) == ["artwork_queue_podcasts_episode_insert"]

    assert main(["reindex"]) == 0

    assert REGISTRY.missing(connection) == []
    assert "indexed" in capsys.readouterr().out


def test_a_row_trigger_written_once_behaves_the_same_on_both_engines():
    """Null-safe "differs" ({distinct}), UPDATE OF a column, and WHEN."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE test_watched (n integer NULL, m integer NULL)")
    changed = RowTrigger(
        "test_watched_changed",
        "test_watched",
        "UPDATE OF n",
        "INSERT INTO test_log (n) VALUES (coalesce(NEW.n, -1))",
        "NEW.n {distinct} OLD.n",
    )
    registry = Registry()
    registry.register(
        TriggerSet(
            "test_rows",
            ("test_watched",),
            sqlite=statements("sqlite", LOG, changed),
            postgresql=statements("postgresql", LOG, changed),
        )
    )
    assert registry.install(connection) == ["test_rows"]
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO test_watched (n, m) VALUES (NULL, 0)")
        for sql in (
            "UPDATE test_watched SET n = NULL",  # NULL to NULL: no change
            "UPDATE test_watched SET n = 1",
            "UPDATE test_watched SET n = 1",  # the same value
            "UPDATE test_watched SET m = 5",  # another column
            "UPDATE test_watched SET n = NULL",
        ):
            cursor.execute(sql)
        cursor.execute("SELECT n FROM test_log")
        assert [row[0] for row in cursor.fetchall()] == [1, -1]
