"""The C reader of RSS items (crawler/_fastitems.c) against the Python one (rss._read_item).

Every feed here is parsed twice, once with the C reader first (what parse_feed does when it
was built) and once with the Python reader alone, and the two ParsedFeeds must be equal,
field by field: the testdata corpus, items written to hit each rule's edges (white space,
case, non-ASCII digits, dates and durations in and out of the fast forms, relative and
hostile URLs, caps), and hypothesis-made items of the tags the C reader reads, with hostile
text. Items the C reader does not read must come back to the Python reader (FALLBACK).

CI builds the C reader (setup.py); these tests are skipped only where it could not be
built, and never in CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from airwaves.crawler import parse, rss
from airwaves.crawler.errors import ParseError
from airwaves.crawler.parse import parse_feed

FAST = rss.fast_items
TESTDATA = Path(__file__).parent / "testdata"

needs_c = pytest.mark.skipif(
    FAST is None and not os.environ.get("CI"), reason="the C reader was not built here"
)

NAMESPACES = (
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns:atom="http://www.w3.org/2005/Atom"'
    ' xmlns:media="http://search.yahoo.com/mrss/"'
    ' xmlns:podcast="https://podcastindex.org/namespace/1.0"'
    ' xmlns:legacy="https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"'
    ' xmlns:other="http://example.com/ns/other"'
)


def feed_of(*items: str, base: str = "") -> bytes:
    xml_base = f' xml:base="{base}"' if base else ""
    body = "".join(f"<item>{item}</item>" for item in items)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" {NAMESPACES}>'
        f"<channel{xml_base}><title>Show</title><link>https://show.example.com/</link>"
        f"{body}</channel></rss>"
    ).encode()


def both(data: bytes, **kwargs):
    """parse_feed with the C reader and without it: (fast, python), each a ParsedFeed or
    the ParseError's text."""
    results = []
    for reader in (FAST, None):
        previous, rss.fast_items = rss.fast_items, reader
        try:
            results.append(parse_feed(data, **kwargs))
        except ParseError as error:
            results.append(f"ParseError: {error}")
        finally:
            rss.fast_items = previous
    return results


def assert_same(data: bytes, **kwargs) -> None:
    fast, python = both(data, **kwargs)
    if isinstance(python, str) or isinstance(fast, str):
        assert fast == python
        return
    assert len(fast.episodes) == len(python.episodes)
    for mine, theirs in zip(fast.episodes, python.episodes, strict=True):
        assert mine == theirs
    assert fast == python


def read_fast(item: str, base: str = "https://show.example.com/feed.xml"):
    root = etree.fromstring(feed_of(item), parse._parser())
    return FAST.Reader().read(root[0].find("item"), base)


def test_ci_builds_the_c_reader() -> None:
    if not os.environ.get("CI"):
        pytest.skip("only CI must have it (a machine without a C compiler reads in Python)")
    assert FAST is not None, "setup.py did not build airwaves/crawler/_fastitems.c"


@needs_c
@pytest.mark.parametrize("path", sorted(TESTDATA.glob("*.xml")), ids=lambda p: p.name)
def test_every_testdata_feed_reads_the_same(path: Path) -> None:
    assert_same(path.read_bytes())
    assert_same(path.read_bytes(), url="https://feeds.example.com/show/feed.xml", known={})


