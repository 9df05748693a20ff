"""Podcasting 2.0 tags read from the corpus (tests/crawler/testdata/p20_tags*.xml),
field by field, and from hostile feeds: capped, cut, never a crash."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airwaves.crawler import p20_tags
from airwaves.crawler.parse import parse_feed
from airwaves.crawler.types import (
    AlternateEnclosure,
    ContentLink,
    Funding,
    ImageSource,
    License,
    Location,
    MediaSource,
    Person,
    RemoteItem,
    Soundbite,
    Trailer,
    Txt,
    ValueRecipient,
)

TESTDATA = Path(__file__).parent.parent / "crawler" / "testdata"
CURRENT = "https://podcastindex.org/namespace/1.0"
LEGACY = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"


def corpus(name: str, url: str):
    return parse_feed((TESTDATA / name).read_bytes(), url=url)


def rss(channel: str = "", item: str = "", namespace: str = CURRENT) -> bytes:
    return (
        f'<rss version="2.0" xmlns:podcast="{namespace}"><channel><title>T</title>{channel}'
        f"<item><title>E</title><guid>e1</guid>{item}</item></channel></rss>"
    ).encode()


def test_the_channel_tags_of_the_corpus_feed():
    tags = corpus("p20_tags.xml", "https://fieldnotes.example.com/feed.xml").tags
    assert tags.persons == [
        Person(
            "Ada Okafor", "host", "cast", "https://fieldnotes.example.com/ada.jpg",
            "https://ada.example.com/",
        ),
        Person("Tomás Reyes", "producer", "writing", "", ""),
    ]  # fmt: skip
    # The javascript: one is dropped.
    assert tags.funding == [
        Funding("https://fieldnotes.example.com/support", "Support the show"),
        Funding("https://patreon.example.com/fieldnotes", "Patreon"),
    ]
    assert tags.location == Location("Lagos, Nigeria", "geo:6.5244,3.3792", "R3720878", "creator")
    assert tags.trailers == [
        Trailer(
            "Season 2 trailer", "https://cdn.example.com/trailer.mp3", "audio/mpeg", 498537,
            datetime(2026, 1, 1, 8, tzinfo=UTC), 2,
        )
    ]  # fmt: skip
    assert tags.license == License("cc-by-4.0", "https://creativecommons.org/licenses/by/4.0/")
    assert tags.images == [
        ImageSource("https://cdn.example.com/cover-1500.jpg", 1500),
        ImageSource("https://fieldnotes.example.com/cover-600.jpg", 600),  # resolved
    ]
    assert tags.txt == [Txt("verify", "S6lpp-7ZCn8-dZfGc-OoyVG")]
    assert (tags.value.type, tags.value.method, tags.value.suggested) == (
        "lightning",
        "keysend",
        "0.00000005000",
    )
    assert tags.value.recipients[1] == ValueRecipient(
        "Index", "node", "03ae9f91a0cb8ff43840e3c322c4c61f019d8c1c3cea15a25cfc425ac605e61a4a",
        10, True, "", "",
    )  # fmt: skip
    assert tags.podroll == [
        RemoteItem("4c9b2d53-2cd6-5d42-a1a9-0e3c0b1d2a11", "https://other.example.com/feed.xml"),
        RemoteItem("d3a6b7c8-0000-5d42-a1a9-0e3c0b1d2a12"),
    ]
    assert tags.medium == "podcast"
    assert tags.locked_owner == "ada@fieldnotes.example.com"
    assert (tags.update_frequency, tags.update_rrule, tags.update_start) == (
        "Weekly",
        "FREQ=WEEKLY",
        datetime(2026, 1, 2, 18, tzinfo=UTC),
    )


def test_the_live_items_of_the_corpus_feed_and_an_unknown_status_left_out():
    live, pending = corpus(
        "p20_tags.xml", "https://fieldnotes.example.com/feed.xml"
    ).tags.live_items
    assert live.status == "live"
    assert (live.start, live.end) == (
        datetime(2026, 3, 6, 23, tzinfo=UTC),
        datetime(2026, 3, 7, 0, tzinfo=UTC),
    )
    assert (live.guid, live.title) == ("live-2026-03-06", "Friday night live")
    assert (live.enclosure_url, live.enclosure_type, live.enclosure_length) == (
        "https://stream.example.com/live.mp3",
        "audio/mpeg",
        312,
    )
    assert live.content_links == [ContentLink("https://youtube.example.com/live", "Watch on video")]
    assert [p.name for p in live.persons] == ["Ada Okafor"]
    assert (pending.status, pending.title, pending.enclosure_length) == (
        "pending",
        "Next Friday",
        None,
    )


def test_the_item_tags_of_the_corpus_feed():
    first, bonus = corpus("p20_tags.xml", "https://fieldnotes.example.com/feed.xml").episodes
    tags = first.tags
    assert tags.persons == [
        Person(
            "Kemi Adeyemi", "guest", "cast", "https://kemi.example.com/me.png",
            "https://kemi.example.com/",
        ),
        Person("Ada Okafor", "host", "cast", "", ""),
    ]  # fmt: skip
    assert (first.season, tags.season_name) == (2, "Rivers")
    assert (first.episode_number, tags.episode_number, tags.episode_display) == (
        204,
        "204",
        "Ch. 4",
    )
    assert tags.location == Location("Balogun Market", "geo:6.45,3.39", "", "")
    # The soundbite without a start time is left out.
    assert tags.soundbites == [Soundbite(73.0, 60.5, "The best haggle")]
    # ipfs: is not a URL a page can play: only the https source is kept.
    assert tags.alternate_enclosures == [
        AlternateEnclosure(
            "audio/opus", 32400000, 96000.0, None, "", "Opus", "", "", True,
            [MediaSource("https://cdn.example.com/204.opus", "")],
        )
    ]  # fmt: skip
    assert tags.license == License("All rights reserved", "")
    assert tags.txt == [Txt("", "episode note")]
    # iTunes numbers win over podcast:season/episode; "1.5" is kept as published.
    assert (bonus.season, bonus.episode_number, bonus.episode_type) == (3, 7, "bonus")
    assert bonus.tags.episode_number == "1.5"
    assert bonus.tags.persons == []


def test_the_legacy_namespace_in_an_atom_feed_reads_the_same():
    feed = corpus("p20_tags_legacy_atom.xml", "https://legacy.example.com/feed.xml")
    assert feed.tags.funding == [Funding("https://legacy.example.com/donate", "Donate")]
    # A relative href resolves against the feed's URL.
    assert feed.tags.persons == [
        Person("Lee Marsh", "host", "cast", "", "https://legacy.example.com/hosts/lee")
    ]
    assert feed.tags.medium == "music"
    (entry,) = feed.episodes
    assert entry.tags.persons == [Person("Robin Vale", "guest", "cast", "", "")]  # no javascript:
    assert (entry.season, entry.tags.season_name, entry.episode_number) == (1, "First", 1)


@pytest.mark.parametrize("namespace", [CURRENT, LEGACY], ids=["current", "legacy"])
def test_both_namespace_uris_read_every_repeated_tag(namespace):
    person = '<podcast:person role="guest">Guest {n}</podcast:person>'
    feed = parse_feed(rss(item="".join(person.format(n=n) for n in range(3)), namespace=namespace))
    assert [p.name for p in feed.episodes[0].tags.persons] == ["Guest 0", "Guest 1", "Guest 2"]


def test_thousands_of_person_tags_are_capped_and_read_in_linear_time():
    people = "".join(f"<podcast:person>Person {n}</podcast:person>" for n in range(20_000))
    started = time.monotonic()
    feed = parse_feed(rss(channel=people, item=people))
    elapsed = time.monotonic() - started
    assert len(feed.tags.persons) == p20_tags.MAX_PEOPLE
    assert len(feed.episodes[0].tags.persons) == p20_tags.MAX_PEOPLE
    assert elapsed < 5


def test_huge_attribute_values_are_cut():
    name = "N" * 1_000_000
    item = (
        f'<podcast:person role="{"r" * 100_000}" href="https://x.example/{"a" * 100_000}">'
        f"{name}</podcast:person>"
        f'<podcast:season name="{"s" * 100_000}">1</podcast:season>'
        f'<podcast:images srcset="{"https://x.example/a.jpg 1w, " * 50_000}"/>'
    )
    tags = parse_feed(rss(item=item)).episodes[0].tags
    (person,) = tags.persons
    assert len(person.name) == p20_tags.NAME_CHARS
    assert len(person.role) == 50
    assert person.href == ""  # longer than any URL we keep
    assert len(tags.season_name) == p20_tags.NAME_CHARS
    assert len(tags.images) == p20_tags.MAX_IMAGES


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "file:///etc/passwd",
     " javascript:alert(1)", "vbscript:x", "https://x.example/a b", 'https://x.example/"><b>'],
)  # fmt: skip
def test_urls_that_are_not_http_are_dropped_everywhere(url):
    item = (
        f'<podcast:person href="{url}" img="{url}">P</podcast:person>'
        f'<podcast:funding url="{url}">F</podcast:funding>'
        f'<podcast:alternateEnclosure type="audio/mpeg"><podcast:source uri="{url}"/>'
        "</podcast:alternateEnclosure>"
    ).replace('"><b>', "&quot;&gt;&lt;b&gt;")
    channel = (
        f'<podcast:liveItem status="live"><title>L</title><enclosure url="{url}"/>'
        f'<podcast:contentLink href="{url}">c</podcast:contentLink></podcast:liveItem>'
        f'<podcast:trailer url="{url}">t</podcast:trailer>'
    ).replace('"><b>', "&quot;&gt;&lt;b&gt;")
    feed = parse_feed(rss(channel=channel, item=item))
    tags = feed.episodes[0].tags
    assert (tags.persons[0].href, tags.persons[0].img) == ("", "")
    assert tags.funding == [] and tags.alternate_enclosures == []
    (live,) = feed.tags.live_items
    assert (live.enclosure_url, live.content_links) == ("", [])
    assert feed.tags.trailers == []


def test_nesting_inside_the_tags_is_ignored():
    deep = "<podcast:person>" * 200 + "x" + "</podcast:person>" * 200
    nested_value = (
        '<podcast:value type="lightning">' + "<podcast:value>" * 200 + "</podcast:value>" * 200
    ) + "</podcast:value>"
    feed = parse_feed(rss(item=deep + nested_value))
    tags = feed.episodes[0].tags
    assert [p.name for p in tags.persons] == ["x"]
    assert tags.value.type == "lightning" and tags.value.recipients == []


def test_nesting_deeper_than_the_parser_allows_still_gives_the_item():
    deep = "<podcast:person>" * 5000 + "x" + "</podcast:person>" * 5000
    feed = parse_feed(rss(item=deep))
    assert [e.guid for e in feed.episodes] == ["e1"]


@pytest.mark.parametrize(
    "item",
    [
        '<podcast:soundbite startTime="nan" duration="inf"/>',
        '<podcast:soundbite startTime="1e999" duration="-5"/>',
        '<podcast:episode display="x">not a number</podcast:episode>',
        "<podcast:season>-3</podcast:season><podcast:episode>99999999999999999999</podcast:episode>",
        "<podcast:person></podcast:person><podcast:person>   </podcast:person>",
        '<podcast:alternateEnclosure bitrate="lots" length="-1" default="maybe"/>',
        '<podcast:location/><podcast:license/><podcast:images srcset=",,, ,"/>',
        '<podcast:value><podcast:valueRecipient split="half"/></podcast:value>',
    ],
)
def test_malformed_values_give_no_value_and_no_error(item):
    episode = parse_feed(rss(item=item)).episodes[0]
    tags = episode.tags
    assert tags.soundbites == [] and tags.persons == [] and tags.alternate_enclosures == []
    assert tags.location is None and tags.license is None and tags.images == []
    assert episode.episode_number is None and episode.season is None
