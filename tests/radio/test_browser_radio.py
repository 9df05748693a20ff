"""Browser tests of the station pages: Chromium plays a station from a real Icecast
through the proxy in the player bar, sees the now-playing title change, and keeps
listening while it browses other pages."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from airwaves.radio.models import Station
from tests.conftest import watch_for_errors
from tests.icecast import Icecast, IcecastError
from tests.radio import fixtures
from tests.radio.fixtures import SERVES_STATIC_FILES, make_station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), SERVES_STATIC_FILES]
# The fixture, by name (a plain import would read as an unused import to linters).
asgi_server = fixtures.asgi_server

ARTIFACTS = Path(__file__).parent.parent.parent / "test-artifacts"
MOUNT = "/browser.mp3"
PLAYING = (
    "() => { const a = document.getElementById('player-audio');"
    " return !a.paused && a.currentTime > 0.5; }"
)


@pytest.fixture(scope="module")
def icecast():
    """An Icecast of this module's own, with Icecast's default 64 KB burst on connect:
    Chromium starts playing a live MP3 once it has probed about that much, which with
    the suite's small burst takes 8 s of real-time streaming."""
    server = Icecast(burst_size=65536)
    try:
        server.start()
    except IcecastError as exc:
        server.stop()
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def on_air(icecast):
    icecast.add_source(MOUNT, "mp3", bitrate=128, title="Airwaves - First Song")
    station = make_station(
        "Browser FM",
        icecast.url(MOUNT),
        tags="test tones,electronic",
        country="Germany",
        country_code="DE",
        codec="MP3",
        bitrate=128,
        votes=3,
        last_check_ok=True,
    )
    make_station("Another Station", "http://another.example.org/", tags="electronic", votes=1)
    yield station
    icecast.stop_source(MOUNT)


@pytest.fixture
def page(browser, asgi_server):
    """A tab on the ASGI server (streaming views need it); fails on JavaScript errors
    and Content-Security-Policy violations."""
    context = browser.new_context(base_url=asgi_server.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors = watch_for_errors(tab)
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors or CSP violations on the page: {errors}"


def test_a_station_plays_and_its_title_changes_live(page, on_air, icecast):
    page.goto("/radio/")
    # A boosted (htmx) navigation: the station page's script must still run.
    page.get_by_role("link", name="Browser FM").first.click()
    page.wait_for_url(f"**/radio/{on_air.slug}/")

    title = page.locator("#now-playing .np-title")
    title.filter(has_text="Airwaves - First Song").wait_for(timeout=10_000)

    page.get_by_role("button", name="▶ Listen").click()
    page.wait_for_function(PLAYING, timeout=15_000)
    assert page.get_by_role("button", name="❚❚ Pause").is_visible()
    assert page.locator("#player-audio").get_attribute("src") == f"/radio/{on_air.slug}/stream"
    # With JavaScript the bar plays; the page's own player is the no-script fallback.
    assert not page.locator("#station-audio").is_visible()

    icecast.set_title(MOUNT, "Motörhead - Ace of Spades; 'live'")
    title.filter(has_text="Motörhead - Ace of Spades; 'live'").wait_for(timeout=10_000)
    assert page.locator("#now-playing").is_visible()
    bar = page.locator("#player")
    bar.locator(".player-title").filter(has_text="Motörhead - Ace of Spades").wait_for()
    # The player told the site about the play once.
    page.wait_for_function(
        "() => document.getElementById('player-audio').currentTime > 1", timeout=10_000
    )
    assert Station.objects.get(pk=on_air.pk).click_count == 1

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "station-page.png", full_page=True)


def test_voting_updates_the_button_in_place(page, on_air):
    page.goto(f"/radio/{on_air.slug}/")
    page.get_by_role("button", name="▲ Vote 3").click()
    page.get_by_text("Thanks for your vote.").wait_for()
    assert page.locator(".vote-count").inner_text() == "4"
    assert page.get_by_role("button", name="▲ Vote 4").is_disabled()
    assert Station.objects.get(pk=on_air.pk).votes == 4


@pytest.fixture
def hls_station(feed_server, tmp_path):
    """An HLS stream (AAC in MPEG-TS segments) served from 127.0.0.1, CORS open as
    hls.js needs."""
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100",
            "-t", "8", "-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "2",
            "-hls_playlist_type", "vod", "-hls_segment_filename", str(tmp_path / "seg%d.ts"),
            str(tmp_path / "live.m3u8"),
        ],
        check=True,
        timeout=30,
    )  # fmt: skip
    for path in tmp_path.iterdir():
        kind = "application/vnd.apple.mpegurl" if path.suffix == ".m3u8" else "video/mp2t"
        headers = {"Content-Type": kind, "Access-Control-Allow-Origin": "*"}
        feed_server.route(f"/{path.name}", path.read_bytes(), headers=headers)
    return make_station("HLS Radio", feed_server.url("/live.m3u8"), hls=True, codec="AAC")


