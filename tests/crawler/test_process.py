from __future__ import annotations

from datetime import UTC, datetime

from airwaves.crawler.process import identity_key, process_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed


def item(**fields) -> ParsedEpisode:
    defaults = {"guid": "g1", "title": "Hello", "description_html": "<p>Notes</p>"}
    return ParsedEpisode(**{**defaults, **fields})


def test_unchanged_stubs_pass_through_untouched():
    stub = ParsedEpisode(guid="g1", fingerprint="d1", unchanged=True)
    new = item(guid="g2", title="New", fingerprint="d2")

    feed = process_feed(ParsedFeed(title="Show", episodes=[new, stub]))

    fresh, same = feed.episodes
    assert not fresh.unchanged and fresh.description_html == "<p>Notes</p>"
    assert fresh.fingerprint == "d2"
    assert same is stub


def test_identity_falls_back_from_guid_to_enclosure_to_link_to_title_and_date():
    assert identity_key(item(guid=" g ")) == "g"
    assert identity_key(item(guid="", enclosure_url="https://e/a.mp3")) == "https://e/a.mp3"
    assert identity_key(item(guid="", link="https://e/post")) == "https://e/post"
    dated = item(guid="", published=datetime(2026, 4, 15, tzinfo=UTC))
    assert identity_key(dated) == "title:Hello|2026-04-15T00:00:00+00:00"
    assert identity_key(item(guid="x" * 600)).startswith("sha256:")


def test_repeated_items_keep_the_first_copy():
    feed = process_feed(ParsedFeed(title="S", episodes=[item(title="A"), item(title="B")]))
    assert [e.title for e in feed.episodes] == ["A"]


def test_unsafe_urls_never_reach_a_page():
    cleaned = process_feed(
        ParsedFeed(
            title="S",
            image_url="javascript:alert(1)",
            episodes=[item(enclosure_url="data:audio/mp3;base64,AAAA", link="file:///etc/passwd")],
        )
    )
    assert cleaned.image_url == ""
    assert cleaned.episodes[0].enclosure_url == "" and cleaned.episodes[0].link == ""
