"""The saved feeds in testdata/, each shaped like a kind of feed found in the wild, read
field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from airwaves.crawler.feed_json import lint_feed
from airwaves.crawler.parse import http_charset, parse_feed
from airwaves.crawler.types import ParsedFeed

TESTDATA = Path(__file__).parent / "testdata"


def read(name: str, **kwargs) -> ParsedFeed:
    return parse_feed((TESTDATA / name).read_bytes(), **kwargs)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# iTunes, every field -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def serial() -> ParsedFeed:
    return read("itunes_complete.xml")


def test_it_reads_every_itunes_show_field(serial: ParsedFeed) -> None:
    assert serial.title == "Harbour Lights: A Serial"
    assert serial.link == "https://harbourlights.example.org/"
    assert serial.author == "Harbour Lights Productions"
    assert (serial.owner_name, serial.owner_email) == (
        "Ines Calloway",
        "ines@harbourlights.example.org",
    )
    assert serial.image_url == "https://cdn.harbourlights.example.org/cover-3000.png"
    assert serial.categories == ["Fiction", "Fiction > Drama", "Arts", "Arts > Performing Arts"]
    assert serial.explicit is False
    assert serial.itunes_type == "serial"
    assert serial.block is False
    assert serial.itunes_complete is True
    assert serial.new_feed_url == "https://feeds.harbourlights.example.org/serial.xml"
    assert serial.subtitle == "A lighthouse, a keeper, ten nights"
    assert serial.description_html == (
        "A ten-part audio drama about a lighthouse keeper and the ships she counts."
    )
    assert serial.keywords == ["drama", "lighthouse", "audio fiction", "sea"]
    assert serial.language == "en-gb"
    assert serial.copyright == "© 2026 Harbour Lights Productions"
    assert serial.warnings == []


def test_it_reads_every_itunes_episode_field(serial: ParsedFeed) -> None:
    first = serial.episodes[0]
    assert first.guid == "harbour-lights-001"
    assert first.title == "Night One: The Count"
    assert first.link == "https://harbourlights.example.org/1"
    assert first.published == utc(2026, 1, 5, 20)
    assert first.description_html.startswith(
        "<p>Ines arrives on the rock and begins to <em>count</em> the ships.</p>"
    )
    assert first.subtitle == "Ines arrives."
    assert first.enclosure_url == "https://cdn.harbourlights.example.org/audio/001.mp3"
    assert (first.enclosure_type, first.enclosure_length) == ("audio/mpeg", 24813056)
    assert first.duration == 25 * 60 + 51
    assert first.image_url == "https://cdn.harbourlights.example.org/ep001-3000.png"
    assert first.explicit is False
    assert (first.season, first.episode_number, first.episode_type) == (1, 1, "full")
    assert first.keywords == ["arrival", "storm"]
    assert first.block is False


def test_it_reads_an_episode_from_a_media_group(serial: ParsedFeed) -> None:
    trailer = serial.episodes[1]
    # The image in the group is skipped for the audio; its thumbnail is the artwork.
    assert trailer.enclosure_url == "https://cdn.harbourlights.example.org/audio/trailer.m4a"
    assert (trailer.enclosure_type, trailer.enclosure_length) == ("audio/x-m4a", 1048576)
    assert trailer.duration == 95
    assert trailer.image_url == "https://cdn.harbourlights.example.org/trailer.jpg"
    assert trailer.keywords == ["trailer", "preview"]
    assert trailer.episode_type == "trailer"
    assert trailer.episode_number is None
    assert trailer.explicit is True
    assert trailer.block is True


@pytest.mark.parametrize(
    ("text", "kind"), [("episodic", "episodic"), ("SERIAL", "serial"), ("daily", ""), ("", "")]
)
def test_it_reads_only_the_show_types_apple_defines(text: str, kind: str) -> None:
    data = (
        '<rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
        f"<title>T</title><itunes:type>{text}</itunes:type></channel></rss>"
    ).encode()
    assert parse_feed(data).itunes_type == kind


def test_it_keeps_at_most_a_hundred_keywords_of_a_hundred_characters() -> None:
    words = ",".join(f"word{n}" for n in range(5000)) + "," + "x" * 5000
    data = (
        '<rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
        f"<title>T</title><itunes:keywords>{words}</itunes:keywords></channel></rss>"
    ).encode()
    keywords = parse_feed(data).keywords
    assert len(keywords) == 100 and keywords[:2] == ["word0", "word1"]


# Google Play -------------------------------------------------------------------------------


def test_a_feed_with_only_google_play_tags_fills_the_same_fields() -> None:
    feed = read("googleplay_only.xml")
    assert feed.author == "Ravi and Jo"
    assert feed.owner_email == "hello@allotment.example.net"
    assert feed.subtitle == "Vegetables and weather"
    assert feed.image_url == "https://allotment.example.net/art.jpg"
    assert feed.categories == ["Leisure"]
    assert feed.explicit is False
    assert feed.block is False
    (episode,) = feed.episodes
    assert episode.subtitle == "Why leeks laugh at frost."
    assert episode.explicit is True
    assert episode.image_url == "https://allotment.example.net/leeks.jpg"
    assert episode.block is True


def test_itunes_wins_over_google_play() -> None:
    data = (
        b'<rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        b'xmlns:googleplay="http://www.google.com/schemas/play-podcasts/1.0"><channel>'
        b"<title>T</title><googleplay:author>G</googleplay:author><itunes:author>I</itunes:author>"
        b"<googleplay:explicit>yes</googleplay:explicit><itunes:explicit>no</itunes:explicit>"
        b"</channel></rss>"
    )
    feed = parse_feed(data)
    assert (feed.author, feed.explicit) == ("I", False)


# Atom 0.3 ----------------------------------------------------------------------------------


def test_it_reads_an_atom_0_3_podcast() -> None:
    feed = read("atom_0_3.xml")
    assert (feed.format, feed.title, feed.language) == ("atom", "Werkstattfunk", "de")
    assert feed.subtitle == "Aus der Werkstatt, jede Woche"
    assert feed.link == "https://werkstatt.example.de/"
    assert (feed.author, feed.copyright) == ("Lena Brandt", "Werkstatt e.V.")
    newer, older = feed.episodes
    assert newer.guid == "tag:werkstatt.example.de,2026:2"
    assert newer.published == utc(2026, 3, 2, 17)  # issued, not modified
    assert newer.description_html == "<p>Welcher <b>Hobel</b> wofür.</p>"
    assert newer.enclosure_url == "https://werkstatt.example.de/audio/2.mp3"
    assert (newer.enclosure_type, newer.enclosure_length, newer.duration) == (
        "audio/mpeg",
        7340032,
        31 * 60 + 10,
    )
    assert older.published == utc(2026, 2, 23, 17)  # modified, without issued
    assert older.description_html == "<p>Alles über <i>Leim</i>.</p>"


# Dates and durations -----------------------------------------------------------------------


def test_it_reads_dates_and_durations_as_real_feeds_write_them() -> None:
    feed = read("dates_and_durations.xml")
    got = {e.title: (e.published, e.duration) for e in feed.episodes}
    assert got == {
        "rfc822": (utc(2026, 4, 15, 9), 3723),
        "no weekday": (utc(2026, 4, 15, 7), 3723),
        "two-digit year": (utc(2026, 4, 15, 14), 3723),
        "named zone abroad": (utc(2026, 4, 14, 23), 3723),
        "colon in the offset": (utc(2026, 4, 15, 3, 30), 3724),
        "iso with colon": (utc(2026, 4, 15, 16), 3723),
        "iso without colon": (utc(2026, 4, 15, 16), 588),
        "wrong weekday": (utc(2026, 4, 15, 9), None),
        "long names": (utc(2026, 4, 15, 9), None),
        "gmt plus": (utc(2026, 4, 15, 7), None),
        "no zone": (utc(2026, 4, 15, 9), None),
        "not a date": (None, None),
        "thirty-first of april": (utc(2026, 4, 30, 9), 45 * 60),
    }


# Encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title", "description", "episode"),
    [
        # Each holds characters only the label's larger sibling has (HKSCS, GBK, CP949,
        # CP932), as real feeds labelled with the smaller one do.
        ("encoding_big5.xml", "粵語講古台", "講古人嘅故事", "第一集：三國演義"),
        ("encoding_gb2312.xml", "中文播客节目", "每周一期，镕基讲故事", "第一集：开始"),
        (
            "encoding_euc-kr.xml",
            "한국어 팟캐스트",
            "매주 새로운 이야기",
            "첫 번째 이야기: 똠방각하",
        ),
        ("encoding_shift_jis.xml", "日本語のポッドキャスト", "毎週の話①", "第１話：はじまり"),
        (
            "encoding_windows-1252_as_iso-8859-1.xml",
            "Café “Radio”",
            "Naïve — café talk …",
            "Épisode ‘un’ €5",
        ),
    ],
)
def test_it_decodes_each_encoding_by_its_declaration(
    name: str, title: str, description: str, episode: str
) -> None:
    feed = read(name)
    assert (feed.title, feed.description_html, feed.episodes[0].title) == (
        title,
        description,
        episode,
    )
    assert feed.warnings == []


def test_windows_1252_mislabelled_as_utf_8_is_read_and_the_mistake_noted() -> None:
    feed = read("encoding_windows-1252_as_utf-8.xml")
    assert feed.title == "Café “Radio”"
    assert feed.episodes[0].title == "Épisode ‘un’"
    assert feed.warnings == [
        "the feed's encoding is wrong: it says utf-8, but was read as Windows-1252"
    ]


def test_the_http_charset_decodes_a_feed_that_declares_none() -> None:
    data = (TESTDATA / "encoding_koi8-r_http_charset.xml").read_bytes()
    feed = parse_feed(data, charset=http_charset("application/rss+xml; charset=KOI8-R"))
    assert (feed.title, feed.episodes[0].title) == ("Радио Север", "Выпуск первый")
    assert feed.warnings == []


def test_the_http_charset_wins_over_the_declaration_but_not_over_utf_8() -> None:
    body = "<rss><channel><title>Привет</title></channel></rss>"
    declared = '<?xml version="1.0" encoding="iso-8859-1"?>' + body
    assert parse_feed(declared.encode("cp1251"), charset="windows-1251").title == "Привет"
    # Servers send "charset=iso-8859-1" by default: valid UTF-8 stays UTF-8.
    assert parse_feed(body.encode("utf-8"), charset="iso-8859-1").title == "Привет"
    # A charset nobody knows is ignored.
    assert parse_feed(body.encode("utf-8"), charset="x-nonsense").title == "Привет"


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        ("application/rss+xml; charset=UTF-8", "utf-8"),
        ('text/xml;charset="windows-1251"', "windows-1251"),
        ("text/xml; format=flowed; Charset=koi8-r", "koi8-r"),
        ("application/xml", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_http_charset_reads_the_content_type_parameter(header: str | None, charset: str) -> None:
    assert http_charset(header) == charset


# Broken XML --------------------------------------------------------------------------------


def test_mismatched_tags_are_recovered_with_a_warning_for_the_feeds_health() -> None:
    feed = read("broken_mismatched.xml")
    assert [e.guid for e in feed.episodes] == ["he-2", "he-1"]
    assert [e.enclosure_url for e in feed.episodes] == [
        "https://handedited.example.com/2.mp3",
        "https://handedited.example.com/1.mp3",
    ]
    (warning,) = feed.warnings
    assert warning.startswith("the feed is broken XML (Opening and ending tag mismatch")
    assert "line 7" in warning


def test_unescaped_ampersands_are_repaired_with_a_warning_saying_how_many() -> None:
    feed = read("broken_unescaped.xml")
    assert feed.episodes
    assert feed.warnings[0].startswith("the feed is not well-formed XML (")
    assert any('unescaped "&" read as text' in w for w in feed.warnings)


def test_a_well_formed_feed_has_no_warnings() -> None:
    assert read("podcast_rss.xml").warnings == []


def test_entities_declared_by_a_doctype_are_not_the_publishers_mistake() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel>'
        b"<title>Caf&eacute;</title></channel></rss>"
    )
    feed = parse_feed(data)
    assert (feed.title, feed.warnings) == ("Café", [])


# Relative URLs and paging ------------------------------------------------------------------


def test_relative_urls_resolve_against_the_channel_link_without_a_feed_url() -> None:
    feed = read("relative_urls.xml")
    assert feed.image_url == "https://radio.example.com/archive/img/logo-144.png"
    first, second = feed.episodes
    assert first.link == "https://radio.example.com/archive/shows/opening-night"
    assert first.enclosure_url == "https://radio.example.com/media/0001.mp3"
    assert first.image_url == "https://radio.example.com/covers/0001.jpg"
    # xml:base on the item wins over both.
    assert second.enclosure_url == "https://cdn.example.net/old/0002.mp3"
    assert feed.next_page_url == "https://radio.example.com/archive/?page=2"


def test_relative_urls_resolve_against_the_feed_url_when_there_is_one() -> None:
    feed = read("relative_urls.xml", url="https://feeds.example.org/radio/archive.xml")
    assert feed.episodes[0].enclosure_url == "https://feeds.example.org/media/0001.mp3"
    assert feed.next_page_url == "https://feeds.example.org/radio/archive.xml?page=2"


def test_an_atom_feed_names_its_next_page() -> None:
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        b'<link rel="self" href="https://example.com/feed?page=1"/>'
        b'<link rel="next" href="https://example.com/feed?page=2"/></feed>'
    )
    assert parse_feed(data).next_page_url == "https://example.com/feed?page=2"


# What a podcaster is told ------------------------------------------------------------------


def test_lint_names_each_problem_once_with_the_episodes_concerned() -> None:
    feed = read("lint_problems.xml")
    assert lint_feed(feed, now=utc(2026, 6, 1)) == [
        '2 episodes have an enclosure without a type ("From the far future", "Copy and paste"):'
        ' add type="audio/mpeg" (or the file\'s type) so apps know it is playable',
        '1 GUID(s) used by more than one episode ("same-guid"): apps keep only one of them;'
        " give every episode its own guid",
        '1 episode has a publication date in the future ("From the far future"):'
        " apps sort them first or hide them until then",
        "the show's image is 600×600 px: Apple Podcasts requires at least 1400×1400"
        " (add an itunes:image that size)",
    ]


def test_lint_is_quiet_about_a_good_feed_and_an_image_of_unknown_size() -> None:
    assert lint_feed(read("itunes_complete.xml"), now=utc(2026, 6, 1)) == []


def test_lint_lists_three_examples_and_counts_the_rest() -> None:
    items = "".join(
        f'<item><title>E{n}</title><guid>g{n}</guid><enclosure url="https://e.com/{n}.mp3"/></item>'
        for n in range(10_000)
    )
    feed = parse_feed(f"<rss><channel><title>T</title>{items}</channel></rss>".encode())
    (warning,) = lint_feed(feed)
    assert warning.startswith('10,000 episodes have an enclosure without a type ("E0", "E1", "E2"')
    assert "and 9,997 more" in warning


def test_media_rss_in_an_atom_entry_and_an_rss_channel_is_read() -> None:
    atom = parse_feed(
        b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">'
        b"<title>T</title><entry><id>1</id><title>One</title>"
        b'<media:content url="https://e.com/1.ogg" type="audio/ogg" fileSize="7"/>'
        b'<media:thumbnail url="https://e.com/1.jpg"/></entry></feed>'
    )
    (entry,) = atom.episodes
    assert entry.enclosure_url == "https://e.com/1.ogg"
    assert (entry.enclosure_type, entry.enclosure_length) == ("audio/ogg", 7)
    assert entry.image_url == "https://e.com/1.jpg"
    rss = parse_feed(
        b'<rss xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>'
        b'<media:thumbnail url="https://e.com/show.jpg"/></channel></rss>'
    )
    assert rss.image_url == "https://e.com/show.jpg"
