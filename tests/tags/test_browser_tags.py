"""Browser tests: from an episode to a person's page and on to their other show's
episode; a show's live item playing in the player bar."""

from __future__ import annotations

from pathlib import Path

import pytest

from airwaves.podcasts.models import Podcast
from tests.feedserver import FeedServer
from tests.tags.test_store_tags import make_podcast, store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUDIO = Path(__file__).parents[2] / "airwaves" / "static" / "airwaves" / "demo" / "audio"
NS = 'xmlns:podcast="https://podcastindex.org/namespace/1.0"'


def show(url: str, title: str, channel: str, items: str) -> Podcast:
    podcast = make_podcast(url)
    store(
        podcast,
        f"<rss {NS}><channel><title>{title}</title>{channel}{items}</channel></rss>".encode(),
    )
    podcast.refresh_from_db()
    return podcast


def item(guid: str, title: str, people: str) -> str:
    return (
        f"<item><title>{title}</title><guid>{guid}</guid>"
        "<pubDate>Mon, 01 Jun 2026 10:00:00 GMT</pubDate>"
        f'<enclosure url="https://cdn.example.com/{guid}.mp3" type="audio/mpeg"/>{people}</item>'
    )


def test_from_an_episode_to_its_guest_and_their_other_show(browser_page):
    guest = '<podcast:person role="guest" href="https://kemi.example.com/">Kemi Adeyemi</podcast:person>'
    show(
        "https://one.example.com/feed.xml", "Market Days", "", item("m1", "The river market", guest)
    )
    show("https://two.example.com/feed.xml", "Night Kitchen", "", item("k1", "Pepper soup", guest))
    page = browser_page
    page.goto("/podcasts/market-days/the-river-market/")
    people = page.get_by_role("region", name="People")
    assert people.locator(".person-role").inner_text() == "Guest"
    people.get_by_role("link", name="Kemi Adeyemi").click()

    page.wait_for_url("**/people/kemi-adeyemi/")
    assert page.locator("h1").inner_text() == "Kemi Adeyemi"
    rows = page.locator(".episode-list .row-title")
    assert sorted(rows.all_inner_texts()) == ["Pepper soup", "The river market"]
    page.get_by_role("link", name="Pepper soup").click()
    page.wait_for_url("**/podcasts/night-kitchen/pepper-soup/")
    assert page.locator("h1").inner_text() == "Pepper soup"


def test_a_live_item_plays_in_the_player_bar(browser_page):
    with FeedServer() as server:
        server.route(
            "/live.mp3",
            (AUDIO / "quiet-streets.mp3").read_bytes(),
            headers={"Content-Type": "audio/mpeg"},
        )
        live = (
            f'<podcast:liveItem status="live" start="2026-03-06T18:00:00Z">'
            f"<title>Friday night live</title><guid>live-1</guid>"
            f'<enclosure url="{server.url("/live.mp3")}" type="audio/mpeg"/></podcast:liveItem>'
            '<podcast:liveItem status="ended" start="2026-02-27T18:00:00Z">'
            f'<title>Last Friday</title><enclosure url="{server.url("/live.mp3")}"/>'
            "</podcast:liveItem>"
        )
        podcast = show("https://live.example.com/feed.xml", "Field Notes Live", live, "")
        page = browser_page
        page.goto(podcast.get_absolute_url())
        section = page.get_by_role("region", name="Live")
        assert section.locator(".live-status").all_inner_texts() == ["Live now", "Ended"]
        section.get_by_role("button", name="▶ Listen live").click()
        page.wait_for_function(
            "() => { const a = document.getElementById('player-audio');"
            " return !a.paused && a.currentTime > 0.3; }",
            timeout=10_000,
        )
        assert page.locator("#player-audio").evaluate("a => a.currentSrc") == server.url(
            "/live.mp3"
        )
        assert section.get_by_role("button", name="❚❚ Pause").is_visible()
        assert any(r.path == "/live.mp3" for r in server.requests)