FULL_ITEM = """
<title>  Episode 1:\tThe <![CDATA[Start]]>  </title>
<link>episodes/1</link>
<guid isPermaLink="false">show-00001</guid>
<pubDate>Wed, 15 Apr 2026 09:00:00 +0200</pubDate>
<dc:creator>Mara</dc:creator>
<description><![CDATA[<p>Short</p>]]></description>
<content:encoded><![CDATA[<p>Longer notes</p><ul><li>one</li></ul>]]></content:encoded>
<itunes:summary>Summary text</itunes:summary>
<itunes:subtitle>  A subtitle </itunes:subtitle>
<enclosure url=" https://cdn.example.com/1.mp3 " length="1234" type=" audio/mpeg "/>
<itunes:duration>01:02:03</itunes:duration>
<itunes:image href="art/1.jpg"/>
<itunes:episode>1</itunes:episode>
<itunes:season>2</itunes:season>
<itunes:episodeType>Trailer</itunes:episodeType>
<itunes:explicit>Yes</itunes:explicit>
<itunes:block>no</itunes:block>
<itunes:keywords>a; b ,, A,a , c</itunes:keywords>
<itunes:author>Host Name</itunes:author>
<itunes:title>ignored</itunes:title>
<other:thing>ignored too</other:thing>
<podcast:transcript url="t/1.vtt" type="Text/VTT" language=" en-GB " rel="Captions"/>
<podcast:transcript url="t/1.vtt" type="text/vtt"/>
<podcast:transcript url="javascript:alert(1)"/>
<podcast:transcript url="https://show.example.com/t/1.srt" type="application/srt"/>
<podcast:chapters url="c/1.json" type="Application/JSON+chapters"/>
<podcast:season name=" Season  Two ">3</podcast:season>
<podcast:episode display="Ep. 1">1.5</podcast:episode>
<podcast:person role="Guest" group="Writing" img="p.jpg" href="https://x.example/p">  Ann  Lee </podcast:person>
<podcast:person>Bob</podcast:person>
<podcast:person role="" group="">Cy</podcast:person>
<podcast:person>   </podcast:person>
<podcast:soundbite startTime="73.5" duration="45">Bite one</podcast:soundbite>
<podcast:soundbite startTime="12.3456" duration="1e1">Bite two</podcast:soundbite>
<podcast:soundbite startTime="-1" duration="10">negative</podcast:soundbite>
<podcast:soundbite startTime="5" duration="0">zero</podcast:soundbite>
<podcast:soundbite startTime="nan" duration="inf">nan</podcast:soundbite>
<podcast:location geo="geo:59.33,18.06" osm="R123" rel="Subject">  Stockholm </podcast:location>
<podcast:license url="https://creativecommons.org/licenses/by/4.0/">cc-by-4.0</podcast:license>
<podcast:funding url="https://donate.example.com/">Support  us</podcast:funding>
<podcast:funding url="ftp://nope.example.com/">No</podcast:funding>
<podcast:alternateEnclosure type="audio/opus" length="999" bitrate="64000.5" height="720"
    lang="sv" title="Opus" rel="Alt" codecs="opus" default="TRUE">
  <podcast:source uri="https://cdn.example.com/1.opus" contentType="audio/opus"/>
  <podcast:source uri="javascript:x"/>
  <podcast:integrity type="sri" value="x"/>
</podcast:alternateEnclosure>
<podcast:alternateEnclosure type="video/mp4"><podcast:source uri="not a url"/></podcast:alternateEnclosure>
"""


@needs_c
def test_an_item_with_every_tag_the_c_reader_reads() -> None:
    data = feed_of(FULL_ITEM)
    assert_same(data)
    assert_same(data, url="https://show.example.com/feed.xml")
    assert read_fast(FULL_ITEM) is not FAST.FALLBACK
    feed = parse_feed(data, url="https://show.example.com/feed.xml")
    (episode,) = feed.episodes
    # A few values spelled out, so that agreeing on a wrong answer fails too.
    assert episode.title == "Episode 1:\tThe Start"
    assert episode.link == "https://show.example.com/episodes/1"
    assert episode.published.isoformat() == "2026-04-15T07:00:00+00:00"
    assert episode.duration == 3723
    assert episode.episode_type == "trailer"
    assert episode.explicit is True and episode.block is False
    assert episode.keywords == ["a", "b", "A", "c"]
    assert episode.season == 2 and episode.episode_number == 1
    assert [p.name for p in episode.tags.persons] == ["Ann Lee", "Bob", "Cy"]
    assert episode.tags.persons[0].role == "guest" and episode.tags.persons[2].role == "host"
    assert [(b.start, b.duration) for b in episode.tags.soundbites] == [
        (73.5, 45.0),
        (12.346, 10.0),
    ]
    assert [s.uri for a in episode.tags.alternate_enclosures for s in a.sources] == [
        "https://cdn.example.com/1.opus"
    ]
    assert episode.tags.alternate_enclosures[0].default is True
    assert [t.url for t in episode.media.transcripts] == [
        "https://show.example.com/t/1.vtt",
        "https://show.example.com/t/1.srt",
    ]


