"""Accessibility: axe-core finds no serious or critical violation on the main pages, with
the demo content loaded; the play buttons say whether they play or pause; a skip link;
guests reach their history from the navigation.

axe-core comes from npm (scripts/install-axe.sh, which scripts/test.sh runs) and is
injected by the test with Playwright's add_script_tag: the site never serves it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import watch_for_errors
from tests.radio.fixtures import make_station

AXE = Path(__file__).parent.parent / ".venv/axe/node_modules/axe-core/axe.min.js"
ROOT_CAUSE = (
    "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
    "my-new-book-root-cause-stories-from-two-decades-of-backend-bugs/"
)
SERIOUS = ("serious", "critical")


@pytest.fixture
def page(browser, live_server, demo):
    """A tab on the live server with the demo loaded and one station on air. The page's
    Content-Security-Policy is bypassed for this tab only: add_script_tag inserts axe as
    an inline script, which the policy (rightly) refuses. The other browser tests keep
    the policy and fail on any violation of it."""
    if not AXE.exists():
        pytest.fail(f"{AXE} not found: run scripts/install-axe.sh (scripts/test.sh does)")
    make_station(
        "Lighthouse Radio",
        "http://radio.example.org/live",
        tags="news,talk",
        country_code="GB",
        codec="MP3",
        bitrate=128,
        last_check_ok=True,
    )
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    tab = context.new_page()
    errors = watch_for_errors(tab)
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def violations(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")  # /me/state has filled in the personal parts
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["html"][-300:] for node in v["nodes"][:3])
        for v in results["violations"]
        if v["impact"] in SERIOUS
    ]


PAGES = {
    "home": "/",
    "show": "/podcasts/the-backend-engineering-show-with-hussein-nasser/",
    "episode": ROOT_CAUSE,
    "station": "/radio/lighthouse-radio/",
    "search": "/search?q=backend",
    "favourites": "/favourites/",
    "log-in": "/accounts/login/",
}


def test_axe_finds_no_serious_violation(page):
    # One tab visits every page (loading the demo once): the answer names each page.
    found = {name: violations(page, url) for name, url in PAGES.items()}
    assert found == dict.fromkeys(PAGES, [])


def test_axe_is_really_run_and_reports_what_it_finds(page):
    # The check above must be able to fail: a button without a name is a critical
    # violation, and axe reports it on the same page once it is there.
    page.goto("/")
    page.evaluate("() => document.querySelector('main').append(document.createElement('button'))")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")
    assert "button-name" in [v["id"] for v in results["violations"] if v["impact"] in SERIOUS]


def test_play_buttons_say_whether_they_play_or_pause(page):
    page.goto(ROOT_CAUSE)
    hero = page.locator(".hero").get_by_role("button", name="▶ Listen")
    assert hero.get_attribute("aria-pressed") == "false"
    row = page.locator("#related").get_by_role(
        "button", name="Play The hidden cost of a database connection"
    )
    assert row.get_attribute("aria-pressed") == "false"

    hero.click()
    pressed = page.locator(".hero button[data-player-play][aria-pressed='true']")
    pressed.wait_for()
    assert pressed.inner_text() == "❚❚ Pause"
    assert row.get_attribute("aria-pressed") == "false"

    row.click()
    playing = page.locator("#related").get_by_role(
        "button", name="Pause The hidden cost of a database connection", pressed=True
    )
    playing.wait_for()
    page.locator(".hero button[data-player-play][aria-pressed='false']").wait_for()
    assert page.locator(".hero button[data-player-play]").inner_text() == "▶ Listen"

    playing.click()
    page.locator("#related").get_by_role(
        "button", name="Play The hidden cost of a database connection", pressed=False
    ).wait_for()


def test_the_skip_link_is_first_and_leads_to_the_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused == "Skip to content"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_a_guest_reaches_their_history_from_the_navigation(page):
    page.goto(ROOT_CAUSE)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
    page.wait_for_url("**/history/")
    assert page.locator("h1").inner_text() == "Listening history"