def play(page, station) -> None:
    page.goto(f"/radio/{station.slug}/")
    page.get_by_role("button", name="▶ Listen").click()
    page.wait_for_function(PLAYING, timeout=15_000)


def test_an_hls_station_plays_natively_where_the_browser_can(page, hls_station):
    play(page, hls_station)
    assert page.evaluate("() => window.Hls === undefined")


def test_an_hls_station_plays_through_hls_js_where_the_browser_cannot(page, hls_station):
    # A browser without native HLS (Firefox, older Chromium): canPlayType says no.
    page.add_init_script(
        "const canPlay = HTMLMediaElement.prototype.canPlayType;"
        "HTMLMediaElement.prototype.canPlayType = function (type) {"
        "  return /mpegurl/i.test(type) ? '' : canPlay.call(this, type); };"
    )
    play(page, hls_station)
    assert page.evaluate("() => typeof window.Hls === 'function'")
    # hls.js feeds the element through Media Source Extensions, not the playlist URL.
    assert page.evaluate("() => document.getElementById('player-audio').src.startsWith('blob:')")


def test_the_bar_keeps_playing_the_station_across_pages(page, on_air):
    page.goto(f"/radio/{on_air.slug}/")
    page.get_by_role("button", name="▶ Listen").click()
    page.wait_for_function(PLAYING, timeout=15_000)
    page.evaluate("() => { window.playerAudio = document.getElementById('player-audio'); }")

    # Taken before the click: a quick navigation may have changed page.url already.
    home = page.url.split("/radio/")[0] + "/"
    page.locator(".site-header a.brand").click()
    page.wait_for_url(home)
    assert page.locator("article.station").count() == 0

    # The very same <audio> element, still playing and moving forward.
    same, paused, before = page.evaluate(
        "() => { const a = document.getElementById('player-audio');"
        " return [a === window.playerAudio, a.paused, a.currentTime]; }"
    )
    assert same and not paused
    page.wait_for_function(
        f"() => document.getElementById('player-audio').currentTime > {before + 0.3}",
        timeout=5_000,
    )
    bar = page.locator("#player")
    assert bar.is_visible()
    assert "Browser FM" in bar.inner_text()
    bar.locator(".player-title").filter(has_text="Airwaves - First Song").wait_for(timeout=10_000)
    # Live: no seeking, skipping or speed.
    assert bar.get_by_text("LIVE", exact=True).is_visible()
    assert not bar.get_by_label("Position").is_visible()
    assert not bar.get_by_role("button", name="Forward 30 seconds").is_visible()
    assert not bar.get_by_label("Playback speed").is_visible()
    metadata = page.evaluate(
        "() => { const m = navigator.mediaSession.metadata; return [m.title, m.artist]; }"
    )
    assert metadata == ["Airwaves - First Song", "Browser FM"]

    # Pausing lets go of the stream; playing again goes back to live.
    bar.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function("() => !document.getElementById('player-audio').hasAttribute('src')")
    bar.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(PLAYING, timeout=15_000)
    # No positions are saved for a station.
    assert page.evaluate("() => JSON.parse(localStorage.getItem('airwaves.player')).position") == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "station-in-player-bar.png")


def test_an_episode_takes_the_bar_back_from_a_station(page, on_air, demo):
    page.add_init_script(
        "window.titleStreams = []; const Source = window.EventSource;"
        "window.EventSource = class extends Source {"
        "  constructor(url) { super(url); window.titleStreams.push(this); } };"
    )
    page.goto(f"/radio/{on_air.slug}/")
    page.get_by_role("button", name="Add to favourites").click()
    page.get_by_role("button", name="In your favourites").wait_for()  # a guest's heart, in place
    page.get_by_role("button", name="▶ Listen").click()
    page.wait_for_function(PLAYING, timeout=15_000)

    # Boosted navigation all the way, so the station is still playing when it is replaced.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Podcasts").click()
    page.get_by_role("link", name="Small Science").first.click()
    page.wait_for_url("**/podcasts/small-science/")
    assert page.evaluate("() => !document.getElementById('player-audio').paused")
    page.get_by_role("button", name="Play Why ice floats").click()
    bar = page.locator("#player")
    bar.locator(".player-title").filter(has_text="Why ice floats").wait_for()
    page.wait_for_function(PLAYING, timeout=10_000)
    assert "is-live" not in bar.get_attribute("class")
    assert bar.get_by_label("Playback speed").is_visible()
    assert not bar.get_by_text("LIVE", exact=True).is_visible()
    assert bar.locator(".player-show").inner_text() == "Small Science"
    # The page's and the bar's now-playing streams were both closed.
    assert page.evaluate("() => window.titleStreams.map((s) => s.readyState)") == [2, 2]