EDGE_VALUES = [
    "",
    " ",
    "\u00a0x\u00a0",
    "\u2003",
    "0",
    "00",
    "007",
    "12",
    " 12 ",
    "\u0663",
    "\u0661\u0662",
    "1" * 18,
    "1" * 19,
    "-3",
    "1.5",
    "1e3",
    "inf",
    "nan",
    "1_000",
    "yes",
    "YES",
    " No ",
    "explicit",
    "clean",
    "true",
    "İ",
    "full",
    "BONUS",
    "1:02:03",
    "62:03",
    "1:2:3",
    "::",
    "1:",
    ":5",
    "00:00:00",
    "1:02:03:04",
    "999999999999999:00",
    "604800",
    "604801",
    "12.5",
    "PT1H2M",
    "9 min",
    "Wed, 15 Apr 2026 09:00:00 GMT",
    "Wed, 15 Apr 2026 09:00:00 UT",
    "15 Apr 2026 09:00:00 Z",
    "Wed, 15 apr 2026 09:00:00 -0830",
    "Wed, 15 Apr 2026 09:00:00 +1500",
    "Wed, 15 Apr 2026 09:00:00 +0160",
    "Wed, 15 Apr 2026 09:00:00 gmt",
    "Wed, 31 Apr 2026 09:00:00 GMT",
    "Sun, 29 Feb 2026 09:00:00 GMT",
    "Tue, 29 Feb 2028 09:00:00 GMT",
    "Wed, 15 Apr 2026 24:00:00 GMT",
    "Wed, 15 Apr 2026 09:00:60 GMT",
    "Mon, 01 Jan 0001 00:00:00 +0100",
    "Fri, 31 Dec 9999 23:59:59 -0100",
    "5 Apr 2026 9:00:00 GMT",
    "Wed,15 Apr 2026 09:00:00 GMT",
    "2026-04-15T09:00:00+02:00",
    "https://example.com/a b",
    'https://example.com/"q"',
    " https://example.com/x ",
    "HTTPS://EXAMPLE.COM/",
    "//cdn.example.com/x",
    "relative/path.mp3",
    "javascript:alert(1)",
    "data:text/html,x",
    "https://example.com/" + "x" * 2040,
    "a, b; c,,  ,d",
    "x" * 300,
    "w " * 150,
    "tab\there\nnewline",
    "émission spéciale",
    "\U0001f399 mic",
]


@needs_c
@pytest.mark.parametrize("value", EDGE_VALUES, ids=range(len(EDGE_VALUES)))
def test_edge_values_read_the_same_in_every_field(value: str) -> None:
    text = value.replace("&", "&amp;").replace("<", "&lt;")
    attribute = text.replace('"', "&quot;")
    item = f"""
    <title>{text}</title><link>{text}</link><guid isPermaLink="{attribute}">{text}</guid>
    <pubDate>{text}</pubDate><dc:date>{text}</dc:date><atom:published>{text}</atom:published>
    <atom:updated>2026-04-15</atom:updated>
    <description>{text}</description><itunes:summary>{text}</itunes:summary>
    <author>{text}</author><dc:creator>{text}</dc:creator>
    <enclosure url="{attribute}" length="{attribute}" type="{attribute}"/>
    <itunes:duration>{text}</itunes:duration><itunes:image href="{attribute}">{text}</itunes:image>
    <itunes:explicit>{text}</itunes:explicit><itunes:season>{text}</itunes:season>
    <itunes:episode>{text}</itunes:episode><itunes:episodeType>{text}</itunes:episodeType>
    <itunes:block>{text}</itunes:block><itunes:keywords>{text}</itunes:keywords>
    <podcast:transcript url="{attribute}" type="{attribute}" language="{attribute}" rel="{attribute}"/>
    <podcast:chapters url="{attribute}" type="{attribute}"/>
    <podcast:person role="{attribute}" group="{attribute}" img="{attribute}" href="{attribute}">{text}</podcast:person>
    <podcast:season name="{attribute}">{text}</podcast:season>
    <podcast:episode display="{attribute}">{text}</podcast:episode>
    <podcast:soundbite startTime="{attribute}" duration="{attribute}">{text}</podcast:soundbite>
    <podcast:location geo="{attribute}" osm="{attribute}" rel="{attribute}">{text}</podcast:location>
    <podcast:license url="{attribute}">{text}</podcast:license>
    <podcast:funding url="{attribute}">{text}</podcast:funding>
    <podcast:alternateEnclosure type="{attribute}" length="{attribute}" bitrate="{attribute}"
        height="{attribute}" lang="{attribute}" title="{attribute}" rel="{attribute}"
        codecs="{attribute}" default="{attribute}">
      <podcast:source uri="{attribute}" contentType="{attribute}"/>
    </podcast:alternateEnclosure>
    """
    for base in ("", "https://show.example.com/feeds/"):
        assert_same(feed_of(item, "<title>x</title>"), url=base)


