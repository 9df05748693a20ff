"""Feeds whose items carry chapters and transcripts, for the tests in this package."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

PODCAST = "https://podcastindex.org/namespace/1.0"
PSC = "http://podlove.org/simple-chapters"

VTT = """WEBVTT

00:00:00.000 --> 00:00:30.000
Welcome to the show.

00:00:30.000 --> 00:01:30.000
Here is the first topic.

00:01:30.000 --> 00:02:00.000
And this is where the second topic starts.

00:02:00.000 --> 00:02:30.000
Thanks for listening.
"""

CHAPTERS = """{"version": "1.2.0", "chapters": [
  {"startTime": 0, "title": "Intro", "img": "https://img.example.com/intro.jpg"},
  {"startTime": 30, "title": "First topic", "url": "https://example.com/first"},
  {"startTime": 90, "title": "Second topic"},
  {"startTime": 120, "title": "Goodbye"}
]}"""


def media_item(
    guid: str,
    *,
    chapters: str = "",
    transcripts: list[tuple[str, str]] = (),
    simple: list[tuple[str, str]] = (),
    enclosure: str = "https://cdn.example.com/1.mp3",
    duration: str = "150",
) -> str:
    parts = [f"<title>Episode {guid}</title><guid>{guid}</guid>"]
    parts.append("<pubDate>Wed, 15 Apr 2026 14:00:00 GMT</pubDate>")
    if enclosure:
        parts.append(f'<enclosure url={quoteattr(enclosure)} type="audio/mpeg" length="1"/>')
    if duration:
        parts.append(f"<itunes:duration>{duration}</itunes:duration>")
    if chapters:
        parts.append(
            f'<podcast:chapters url={quoteattr(chapters)} type="application/json+chapters"/>'
        )
    for url, kind in transcripts:
        parts.append(f"<podcast:transcript url={quoteattr(url)} type={quoteattr(kind)}/>")
    if simple:
        marks = "".join(
            f"<psc:chapter start={quoteattr(start)} title={quoteattr(title)}/>"
            for start, title in simple
        )
        parts.append(f'<psc:chapters version="1.2">{marks}</psc:chapters>')
    return "<item>" + "".join(parts) + "</item>"


def media_feed(*items: str, title: str = "Chapter Show") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
        f' xmlns:podcast="{PODCAST}" xmlns:psc="{PSC}">'
        f"<channel><title>{title}</title><link>https://example.com/</link>"
        "<description>Chapters and transcripts.</description>" + "".join(items) + "</channel></rss>"
    ).encode()
