"""Transcripts are searched with their episodes: the index follows every fetched, changed,
refused and dropped transcript; a match there ranks below the episode's own words and
shows "In transcript at m:ss" with a link that starts playing at that line."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from airwaves.cli import main
from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.extras import fetch_pending_media
from airwaves.podcasts.models import Episode, EpisodeFile, Podcast
from airwaves.search.engine import Filters, search, transcript_snippets
from airwaves.search.query import parse_query
from airwaves.search.schema import TRANSCRIPT_CHARS, TRANSCRIPTS
from tests.media.media_feeds import media_feed, media_item
from tests.search.helpers import make_episode, make_show

pytestmark = pytest.mark.django_db

VTT = """WEBVTT

00:00:00.000 --> 00:00:30.000
Welcome to the show.

00:00:30.000 --> 00:01:30.000
Today we talk about the lighthouse keepers.

00:01:30.000 --> 00:02:00.000
Their foghorn was heard for miles.
"""


def found(text: str, **filters) -> list[int]:
    return search(connection, "episode", parse_query(text), Filters(**filters), limit=50).ids


def transcribed(episode: Episode, text: str, lines: list | None = None) -> EpisodeFile:
    """A fetched transcript, stored as the background job stores one."""
    return EpisodeFile.objects.create(
        episode=episode,
        kind="transcript",
        url=f"https://example.org/{episode.pk}.vtt",
        status="ok",
        text=text,
        lines=lines if lines is not None else [[None, None, text]],
    )


def results_page(query: str, **params) -> str:
    response = Client().get("/search", {"q": query, "kind": "episodes", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_fetched_transcript_is_found_changed_refused_and_dropped(feed_server):
    feed_server.route("/t.vtt", VTT, headers={"Content-Type": "text/vtt"})
    item = media_item("a", transcripts=[(feed_server.url("/t.vtt"), "text/vtt")])
    feed_server.route("/feed.xml", media_feed(item))
    podcast = Podcast.objects.create(
        feed_url=feed_server.url("/feed.xml"), slug=Podcast.placeholder_slug("x")
    )
    assert refresh_feed(podcast.pk).status == "ok"
    episode = Episode.objects.get(podcast=podcast)
    assert found("lighthouse") == []  # not fetched yet

    assert fetch_pending_media().statuses == {"ok": 1}
    assert found("lighthouse") == [episode.pk]
    assert found('"lighthouse keepers"') == [episode.pk]
    html = results_page("lighthouse")
    assert f'href="{episode.get_absolute_url()}?t=30"' in html
    assert "In transcript at" in html and "<mark>lighthouse</mark>" in html

    # The publisher corrects the transcript: the next fetch replaces the words.
    feed_server.route(
        "/t.vtt", VTT.replace("lighthouse", "harbour"), headers={"Content-Type": "text/vtt"}
    )
    EpisodeFile.objects.update(next_fetch_at=timezone.now())
    assert fetch_pending_media().statuses == {"ok": 1}
    assert found("lighthouse") == []
    assert found("harbour") == [episode.pk]

    # A file that turns hostile is refused and its words go with it.
    feed_server.route(
        "/t.vtt", "<html>not a transcript</html>", headers={"Content-Type": "image/png"}
    )
    EpisodeFile.objects.update(next_fetch_at=timezone.now())
    assert fetch_pending_media().statuses == {"refused": 1}
    assert found("harbour") == []

    # Fetched again, then the feed no longer lists it: its row and its words go.
    feed_server.route("/t.vtt", VTT, headers={"Content-Type": "text/vtt"})
    EpisodeFile.objects.update(status="pending", next_fetch_at=timezone.now())
    assert fetch_pending_media().statuses == {"ok": 1}
    assert found("foghorn") == [episode.pk]
    feed_server.route("/feed.xml", media_feed(media_item("a")))
    assert refresh_feed(podcast.pk).status == "ok"
    assert not EpisodeFile.objects.exists()
    assert found("foghorn") == []


def test_an_episode_deleted_with_its_transcript_leaves_nothing_behind():
    episode = make_episode(make_show(), "Quiet")
    transcribed(episode, "the marimba solo")
    assert found("marimba") == [episode.pk]

    episode.delete()  # its files go first, by cascade

    assert found("marimba") == []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"SELECT count(*) FROM {TRANSCRIPTS.fts} WHERE {TRANSCRIPTS.fts} MATCH 'marimba'"
            )
        else:
            cursor.execute(f"SELECT count(*) FROM {TRANSCRIPTS.doc}")
        assert cursor.fetchone()[0] == 0


def test_the_episodes_own_words_rank_above_its_transcript():
    show = make_show()
    in_title = make_episode(show, "Marimba lessons", published="2020-01-01")
    in_notes = make_episode(
        show, "Percussion", description="<p>On the marimba.</p>", published="2021-01-01"
    )
    heard = make_episode(show, "Newest of all", published="2026-03-01")
    transcribed(heard, "and then a marimba played")
    transcribed(in_notes, "nothing to see")

    assert found("marimba") == [in_title.pk, in_notes.pk, heard.pk]
    matches = search(connection, "episode", parse_query("marimba"), Filters(), limit=50)
    assert matches.count == 3
    assert matches.heard == {heard.pk}


def test_a_word_left_out_is_left_out_of_transcripts_too():
    show = make_show()
    notes_match = make_episode(show, "Drums", description="<p>Snare drums.</p>")
    transcribed(notes_match, "a word about cymbals")
    heard = make_episode(show, "Other", description="<p>All about cymbals.</p>")
    transcribed(heard, "snare drums again")
    plain = make_episode(show, "Drums two", description="<p>Snare drums.</p>")

    # The first holds "cymbals" in its transcript, the second in its notes.
    assert found("snare -cymbals") == [plain.pk]
    assert sorted(found("snare")) == sorted([notes_match.pk, heard.pk, plain.pk])


def test_filters_apply_to_transcript_matches():
    show = make_show()
    old = make_episode(show, "Old", published="2019-05-01")
    new = make_episode(show, "New", published="2026-05-01")
    transcribed(old, "a theremin")
    transcribed(new, "a theremin")

    assert found("theremin", published_from=timezone.datetime(2026, 1, 1).date()) == [new.pk]
    assert found("theremin", published_to=timezone.datetime(2020, 1, 1).date()) == [old.pk]


def test_a_transcript_snippet_is_escaped_and_the_seek_follows_the_best_line():
    episode = make_episode(make_show(), "Quiet")
    lines = [
        [0, 5, "<b>hello</b> & welcome"],
        [5.7, 9, "the oboe"],
        [12, 20, "the oboe and the bassoon"],
        "not a line",
        [None, None, "oboe bassoon without a time"],
    ]
    transcribed(
        episode, "\n".join(line[2] if isinstance(line, list) else line for line in lines), lines
    )

    snippets = transcript_snippets(connection, parse_query("welcome"), [episode.pk])
    # The words are text: no tag of the transcript's reaches the page (SQLite keeps
    # them as text, PostgreSQL's headline leaves them out).
    text = snippets[episode.pk].html
    assert "<mark>welcome</mark>" in text
    assert "<" not in text.replace("<mark>", "").replace("</mark>", "")
    assert snippets[episode.pk].seconds == 0
    assert (
        transcript_snippets(connection, parse_query("oboe"), [episode.pk])[episode.pk].seconds == 5
    )
    both = transcript_snippets(connection, parse_query("oboe bassoon"), [episode.pk])
    assert both[episode.pk].seconds == 12
    # Lines of some other shape than the job writes: the snippet, without a time.
    EpisodeFile.objects.filter(episode=episode).update(lines={"0": "oboe"})
    assert (
        transcript_snippets(connection, parse_query("oboe"), [episode.pk])[episode.pk].seconds
        is None
    )
    # Someone else's transcript, or none: no snippet.
    other = make_episode(make_show(), "Other")
    assert transcript_snippets(connection, parse_query("oboe"), [other.pk]) == {}


def test_a_transcript_without_times_shows_its_snippet_without_a_link():
    episode = make_episode(make_show(), "Quiet")
    transcribed(episode, "a glockenspiel", lines=[[None, None, "a glockenspiel"]])

    html = results_page("glockenspiel")

    assert "In transcript:" in html and "<mark>glockenspiel</mark>" in html
    assert "?t=" not in html


def test_a_huge_transcript_is_stored_and_its_start_is_searchable():
    episode = make_episode(make_show(), "Long")
    words = " ".join(f"w{i}" for i in range(TRANSCRIPT_CHARS // 4))
    # 1 MB of text: past the longest part indexed and past a tsvector's limit.
    transcribed(episode, "zither " + words + " " + "x" * 1_000_000)

    assert found("zither") == [episode.pk]


def test_reindex_rebuilds_the_transcripts_index(capsys):
    episode = make_episode(make_show(), "Quiet")
    transcribed(episode, "the ocarina")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"INSERT INTO {TRANSCRIPTS.fts}({TRANSCRIPTS.fts}) VALUES ('delete-all')"
            )
        else:
            cursor.execute(f"DELETE FROM {TRANSCRIPTS.doc}")
    assert found("ocarina") == []

    assert main(["reindex"]) == 0

    assert found("ocarina") == [episode.pk]
    assert re.search(r"\b1 transcripts\b", capsys.readouterr().out)


def test_transcripts_are_read_only_while_the_newest_matches_leave_room():
    show = make_show()
    in_notes = [make_episode(show, f"Notes {n}", description="<p>A sitar.</p>") for n in range(3)]
    heard = make_episode(show, "Heard")
    transcribed(heard, "a sitar")

    def matches(candidates: int):
        parsed = parse_query("sitar")
        return search(connection, "episode", parsed, Filters(), limit=50, candidates=candidates)

    # Three body matches fill a cap of two (and one over it, to tell "2+"): the
    # transcript match would rank below them all, past the last page.
    full = matches(2)
    assert full.count == 3 and full.heard == frozenset()
    assert heard.pk not in full.ids
    roomy = matches(5)
    assert roomy.count == 4 and roomy.heard == {heard.pk}
    assert roomy.ids == [e.pk for e in reversed(in_notes)] + [heard.pk]


def test_the_api_shows_where_a_transcript_holds_the_words():
    heard = make_episode(make_show(), "Coastal stories")
    transcribed(heard, VTT, [[0, 30, "Welcome to the show."], [30, 90, "the lighthouse keepers"]])
    own = make_episode(make_show(), "The lighthouse at dawn")

    body = Client().get("/api/v1/search/episodes", {"q": "lighthouse"}).json()
    by_id = {item["id"]: item for item in body["items"]}
    assert by_id[heard.pk]["in_transcript"] is True
    assert by_id[heard.pk]["transcript_at"] == 30
    assert "<mark>lighthouse</mark>" in by_id[heard.pk]["snippet"]
    assert by_id[own.pk]["in_transcript"] is False
    assert by_id[own.pk]["transcript_at"] is None