@needs_c
def test_items_the_c_reader_leaves_to_python_come_back_and_read_the_same() -> None:
    handed_back = [
        "<title>x</title><description>Raw <b>markup</b> notes</description>",
        '<title>x</title><media:content url="https://cdn.example.com/v.mp4" type="video/mp4"/>',
        '<title>x</title><atom:link rel="alternate" href="https://x.example/"/>',
        '<title>x</title><podcast:value type="lightning"/>',
        "<title>x</title><googleplay:block xmlns:googleplay="
        '"http://www.google.com/schemas/play-podcasts/1.0">yes</googleplay:block>',
        "<title>x</title><unknown>an unprefixed tag it does not know</unknown>",
        "<title>" + "<b>" * 70 + "deep" + "</b>" * 70 + "</title>",
        "<title>x</title>" + '<podcast:transcript url="https://t.example/a.vtt"/>' * 250,
    ]
    for item in handed_back:
        assert read_fast(item) is FAST.FALLBACK, item
        assert_same(feed_of(item))
    # Tags it passes over are not counted among the children it keeps.
    assert read_fast("<title>x</title>" + "<category>c</category>" * 5000).title == "x"
    with_base = feed_of("<title>x</title><link>a</link>").replace(
        b"<item>", b'<item xml:base="https://other.example/dir/">'
    )
    assert_same(with_base, url="https://show.example.com/")
    root = etree.fromstring(with_base, parse._parser())
    assert FAST.Reader().read(root[0].find("item"), "") is FAST.FALLBACK


@needs_c
def test_the_legacy_namespace_and_empty_items() -> None:
    assert_same(
        feed_of(
            '<legacy:person role="host">Legacy</legacy:person><title>t</title>',
            "<other:x>only an unknown tag</other:x>",
            "<itunes:title>no title, no guid, no enclosure</itunes:title>",
            "",
        )
    )
    assert read_fast("<itunes:title>nothing to show</itunes:title>") is None


@needs_c
def test_caps_on_repeated_tags_are_the_same() -> None:
    item = (
        "<title>t</title>"
        + "".join(f"<podcast:person>P{i}</podcast:person>" for i in range(60))
        + "".join(f'<podcast:soundbite startTime="{i}" duration="5"/>' for i in range(30))
        + "".join(
            f'<podcast:funding url="https://f.example/{i}">F</podcast:funding>' for i in range(15)
        )
        + "".join(f'<podcast:transcript url="https://t.example/{i}.vtt"/>' for i in range(30))
        + "".join(
            '<podcast:alternateEnclosure type="audio/opus">'
            + "".join(f'<podcast:source uri="https://a.example/{i}/{j}"/>' for j in range(12))
            + "</podcast:alternateEnclosure>"
            for i in range(12)
        )
        + "".join(f'<enclosure url="https://e.example/{i}.mp3"/>' for i in range(5))
    )
    assert_same(feed_of(item))
    feed = parse_feed(feed_of(item))
    assert len(feed.episodes[0].tags.persons) == 50


@needs_c
def test_tags_it_passes_over_change_nothing_the_python_reader_reads() -> None:
    """FAST_ITEMS_IGNORE may only hold tags _read_item does not read: with each one added
    to a full item, the Python reader's episode is the same as without it."""
    prefixes = {
        "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
        "dc": "http://purl.org/dc/elements/1.1/",
        "media": "http://search.yahoo.com/mrss/",
        "podcast": "https://podcastindex.org/namespace/1.0",
    }
    previous, rss.fast_items = rss.fast_items, None
    try:
        plain = parse_feed(feed_of(FULL_ITEM)).episodes
        for key in sorted(rss.FAST_ITEMS_IGNORE):
            prefix, _, local = key.rpartition(":")
            declaration = f' xmlns:{prefix}="{prefixes[prefix]}"' if prefix else ""
            extra = (
                f'<{key}{declaration} url="https://x.example/a.mp3" href="https://x.example/"'
                f' type="audio/mpeg" role="guest">https://x.example/text 01:00:00</{key}>'
            )
            assert parse_feed(feed_of(extra + FULL_ITEM)).episodes == plain, key
            assert parse_feed(feed_of(FULL_ITEM + extra)).episodes == plain, key
    finally:
        rss.fast_items = previous


