"""Chapters and transcript tags in feeds (crawler/p20_media.py), read into dataclasses."""

from __future__ import annotations

from airwaves.crawler.p20_media import MAX_CHAPTERS, MAX_TRANSCRIPTS, parse_npt
from airwaves.crawler.parse import parse_feed
from airwaves.crawler.types import Chapter, MediaLink

PODCAST = "https://podcastindex.org/namespace/1.0"
LEGACY = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PSC = "http://podlove.org/simple-chapters"


def rss(item: str, namespace: str = PODCAST) -> bytes:
    return (
        f'<rss version="2.0" xmlns:podcast="{namespace}" xmlns:psc="{PSC}">'
        "<channel><title>Show</title><link>https://show.example.com/</link>"
        f"<item><title>One</title><guid>g1</guid>{item}</item></channel></rss>"
    ).encode()


def media_of(data: bytes, url: str = "https://show.example.com/feed.xml"):
    return parse_feed(data, url=url).episodes[0].media


def test_chapters_and_every_transcript_are_read_with_their_attributes():
    media = media_of(
        rss(
            '<podcast:chapters url="https://show.example.com/1/chapters.json"'
            ' type="application/json+chapters"/>'
            '<podcast:transcript url="https://show.example.com/1.vtt" type="text/vtt"'
            ' language="en" rel="captions"/>'
            '<podcast:transcript url="/1.srt" type="application/x-subrip"/>'
            '<podcast:transcript url="https://show.example.com/1.html" type="Text/HTML"'
            ' language="de"/>'
        )
    )
    assert media.chapters_link == MediaLink(
        url="https://show.example.com/1/chapters.json", type="application/json+chapters"
    )
    assert media.transcripts == [
        MediaLink("https://show.example.com/1.vtt", "text/vtt", "en", "captions"),
        MediaLink("https://show.example.com/1.srt", "application/x-subrip", "", ""),
        MediaLink("https://show.example.com/1.html", "text/html", "de", ""),
    ]


def test_the_legacy_namespace_uri_reads_the_same():
    item = (
        '<podcast:chapters url="https://s.example.com/c.json" type="application/json"/>'
        '<podcast:transcript url="https://s.example.com/t.vtt" type="text/vtt"/>'
    )
    assert media_of(rss(item, LEGACY)) == media_of(rss(item, PODCAST))
    assert media_of(rss(item, LEGACY)).chapters_link.url == "https://s.example.com/c.json"


def test_atom_entries_carry_them_too():
    data = (
        f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:podcast="{PODCAST}" xmlns:psc="{PSC}">'
        "<title>Show</title><entry><id>e1</id><title>One</title>"
        '<podcast:transcript url="https://s.example.com/t.json" type="application/json"/>'
        '<podcast:chapters url="https://s.example.com/c.json" type="application/json+chapters"/>'
        '<psc:chapters><psc:chapter start="0" title="Hello"/></psc:chapters>'
        "</entry></feed>"
    ).encode()
    media = parse_feed(data, url="https://s.example.com/atom").episodes[0].media
    assert [t.url for t in media.transcripts] == ["https://s.example.com/t.json"]
    assert media.chapters_link.url == "https://s.example.com/c.json"
    assert media.chapters == [Chapter(start=0.0, title="Hello")]


def test_simple_chapters_are_ordered_and_each_ends_where_the_next_starts():
    media = media_of(
        rss(
            '<psc:chapters version="1.2">'
            '<psc:chapter start="00:01:30.500" title="Second" href="https://x.example.com/2"'
            ' image="/img/2.jpg"/>'
            '<psc:chapter start="0" title="  First   one "/>'
            '<psc:chapter start="1:02:03" title="Third"/>'
            '<psc:chapter start="soon" title="No start: left out"/>'
            '<psc:chapter start="90.5" title="Same second as Second: left out"/>'
            "</psc:chapters>"
        )
    )
    assert media.chapters == [
        Chapter(start=0.0, end=90.5, title="First one"),
        Chapter(
            start=90.5,
            end=3723.0,
            title="Second",
            url="https://x.example.com/2",
            img="https://show.example.com/img/2.jpg",
        ),
        Chapter(start=3723.0, end=None, title="Third"),
    ]


def test_normal_play_time_reads_what_podlove_allows_and_nothing_else():
    assert parse_npt("00:00:05") == 5.0
    assert parse_npt("1:02") == 62.0
    assert parse_npt("62.25") == 62.25
    assert parse_npt("100:00:00") == 360000.0
    for nonsense in ("", "-5", "1:2:3:4", "abc", "12:345", "9" * 30, "1e9", "999999:00:00"):
        assert parse_npt(nonsense) is None, nonsense


def test_urls_that_are_not_http_are_dropped_and_duplicates_read_once():
    media = media_of(
        rss(
            '<podcast:chapters url="javascript:alert(1)"/>'
            '<podcast:transcript url="file:///etc/passwd" type="text/vtt"/>'
            '<podcast:transcript url="https://s.example.com/t.vtt" type="text/vtt"/>'
            '<podcast:transcript url="https://s.example.com/t.vtt" type="text/vtt"/>'
            '<podcast:transcript type="text/vtt"/>'
            f'<podcast:transcript url="https://s.example.com/{"x" * 3000}.vtt"/>'
            '<psc:chapters><psc:chapter start="0" title="t" href="data:text/html,hi"'
            ' image="javascript:x"/></psc:chapters>'
        )
    )
    assert media.chapters_link is None
    assert [t.url for t in media.transcripts] == ["https://s.example.com/t.vtt"]
    assert media.chapters == [Chapter(start=0.0, title="t")]


def test_too_many_transcripts_and_chapters_are_capped():
    transcripts = "".join(
        f'<podcast:transcript url="https://s.example.com/{n}.vtt" type="text/vtt"/>'
        for n in range(MAX_TRANSCRIPTS * 50)
    )
    chapters = "".join(f'<psc:chapter start="{n}" title="c{n}"/>' for n in range(MAX_CHAPTERS * 4))
    media = media_of(rss(f"{transcripts}<psc:chapters>{chapters}</psc:chapters>"))
    assert len(media.transcripts) == MAX_TRANSCRIPTS
    assert len(media.chapters) == MAX_CHAPTERS
    assert media.chapters[-1].start == MAX_CHAPTERS - 1


def test_an_item_without_them_has_empty_media():
    media = media_of(rss(""))
    assert media.chapters_link is None and media.transcripts == [] and media.chapters == []
