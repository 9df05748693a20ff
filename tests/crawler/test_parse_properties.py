"""Property tests: whatever the bytes, parse_feed returns a ParsedFeed or raises ParseError
(its one documented error), and does so quickly.

Three sources of input: random bytes, the testdata feeds mutated (cut, spliced, bytes
flipped, pieces repeated), and random trees of the elements feeds use, with hostile text.
The examples are bounded so the whole file runs in a few seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airwaves.crawler.errors import ParseError
from airwaves.crawler.parse import parse_feed
from airwaves.crawler.types import ParsedFeed

TESTDATA = Path(__file__).parent / "testdata"
CORPUS = [p.read_bytes() for p in sorted(TESTDATA.glob("*.xml")) if p.stat().st_size < 20_000]

# Generous, for a loaded CI machine: every example here is under ~40 KB, which the parser
# reads in milliseconds; a blow-up (quadratic regex, entity expansion) takes far longer.
SECONDS_PER_EXAMPLE = 2.0

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(data: bytes, **kwargs) -> None:
    started = time.perf_counter()
    try:
        feed = parse_feed(data, **kwargs)
    except ParseError as error:
        assert str(error)  # a reason for the operator, never empty
    else:
        assert isinstance(feed, ParsedFeed)
        assert feed.title or feed.episodes
    assert time.perf_counter() - started < SECONDS_PER_EXAMPLE


@SETTINGS
@given(st.binary(max_size=4096))
def test_random_bytes_only_ever_raise_parse_error(data: bytes) -> None:
    check(data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        start = draw(st.integers(0, len(data) - 1))
        end = draw(st.integers(start, min(len(data), start + 200)))
        action = draw(st.sampled_from(["cut", "insert", "flip", "repeat", "truncate"]))
        if action == "cut":
            del data[start:end]
        elif action == "insert":
            data[start:start] = draw(
                st.sampled_from(
                    [
                        b"&",
                        b"<",
                        b">",
                        b"]]>",
                        b"<![CDATA[",
                        b"&nbsp;",
                        b"&#0;",
                        b"&#x110000;",
                        b"\x00",
                        b"\xff\xfe",
                        b"\xef\xbb\xbf",
                        b"<!DOCTYPE x [",
                        b"<!ENTITY a 'b'>",
                        b"<!--",
                        b"<?xml",
                        b' xml:base="::"',
                        b"</channel>",
                        b"<item>",
                    ]
                )  # fmt: skip
                | st.binary(max_size=16)
            )
        elif action == "flip":
            data[start] ^= draw(st.integers(1, 255))
        elif action == "repeat":
            data[end:end] = bytes(data[start:end]) * draw(st.integers(2, 50))
        else:
            del data[start:]
    return bytes(data)


@SETTINGS
@given(mutated(), st.sampled_from(["", "https://example.com/feed.xml", "::not a url"]))
def test_mutated_feeds_only_ever_raise_parse_error(data: bytes, url: str) -> None:
    check(data, url=url)


@SETTINGS
@given(mutated(), st.sampled_from(["utf-8", "koi8-r", "big5", "shift_jis", "utf-16", "x-bogus"]))
def test_any_http_charset_only_ever_raises_parse_error(data: bytes, charset: str) -> None:
    check(data, charset=charset)


TAGS = [
    "rss", "channel", "item", "title", "link", "description", "guid", "pubDate", "enclosure",
    "itunes:duration", "itunes:image", "itunes:category", "itunes:explicit", "itunes:season",
    "itunes:episode", "itunes:episodeType", "itunes:keywords", "itunes:type", "itunes:block",
    "itunes:owner", "media:group", "media:content", "media:thumbnail", "content:encoded",
    "atom:link", "googleplay:image", "image", "url", "width", "category", "dc:date",
]  # fmt: skip
ATTRIBUTES = ["url", "href", "type", "length", "rel", "text", "fileSize", "width", "xml:base"]
TEXT = st.sampled_from(
    ["", "Wed, 15 Apr 2026 09:00:00 GMT", "01:02:03", "99:99:99", "PT1H", "yes", "next",
     "https://example.com/a.mp3", "../x", "//evil", "&amp;", "9" * 40, "a,b,,c;;d", "\u202e",
     "2026-02-30T25:61:61+99:99", "NaN"]
) | st.text(max_size=40)  # fmt: skip
NAMESPACES = (
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
    'xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:googleplay="http://www.google.com/schemas/play-podcasts/1.0"'
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def element(depth: int) -> st.SearchStrategy[str]:
    children = st.lists(element(depth - 1), max_size=3) if depth > 0 else st.just([])
    return st.builds(
        lambda tag, attributes, text, kids: (
            f"<{tag}"
            + "".join(f' {name}="{_escape(value)}"' for name, value in attributes.items())
            + f">{_escape(text)}{''.join(kids)}</{tag}>"
        ),
        st.sampled_from(TAGS),
        st.dictionaries(st.sampled_from(ATTRIBUTES), TEXT, max_size=3),
        TEXT,
        children,
    )


# Building the trees costs Hypothesis more than parsing them: fewer, smaller examples.
@settings(SETTINGS, max_examples=50)
@given(st.lists(element(2), max_size=5), st.sampled_from(["rss", "feed", "rdf:RDF"]))
def test_random_trees_of_feed_elements_only_ever_raise_parse_error(
    items: list[str], root: str
) -> None:
    extra = (
        ' xmlns="http://www.w3.org/2005/Atom"'
        if root == "feed"
        else ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    )
    data = f"<{root} {NAMESPACES}{extra}><channel>{''.join(items)}</channel></{root}>"
    check(data.encode("utf-8", "surrogatepass"))