@needs_c
def test_hostile_arguments_are_refused_with_type_errors() -> None:
    reader = FAST.Reader()
    with pytest.raises(TypeError):
        reader.read(None, "")
    with pytest.raises(TypeError):
        reader.read(etree.Element("item"), None)
    with pytest.raises(TypeError):
        reader.read()
    comment = etree.Comment("not an element")
    assert reader.read(comment, "") is FAST.FALLBACK
    # A lone element, no document around it: read all the same.
    item = etree.fromstring("<item><title>t</title></item>")
    assert reader.read(item, "").title == "t"
    with pytest.raises(RuntimeError):
        FAST.configure({})


# Hypothesis: items made of the tags the C reader reads, in any order and number, with
# text and attribute values drawn to hit white space, case, digits and URLs.

TEXT = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.text(
        alphabet=st.sampled_from(list(" \t\n\u00a0\u2003aZ09:.,;-+/#?=&<>\"'éİ\u0663"))
        | st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        max_size=40,
    ),
)
# Every tag the C reader reads, one it passes over and one of an unknown namespace.
TAGS = [*(FAST.slot_names() if FAST else ()), "itunes:title", "other:thing"]
ATTRIBUTES = [
    "url", "type", "length", "href", "isPermaLink", "language", "rel", "role", "group",
    "img", "name", "display", "startTime", "duration", "geo", "osm", "bitrate", "height",
    "lang", "title", "codecs", "default",
]  # fmt: skip


def _escape(value: str, quote: bool = False) -> str:
    value = "".join(c for c in value if c in "\t\n\r" or c >= " ")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace('"', "&quot;") if quote else value


@st.composite
def items(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(st.sampled_from(TAGS))
        names = draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=4, unique=True))
        attributes = "".join(f' {n}="{_escape(draw(TEXT), True)}"' for n in names)
        inner = _escape(draw(TEXT))
        if tag == "podcast:alternateEnclosure" and draw(st.booleans()):
            inner += f'<podcast:source uri="{_escape(draw(TEXT), True)}"/>'
        if draw(st.integers(0, 9)) == 0:
            inner = f"<![CDATA[{inner.replace(']]>', '')}]]>"
        parts.append(f"<{tag}{attributes}>{inner}</{tag}>")
    if draw(st.integers(0, 4)):
        # (Kept, so its fields are compared: an item without a title, guid or enclosure
        # is no episode. A guid drawn before this one wins.)
        parts.append("<guid>kept</guid>")
    return "".join(parts)


@needs_c
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(items(), min_size=1, max_size=3), st.sampled_from(["", "https://s.example/f/"]))
def test_random_items_read_the_same(made: list[str], url: str) -> None:
    assert_same(feed_of(*made), url=url)


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=12))
def test_contains_is_bytes_in(data: bytes, needle: bytes) -> None:
    # The loader's "<!ENTITY" search (parse._must_repair) goes through it.
    assert FAST.contains(data, needle) is (needle in data)
    assert FAST.contains(data + needle, needle) is True


@needs_c
def test_contains_refuses_what_is_not_bytes() -> None:
    with pytest.raises(TypeError):
        FAST.contains("text", b"x")
    with pytest.raises(TypeError):
        FAST.contains(b"x")
    assert FAST.contains(b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"<!ENTITY") is True
    assert parse._must_repair(b"<rss>" + b"<" * 100_000 + b"<!ENTITY") is True


@needs_c
def test_one_reader_reads_items_of_several_documents() -> None:
    """Its tag-name cache is keyed by the document's own name pointers: another
    document starts it afresh (a freed one's pointers may be reused by the next)."""
    reader = FAST.Reader()
    for n in range(200):
        tag = "title" if n % 2 else "guid"
        other = "guid" if n % 2 else "title"
        root = etree.fromstring(
            feed_of(f"<{tag}>t{n}</{tag}><{other}>o{n}</{other}>"), parse._parser()
        )
        episode = reader.read(root[0].find("item"), "")
        assert (episode.title, episode.guid) == (
            (f"t{n}", f"o{n}") if tag == "title" else (f"o{n}", f"t{n}")
        )


def test_a_c_reader_built_from_another_source_is_not_used() -> None:
    class Stale:
        SOURCE_DIGEST = "0" * 64

    with pytest.warns(RuntimeWarning, match="changed since it was built"):
        assert rss._built_from_this_source(Stale()) is False
    if FAST is not None:
        assert rss._built_from_this_source(FAST) is True
