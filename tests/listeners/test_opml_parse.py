"""Reading OPML as AntennaPod, Pocket Casts and Overcast export it, and bad files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from airwaves.listeners.opml import ExportFeed, NotOpml, feed_url, parse_opml, write_opml

TESTDATA = Path(__file__).parent / "testdata"


def read(name: str):
    return parse_opml((TESTDATA / name).read_bytes())


def test_antennapod_flat_opml_2():
    doc = read("antennapod.opml")
    assert doc.title == "AntennaPod Subscriptions"
    assert [(f.url, f.title, f.line) for f in doc.feeds] == [
        ("https://feeds.example.org/signal-noise.xml", "Signal & Noise", 8),
        ("https://gardenhour.example.net/rss", "Garden Hour", 9),
        ("http://kernel-notes.example.com/podcast.rss", "Kernel Notes", 10),
    ]
    assert doc.problems == []


def test_pocket_casts_feeds_inside_one_wrapper_outline():
    doc = read("pocketcasts.opml")
    assert [f.url for f in doc.feeds] == [
        "https://feeds.example.org/signal-noise.xml",
        "https://longwalks.example.com/feed/podcast",
    ]
    assert doc.problems == []


def test_overcast_ignores_playlists_and_episode_outlines():
    doc = read("overcast.opml")
    assert [(f.url, f.title) for f in doc.feeds] == [
        ("https://gardenhour.example.net/rss", "Garden Hour"),
        ("https://nighttrains.example.org/feed.xml", "Night Trains"),
    ]
    assert doc.problems == []


def test_outlines_without_a_feed_are_reported_with_their_line():
    doc = read("malformed_outlines.opml")
    assert [str(p) for p in doc.problems] == [
        "line 6: outline has no xmlUrl (No Address)",
        "line 7: xmlUrl is empty (Empty Address)",
    ]
    # URLs are checked when they are added (see test_opml_import.py); folders are walked.
    assert [f.title for f in doc.feeds] == [
        "Good Show",
        "Not A URL",
        "FTP Show",
        "Pcast Scheme",
        "Nested Show",
        "Good Show again",
    ]


def test_podcast_app_schemes_become_http():
    assert feed_url("pcast://a.example/feed") == "http://a.example/feed"
    assert feed_url("feed://a.example/feed") == "http://a.example/feed"
    assert feed_url("feed:https://a.example/feed") == "https://a.example/feed"
    assert feed_url("itpc://a.example/feed") == "http://a.example/feed"
    assert feed_url(" https://a.example/feed ") == "https://a.example/feed"


@pytest.mark.parametrize(
    "name, message",
    [
        ("not_opml.html", "This is not an OPML file: it is not well-formed XML (line 1:"),
        ("rss_feed.xml", "its root element is <rss>, not <opml> (it looks like a feed"),
        ("broken_xml.opml", "it is not well-formed XML (line 7:"),
        ("no_body.opml", "This OPML file has no <body>"),
    ],
)
def test_a_file_that_is_not_opml_gets_one_clear_error(name, message):
    with pytest.raises(NotOpml) as error:
        read(name)
    assert message in str(error.value)


def test_an_empty_file_is_not_opml():
    with pytest.raises(NotOpml, match="The file is empty."):
        parse_opml(b"  \n")


def test_entities_are_neither_expanded_nor_fetched():
    doc = read("hostile_entities.opml")
    assert [f.url for f in doc.feeds] == ["https://safe.example.com/feed.xml"]
    assert "root:" not in doc.title
    assert len(doc.title) < 100


def test_written_opml_reads_back():
    data = write_opml(
        "alice's podcasts",
        [
            ExportFeed("Signal & Noise", "https://feeds.example.org/s.xml", "https://s.example/"),
            ExportFeed("", "https://pending.example.com/feed"),
        ],
        datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
    )
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<opml version=\"2.0\">")
    assert b"<dateCreated>Fri, 20 Nov 2026 08:00:00 +0000</dateCreated>" in data
    doc = parse_opml(data)
    assert [(f.url, f.title) for f in doc.feeds] == [
        ("https://feeds.example.org/s.xml", "Signal & Noise"),
        ("https://pending.example.com/feed", "https://pending.example.com/feed"),
    ]
