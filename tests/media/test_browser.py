"""Chapters and transcripts in a real browser: a chapter click seeks the player, the
transcript follows playback, and a shared ?t=90 link starts at 1:30. The episode's audio
is two and a half minutes of tone made with ffmpeg, served with byte ranges (seeking)."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from airwaves.crawler.refresh import refresh_feed
from airwaves.podcasts.extras import fetch_pending_media
from airwaves.podcasts.models import Episode, Podcast
from tests.feedserver import Request
from tests.media.media_feeds import CHAPTERS, VTT, media_feed, media_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).parent.parent.parent / "test-artifacts"
PLAYING_PAST = (
    "t => { const a = document.getElementById('player-audio');"
    " return a && !a.paused && a.currentTime >= t; }"
)


@pytest.fixture(scope="module")
def audio(tmp_path_factory) -> bytes:
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg not found: run scripts/test.sh, which installs it")
    path = Path(tmp_path_factory.mktemp("audio")) / "tone.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=150"]
        + ["-ac", "1", "-ar", "8000", "-b:a", "8k", str(path)],
        check=True,
        timeout=60,
    )
    return path.read_bytes()


def ranged(data: bytes):
    """Answers GETs with the whole file or, for a Range request, the bytes asked for."""

    def answer(request: Request):
        headers = {"Content-Type": "audio/mpeg", "Accept-Ranges": "bytes"}
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", request.headers.get("Range", ""))
        if not match:
            return 200, headers, data
        start = int(match.group(1))
        end = min(int(match.group(2) or len(data) - 1), len(data) - 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return 206, headers, data[start : end + 1]

    return answer


@pytest.fixture
def episode(feed_server, audio) -> Episode:
    feed_server.handle("/tone.mp3", ranged(audio))
    feed_server.route("/c.json", CHAPTERS)
    feed_server.route("/t.vtt", VTT, headers={"Content-Type": "text/vtt"})
    feed_server.route(
        "/feed.xml",
        media_feed(
            media_item(
                "a",
                chapters=feed_server.url("/c.json"),
                transcripts=[(feed_server.url("/t.vtt"), "text/vtt")],
                enclosure=feed_server.url("/tone.mp3"),
            )
        ),
    )
    podcast = Podcast.objects.create(
        feed_url=feed_server.url("/feed.xml"), slug=Podcast.placeholder_slug("x")
    )

    def crawl() -> dict:
        try:
            refresh_feed(podcast.pk)
            return fetch_pending_media().statuses
        finally:
            connection.close()

    # In a thread of its own: the fetches run an event loop, and Playwright's runs here.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(crawl).result() == {"ok": 2}
    return Episode.objects.get(podcast=podcast)


def current_time(page) -> float:
    return page.evaluate("() => document.getElementById('player-audio').currentTime")


def test_a_chapter_click_seeks_the_player_and_the_bar_names_the_chapter(browser_page, episode):
    page = browser_page
    page.goto(episode.get_absolute_url())
    page.locator("#chapters a.chapter-seek", has_text="Second topic").click()

    page.wait_for_function(PLAYING_PAST, arg=90, timeout=15_000)
    assert 90 <= current_time(page) < 100
    chapter = page.locator("#chapters li.chapter.is-current")
    chapter.wait_for()
    assert chapter.locator(".chapter-title").inner_text() == "Second topic"
    label = page.locator("#player [data-player-chapter]")
    assert label.is_visible() and label.inner_text() == "Second topic"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "episode-chapters.png", full_page=True)

    # Another chapter, while playing: the player jumps back.
    page.locator("#chapters a.chapter-seek", has_text="First topic").click()
    page.wait_for_function(
        "() => { const a = document.getElementById('player-audio');"
        " return !a.paused && a.currentTime >= 30 && a.currentTime < 40; }",
        timeout=15_000,
    )
    page.wait_for_function(
        "() => document.querySelector('#player [data-player-chapter]').textContent"
        " === 'First topic'"
    )


def test_the_transcript_follows_playback(browser_page, episode):
    page = browser_page
    page.goto(episode.get_absolute_url())
    page.locator("#transcript a[data-seek='0']").click()
    page.wait_for_function(PLAYING_PAST, arg=0.2, timeout=15_000)
    current = page.locator("#transcript li.is-current")
    current.wait_for()
    assert current.inner_text().endswith("Welcome to the show.")

    # Just before the next line: playing on crosses into it, and the highlight follows.
    page.evaluate("() => { document.getElementById('player-audio').currentTime = 29; }")
    page.wait_for_function(
        "() => { const li = document.querySelector('#transcript li.is-current');"
        " return li && li.dataset.start === '30'; }",
        timeout=15_000,
    )
    assert page.locator("#transcript li.is-current").count() == 1
    assert (
        page.locator("#transcript li[aria-current='true']")
        .inner_text()
        .endswith("Here is the first topic.")
    )


def test_a_shared_link_with_t_90_starts_at_one_minute_thirty(browser_page, episode):
    page = browser_page
    page.goto(episode.get_absolute_url() + "?t=90")
    # Loaded in the bar at 1:30, paused (browsers only play after a click).
    page.locator("#player [data-player-time]").wait_for()
    assert page.locator("#player [data-player-time]").inner_text() == "1:30"

    page.get_by_role("button", name="▶ Listen").click()

    page.wait_for_function(PLAYING_PAST, arg=90, timeout=15_000)
    assert 90 <= current_time(page) < 100
    assert page.locator("#chapters li.chapter.is-current .chapter-title").inner_text() == (
        "Second topic"
    )
