from __future__ import annotations

from datetime import UTC, datetime

from airwaves.crawler import process
from airwaves.crawler.process import fingerprint, identity_key, process_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed


def item(**fields) -> ParsedEpisode:
    defaults = {"guid": "g1", "title": "Hello", "description_html": "<p>Notes</p>"}
    return ParsedEpisode(**{**defaults, **fields})


def test_items_parsed_as_before_are_passed_through_untouched():
    old, new = item(), item(guid="g2", title="New")
    known = {fingerprint(old): "g1"}

    feed = process_feed(ParsedFeed(title="Show", episodes=[new, old]), known=known)

    fresh, same = feed.episodes
    assert not fresh.unchanged and fresh.description_html == "<p>Notes</p>"
    assert same.unchanged and same.guid == "g1" and same.title == ""


def test_any_parsed_difference_changes_the_fingerprint():
    assert fingerprint(item()) == fingerprint(item())
    assert fingerprint(item()) != fingerprint(item(description_html="<p>Notes!</p>"))
    assert fingerprint(item()) != fingerprint(item(published=datetime(2026, 1, 1, tzinfo=UTC)))


def test_a_new_process_version_cleans_everything_again(monkeypatch):
    before = fingerprint(item())
    monkeypatch.setattr(process, "PROCESS_VERSION", process.PROCESS_VERSION + 1)
    assert fingerprint(item()) != before


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
