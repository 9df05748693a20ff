"""The `airwaves` command explains itself: help for every option with its default, the
database each command uses, an empty directory said as such, a file given to `add`."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airwaves.cli import build_parser, main
from airwaves.lib.datadir import data_dir, default_data_dir
from airwaves.podcasts.models import Podcast
from tests.feeds import three_episode_feed

# parse's options belong to the parser's own tests; manage hands everything to Django.
OWN_HELP = {"parse", "manage"}


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {name: p for name, p in sub.choices.items() if name not in OWN_HELP}


def test_every_option_of_every_command_says_what_it_does_and_its_default():
    commands = subcommands()
    assert {"serve", "add", "crawl", "feeds", "worker", "reindex"} <= set(commands)
    for name, parser in commands.items():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            where = f"airwaves {name} {'/'.join(action.option_strings) or action.dest}"
            assert action.help, f"{where} has no help"
            if action.option_strings:
                assert "default" in action.help or "required" in action.help, where
                if action.default not in (None, False) and "%(default)" not in action.help:
                    shown = str(action.default).replace("%", "%%")
                    assert shown in action.help, f"{where}: its default {action.default!r}"


def test_help_is_printed_with_the_defaults(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["serve", "--help"])
    assert exit.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--port PORT port to listen on (default: $AIRWAVES_PORT, else 8000)" in out
    assert "--workers N server processes (default: one per core; 1 with --demo)" in out


@pytest.mark.parametrize("given", ["FILE", "./feed.xml", "file:///tmp/feed.xml"])
def test_adding_a_file_says_feeds_are_added_by_url_and_names_parse(tmp_path, db, capsys, given):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(three_episode_feed().xml())
    given = str(feed) if given == "FILE" else given

    assert main(["add", given]) == 1

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"airwaves: {given} is a file, not a URL: feeds are added by their")
    assert err.endswith(f"to read a local file, run: airwaves parse {given}\n")
    assert not Podcast.objects.exists()


def test_a_file_among_urls_stops_the_command_before_anything_is_added(db, feed_server, capsys):
    feed_server.route("/feed.xml", three_episode_feed("Added Show").xml())
    assert main(["add", feed_server.url("/feed.xml"), "../feed.xml"]) == 1
    assert "../feed.xml is a file" in capsys.readouterr().err
    assert not Podcast.objects.exists()


def test_add_and_feeds_print_the_database_they_use(db, feed_server, capsys):
    from django.db import connection

    feed_server.route("/feed.xml", three_episode_feed("Added Show").xml())
    assert main(["add", feed_server.url("/feed.xml")]) == 0
    err = capsys.readouterr().err
    database = str(connection.settings_dict["NAME"])
    assert err.splitlines()[0].startswith("Database: ")
    assert database in err.splitlines()[0]

    assert main(["feeds"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0].startswith("Database: ")
    assert feed_server.url("/feed.xml") in captured.out


def test_feeds_says_when_there_are_none(db, capsys):
    assert main(["feeds"]) == 0
    assert capsys.readouterr().out == (
        "No feeds in this database yet; add one with: airwaves add URL\n"
    )

    Podcast.objects.create(feed_url="https://example.com/f.xml", slug="f")
    assert main(["feeds", "--errors"]) == 0
    assert capsys.readouterr().out == "No failing feeds.\n"
    assert main(["feeds", "--errors", "--dead"]) == 0
    assert capsys.readouterr().out == "No failing and dead feeds.\n"


def test_the_data_directory_is_per_user_on_each_platform():
    home = Path("/home/ann")
    assert default_data_dir({}, "linux", home) == home / ".local/share/airwaves"
    assert default_data_dir({"XDG_DATA_HOME": "/data/ann"}, "linux", home) == Path(
        "/data/ann/airwaves"
    )
    # The XDG specification: a relative path is invalid and ignored.
    assert default_data_dir({"XDG_DATA_HOME": "rel"}, "linux", home) == (
        home / ".local/share/airwaves"
    )
    assert default_data_dir({}, "darwin", home) == (home / "Library/Application Support/Airwaves")
    assert default_data_dir({"LOCALAPPDATA": "C:/Users/ann/AppData/Local"}, "win32", home) == (
        Path("C:/Users/ann/AppData/Local/Airwaves")
    )
    # AIRWAVES_DATA_DIR still wins, made absolute.
    assert data_dir({"AIRWAVES_DATA_DIR": "/srv/airwaves"}) == Path("/srv/airwaves")
    assert data_dir({"AIRWAVES_DATA_DIR": "rel"}) == Path.cwd() / "rel"


def test_the_command_uses_one_database_wherever_it_is_run(tmp_path):
    home = tmp_path / "home"
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        # Settings the test run itself is given must not leak in.
        **{k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL")},
    }
    lines = []
    for folder in (tmp_path / "one", tmp_path / "two"):
        folder.mkdir()
        result = subprocess.run(
            [Path(sys.executable).parent / "airwaves", "feeds"],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("No feeds in this database yet")
        lines.append(result.stderr.splitlines()[0])
    expected = home / ".local/share/airwaves/airwaves.sqlite3"
    assert lines == [f"Database: SQLite, {expected}"] * 2
    assert expected.exists()
