"""Browser tests of the podcast pages (fixtures `browser` and `page` in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


@pytest.fixture
def page(browser_page, demo):
    return browser_page


ROOT_CAUSE = (
    "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
    "my-new-book-root-cause-stories-from-two-decades-of-backend-bugs/"
)


def test_the_demo_episode_page_plays_and_has_every_section(page):
    page.goto(ROOT_CAUSE)

    assert page.locator("header .brand").inner_text() == "Live Radio & Podcasts"
    assert page.locator("h1").inner_text().startswith("My new book - Root cause")
    for heading in [
        "About This Episode",
        "Listen Online",
        "Podcast",
        "Episode Details",
        "Questions About This Episode",
        "Quick Answers About This Episode",
        "Related Episodes",
    ]:
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
    assert page.get_by_role("navigation", name="Breadcrumb").is_visible()
    assert page.locator(".hero .chip").inner_text() == "Technology"
    assert page.locator(".hero .facts").inner_text().split() == [
        "Apr",
        "15,",
        "2026",
        "00:09:48",
        "Technology",
    ]
    assert page.get_by_role("button", name="Add to favourites").is_visible()
    artwork_loaded = page.locator(".hero img.artwork").evaluate("img => img.naturalWidth > 0")
    assert artwork_loaded

    page.get_by_role("button", name="▶ Listen").click()
    # It plays in the player bar, which keeps playing across pages (tests/listeners/).
    page.wait_for_function(
        "() => { const a = document.getElementById('player-audio');"
        " return !a.paused && a.currentTime > 0.3; }",
        timeout=10_000,
    )
    assert page.get_by_role("button", name="❚❚ Pause").is_visible()
    assert page.locator(".hero [data-player-play]").get_attribute("aria-pressed") == "true"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "episode-page.png", full_page=True)


def test_a_question_opens_to_show_its_answer(page):
    page.goto(ROOT_CAUSE)
    question = page.locator("#questions summary", has_text="How long is this episode?")
    question.click()
    assert page.locator("#questions details[open]", has_text="9 minutes 48 seconds").is_visible()


def test_the_heart_button_works_for_a_guest(page):
    page.goto(ROOT_CAUSE)
    page.get_by_role("button", name="Add to favourites").click()
    page.get_by_role("button", name="In your favourites").wait_for()
    assert page.locator(".heart-count").inner_text() == "1 heart"


def test_from_home_to_show_to_episode(page):
    page.goto("/")
    page.get_by_role("link", name="Why ice floats").click()
    page.wait_for_url("**/podcasts/small-science/why-ice-floats/")
    page.locator("#podcast").get_by_role("link", name="Small Science").click()
    page.wait_for_url("**/podcasts/small-science/")
    assert page.locator("h1").inner_text() == "Small Science"
    assert page.locator(".episode-list .row-title").count() == 3


def test_a_demo_chapter_seeks_the_player_and_the_bar_names_it(page, feed_server):
    # The episode's own audio from a server that answers Range requests, as `serve`'s
    # static files do (tests/test_serve.py) and the test server's do not.
    from django.conf import settings

    from airwaves.podcasts.models import Episode
    from tests.media.test_browser import ranged

    audio = Path(settings.BASE_DIR, "static/airwaves/demo/audio/root-cause.mp3").read_bytes()
    feed_server.handle("/root-cause.mp3", ranged(audio))
    Episode.objects.filter(enclosure_url__endswith="/root-cause.mp3").update(
        enclosure_url=feed_server.url("/root-cause.mp3")
    )
    page.goto(ROOT_CAUSE)
    page.locator("#chapters a.chapter-seek", has_text="Why a book of bugs").click()

    page.wait_for_function(
        "() => { const a = document.getElementById('player-audio');"
        " return a && !a.paused && a.currentTime >= 130; }",
        timeout=15_000,
    )
    assert page.evaluate("() => document.getElementById('player-audio').currentTime") < 140
    current = page.locator("#chapters li.chapter.is-current .chapter-title")
    current.wait_for()
    assert current.inner_text() == "Why a book of bugs"
    assert page.locator("#player [data-player-chapter]").inner_text() == "Why a book of bugs"


def test_a_wide_episode_page_has_the_show_details_and_related_episodes_beside_the_text(page):
    page.goto(ROOT_CAUSE)  # 1280 px wide (browser_page)

    def box(section_id: str) -> dict:
        return page.locator(f"#{section_id}").bounding_box()

    about, show, details, related = box("about"), box("podcast"), box("details"), box("related")
    for side in (show, details, related):
        assert side["x"] >= about["x"] + about["width"], side
    assert abs(show["y"] - about["y"]) < 2  # the two columns start together
    assert show["y"] < details["y"] < related["y"]
    # Neither column leaves the page's width.
    assert related["x"] + related["width"] <= 1280
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "episode-page-wide.png", full_page=True)

    # Narrower, one column: the show, details and related episodes follow the questions.
    page.set_viewport_size({"width": 800, "height": 900})
    quick, show = box("quick-answers"), box("podcast")
    assert show["y"] > quick["y"] + quick["height"]
    assert abs(show["x"] - quick["x"]) < 2
