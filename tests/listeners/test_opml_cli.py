"""`airwaves import-opml FILE --user U` and `airwaves export-opml --user U`."""

from __future__ import annotations

from pathlib import Path

from airwaves.cli import main
from airwaves.listeners.models import Follow
from airwaves.listeners.opml import parse_opml

TESTDATA = Path(__file__).parent / "testdata"


def test_import_follows_the_feeds_with_a_progress_bar(alice, capsys):
    assert main(["import-opml", str(TESTDATA / "overcast.opml"), "--user", "alice"]) == 0

    assert Follow.objects.filter(user=alice).count() == 2
    err = capsys.readouterr().err
    assert "\rImporting [###############               ] 1/2" in err
    assert "\rImporting [##############################] 2/2\n" in err
    assert "Followed 2 feeds (2 new to the directory, fetched in the background)" in err
    assert "  + Night Trains  https://nighttrains.example.org/feed.xml" in err


def test_import_lists_invalid_outlines_and_exits_1(alice, capsys):
    assert main(["import-opml", str(TESTDATA / "malformed_outlines.opml"), "--user", "alice"]) == 1

    err = capsys.readouterr().err
    assert "  ! line 6: outline has no xmlUrl (No Address)" in err
    assert Follow.objects.filter(user=alice).count() == 3


def test_import_is_idempotent(alice, capsys):
    main(["import-opml", str(TESTDATA / "antennapod.opml"), "--user", "alice"])
    assert main(["import-opml", str(TESTDATA / "antennapod.opml"), "--user", "alice"]) == 0
    assert Follow.objects.filter(user=alice).count() == 3
    assert "Followed 0 feeds (0 new to the directory" in capsys.readouterr().err.splitlines()[-1]


def test_import_refuses_an_unknown_user_in_one_line(db, capsys):
    assert main(["import-opml", str(TESTDATA / "antennapod.opml"), "--user", "nobody"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("airwaves: no user named 'nobody'")
    assert err.count("\n") == 1
    assert not Follow.objects.exists()


def test_import_refuses_a_file_that_is_not_opml(alice, capsys):
    assert main(["import-opml", str(TESTDATA / "rss_feed.xml"), "--user", "alice"]) == 1
    err = capsys.readouterr().err
    assert "rss_feed.xml: This is not an OPML file: its root element is <rss>" in err


def test_import_refuses_a_missing_file(alice, capsys):
    assert main(["import-opml", "/nonexistent.opml", "--user", "alice"]) == 1
    assert capsys.readouterr().err == "airwaves: /nonexistent.opml: no such file\n"


def test_export_prints_opml(alice, capsys):
    main(["import-opml", str(TESTDATA / "pocketcasts.opml"), "--user", "alice"])
    capsys.readouterr()

    assert main(["export-opml", "--user", "alice"]) == 0

    out = capsys.readouterr().out
    assert [f.url for f in parse_opml(out.encode()).feeds] == [
        "https://feeds.example.org/signal-noise.xml",
        "https://longwalks.example.com/feed/podcast",
    ]


def test_export_writes_a_file(alice, tmp_path):
    target = tmp_path / "subs.opml"
    assert main(["export-opml", "--user", "alice", "-o", str(target)]) == 0
    assert parse_opml(target.read_bytes()).feeds == []


def test_export_refuses_an_unknown_user(db, capsys):
    assert main(["export-opml", "--user", "nobody"]) == 1
    assert "no user named 'nobody'" in capsys.readouterr().err
