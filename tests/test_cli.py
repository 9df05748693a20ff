"""The `airwaves` command: add, parse, crawl."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from airwaves.cli import main
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import three_episode_feed

pytestmark = pytest.mark.django_db
DEMO_FEED = (
    Path(__file__).parent.parent
    / "airwaves/static/airwaves/demo/feeds/backend-engineering-show.xml"
)


def test_add_fetches_a_feed_and_prints_the_show_page(feed_server, capsys):
    feed_server.route("/feed.xml", three_episode_feed("Added Show").xml())

    assert main(["add", feed_server.url("/feed.xml")]) == 0

    assert capsys.readouterr().out == "/podcasts/added-show/\n"
    assert Episode.objects.filter(podcast__slug="added-show").count() == 3


def test_adding_again_updates_and_never_duplicates(feed_server, capsys):
    feed_server.route("/feed.xml", three_episode_feed("Added Show").xml())
    main(["add", feed_server.url("/feed.xml")])
    assert main(["add", feed_server.url("/feed.xml")]) == 0

    assert capsys.readouterr().out == "/podcasts/added-show/\n" * 2
    assert Podcast.objects.count() == 1
    assert Episode.objects.count() == 3


def test_add_fails_with_a_reason_and_keeps_nothing_for_a_broken_feed(feed_server, capsys):
    feed_server.route("/feed.xml", b"<html>not a feed</html>")

    assert main(["add", feed_server.url("/feed.xml"), "ftp://example.com/feed"]) == 1

    err = capsys.readouterr().err
    assert "could not add" in err and "not a feed" in err
    assert "must start with http:// or https://" in err
    assert not Podcast.objects.exists()


@pytest.mark.django_db(transaction=True)  # the crawl pass runs in worker threads
def test_crawl_once_refreshes_due_feeds(feed_server, capsys):
    feed_server.route("/feed.xml", three_episode_feed().xml())
    Podcast.objects.create(feed_url=feed_server.url("/feed.xml"), slug="pending")

    assert main(["crawl", "--once"]) == 0

    assert "refreshed 1 feeds (1 ok)" in capsys.readouterr().out
    assert Episode.objects.count() == 3


def test_parse_prints_a_feed_as_json(capsys):
    assert main(["parse", str(DEMO_FEED), "--json"]) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["title"] == "The Backend Engineering Show with Hussein Nasser"
    assert data["episodes"][0]["duration"] == 588
    assert data["episodes"][0]["published"] == "2026-04-15T14:00:00+00:00"


def test_parse_exits_non_zero_with_one_line_for_a_missing_file(capsys):
    assert main(["parse", "/nonexistent/feed.xml", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("airwaves: ")


def test_the_installed_command_runs(tmp_path):
    # The console script itself, as a user runs it, in a fresh data directory.
    result = subprocess.run(
        [Path(sys.executable).parent / "airwaves", "parse", str(DEMO_FEED)],
        capture_output=True,
        text=True,
        env={"AIRWAVES_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "The Backend Engineering Show with Hussein Nasser (rss, 4 episodes)"
    )
