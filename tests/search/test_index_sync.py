"""The index follows every write: the crawler's plain SQL, raw SQL, the ORM, deletes;
`airwaves reindex` rebuilds it from the tables."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from airwaves.cli import main
from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.models import Episode, Podcast
from airwaves.search.engine import Filters, search
from airwaves.search.query import parse_query
from airwaves.search.schema import TABLES
from tests.feeds import Feed, Item
from tests.radio.fixtures import make_station
from tests.search.helpers import make_episode, make_show

pytestmark = pytest.mark.django_db


def found(kind: str, text: str) -> list[int]:
    return search(connection, kind, parse_query(text), Filters(), limit=50).ids


def test_episodes_the_crawler_writes_and_rewrites_are_found(feed_server):
    feed = Feed(
        title="Lighthouse Radio",
        items=[
            Item("Fog signals", guid="g1", description="<p>Foghorns and bells.</p>"),
            Item("Keepers", guid="g2", description="<p>Lamp oil.</p>"),
        ],
    )
    feed_server.route("/feed.xml", feed.xml())
    url = feed_server.url("/feed.xml")
    podcast = Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))

    refresh_feed(podcast.pk)

    fog = Episode.objects.get(guid="g1")
    assert found("episode", "foghorns") == [fog.pk]
    assert found("podcast", "lighthouse") == [podcast.pk]

    # The publisher edits an episode's notes and drops the other one.
    feed.items = [Item("Fog signals", guid="g1", description="<p>Sirens now.</p>")]
    feed_server.route("/feed.xml", feed.xml())
    refresh_feed(podcast.pk)

    assert found("episode", "foghorns") == []
    assert found("episode", "sirens") == [fog.pk]


def test_rows_written_with_raw_sql_are_indexed():
    show = make_show("Raw")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO podcasts_episode (podcast_id, slug, guid, source_hash, title, link, "
            "description, summary, author, enclosure_url, enclosure_type, image_url, "
            "episode_type, created_at, updated_at) VALUES (%s, 'raw', 'raw', '', 'Quasar', "
            "'', '', '', '', '', '', '', '', %s, %s)",
            [show.pk, "2026-01-01 00:00:00", "2026-01-01 00:00:00"],
        )
    episode = Episode.objects.get(slug="raw")
    assert found("episode", "quasar") == [episode.pk]

    with connection.cursor() as cursor:
        cursor.execute("UPDATE podcasts_episode SET title = 'Pulsar' WHERE id = %s", [episode.pk])
    assert found("episode", "quasar") == []
    assert found("episode", "pulsar") == [episode.pk]

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM podcasts_episode WHERE id = %s", [episode.pk])
    assert found("episode", "pulsar") == []


def test_updates_of_other_columns_leave_the_index_alone_and_correct():
    show = make_show("Counter")
    episode = make_episode(show, "Nebula")

    Episode.objects.filter(pk=episode.pk).update(duration=60, source_hash="x")
    episode.save()

    assert found("episode", "nebula") == [episode.pk]


def test_deleting_a_show_removes_it_and_its_episodes():
    show = make_show("Comet Show")
    make_episode(show, "Comet tails")
    station = make_station("Comet FM")

    show.delete()
    station.delete()

    assert found("podcast", "comet") == []
    assert found("episode", "comet") == []
    assert found("station", "comet") == []


def test_bulk_writes_that_skip_signals_are_indexed():
    show = make_show("Bulk")
    Episode.objects.bulk_create(
        [Episode(podcast=show, title=f"Meteor {n}", slug=f"m{n}", guid=f"m{n}") for n in range(3)]
    )
    Episode.objects.filter(podcast=show).update(title="Asteroid")

    assert found("episode", "meteor") == []
    assert len(found("episode", "asteroid")) == 3


def empty_the_index():
    """Rows the triggers never saw: the index emptied behind their back."""
    with connection.cursor() as cursor:
        for table in TABLES:
            if connection.vendor == "sqlite":
                cursor.execute(f"INSERT INTO {table.fts}({table.fts}) VALUES ('delete-all')")
            else:
                cursor.execute(f"DELETE FROM {table.doc}")


def test_reindex_rebuilds_the_index_from_the_tables(capsys):
    show = make_show("Aurora Hour", author="Borealis")
    episode = make_episode(show, "Green skies")
    station = make_station("Aurora FM")
    empty_the_index()
    assert found("episode", "skies") == []

    assert main(["reindex"]) == 0

    assert found("podcast", "borealis") == [show.pk]
    assert found("episode", "skies") == [episode.pk]
    assert found("station", "aurora") == [station.pk]
    assert "indexed 1 podcasts, 1 episodes, 1 stations" in capsys.readouterr().out
    # And the triggers still work after a rebuild.
    episode.title = "Red skies"
    episode.save()
    assert found("episode", "red") == [episode.pk]


def test_triggers_a_table_rebuild_dropped_are_put_back_by_migrate():
    # SQLite alters a table by copying it to a new one, which drops its triggers.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER search_episode_fts_ai")
        else:
            cursor.execute("DROP TRIGGER search_episode_doc_sync ON podcasts_episode")

    call_command("migrate", verbosity=0)

    episode = make_episode(make_show("Back"), "Trigger restored")

    assert found("episode", "restored") == [episode.pk]
