"""Chromium plays the demo station from the radio page, through the proxy, and sees its
title change with the programmes."""

from __future__ import annotations

import pytest

from airwaves.demo.broadcaster import PROGRAMMES
from tests.conftest import watch_for_errors
from tests.radio.fixtures import SERVES_STATIC_FILES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), SERVES_STATIC_FILES]

PLAYING = (
    "() => { const a = document.getElementById('player-audio');"
    " return !a.paused && a.currentTime > 0.5; }"
)
TITLES = [title for _stem, title in PROGRAMMES]


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors = watch_for_errors(tab)
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors or CSP violations on the page: {errors}"


def test_the_demo_station_plays_and_its_title_changes(page, demo_radio):
    mp3 = demo_radio[0]
    page.goto("/radio/")
    page.get_by_role("link", name="Airwaves Demo Radio").first.click()
    page.wait_for_url(f"**/radio/{mp3.slug}/")
    assert "MP3, 32 kbps" in page.locator("body").inner_text()

    page.get_by_role("button", name="▶ Listen").click()
    page.wait_for_function(PLAYING, timeout=15_000)
    assert page.locator("#player-audio").get_attribute("src") == f"/radio/{mp3.slug}/stream"

    title = page.locator("#now-playing .np-title")
    shown = page.wait_for_function(
        "titles => titles.includes(document.querySelector('#now-playing .np-title').textContent.trim())"
        " && document.querySelector('#now-playing .np-title').textContent.trim()",
        arg=TITLES,
        timeout=10_000,
    ).json_value()
    # The next programme brings the next title, while the audio goes on playing.
    page.wait_for_function(
        "([titles, first]) => { const t = document.querySelector('#now-playing .np-title')"
        ".textContent.trim(); return titles.includes(t) && t !== first; }",
        arg=[TITLES, shown],
        timeout=15_000,
    )
    assert title.inner_text().strip() in TITLES
    assert page.evaluate(PLAYING)
