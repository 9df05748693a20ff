"""Browser tests: hearting as a guest, then logging in; the player across pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airwaves.listeners.models import EpisodeAction, Favourite, Follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT_CAUSE = (
    "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
    "my-new-book-root-cause-stories-from-two-decades-of-backend-bugs/"
)
PLAYING = (
    "() => { const a = document.getElementById('player-audio');"
    " return !a.paused && a.currentTime > 0.5; }"
)


@pytest.fixture
def page(browser_page, demo):
    return browser_page


def personal_parts_filled(page) -> None:
    """Waits until /me/state has answered (with the CSRF cookie a post needs)."""
    page.wait_for_function("() => 'personalFilled' in document.documentElement.dataset")


def test_a_guest_hearts_an_episode_logs_in_and_finds_it_in_favourites(page, alice):
    page.goto("/podcasts/small-science/why-ice-floats/")
    personal_parts_filled(page)
    page.evaluate("() => { window.samePage = true; }")

    page.get_by_role("button", name="Add to favourites").click()

    heart = page.get_by_role("button", name="In your favourites")
    heart.wait_for()
    assert page.locator(".heart-count").inner_text() == "1 heart"
    # Swapped in place by htmx: the page was not reloaded.
    assert page.evaluate("() => window.samePage === true")

    page.get_by_role("link", name="Log in").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/podcasts/small-science/why-ice-floats/")

    assert page.locator(".account-menu summary").inner_text() == "alice"
    assert page.get_by_role("button", name="In your favourites").is_visible()
    page.locator(".account-menu summary").click()
    page.locator(".account-menu").get_by_role("link", name="Favourites").click()
    page.wait_for_url("**/favourites/")
    assert page.locator(".episode-list .row-title").all_inner_texts() == ["Why ice floats"]
    assert Favourite.objects.filter(user=alice, episode__slug="why-ice-floats").exists()


def test_the_player_keeps_playing_across_a_navigation(page):
    page.goto(ROOT_CAUSE)
    page.get_by_role("button", name="▶ Listen").click()
    page.wait_for_function(PLAYING, timeout=10_000)
    assert page.locator("#player .player-title").inner_text().startswith("My new book")
    page.evaluate("() => { window.playerAudio = document.getElementById('player-audio'); }")

    page.locator("#podcast").get_by_role(
        "link", name="The Backend Engineering Show with Hussein Nasser"
    ).click()
    page.wait_for_url("**/podcasts/the-backend-engineering-show-with-hussein-nasser/")
    assert page.locator("h1").inner_text() == "The Backend Engineering Show with Hussein Nasser"

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
    assert page.locator("#player").is_visible()


def test_the_player_bar_controls_and_saved_positions(page, alice, feed_server):
    # The episode's own 9:48 of audio, from a server that answers Range requests (as
    # publishers' do; the test server's static files do not), so the bar can seek in it.
    from django.conf import settings

    from airwaves.podcasts.models import Episode
    from tests.media.test_browser import ranged

    audio = Path(settings.BASE_DIR, "static/airwaves/demo/audio/root-cause.mp3").read_bytes()
    feed_server.handle("/root-cause.mp3", ranged(audio))
    Episode.objects.filter(enclosure_url__endswith="/root-cause.mp3").update(
        enclosure_url=feed_server.url("/root-cause.mp3")
    )
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.locator(".account-menu summary").wait_for()

    page.goto(ROOT_CAUSE)
    page.get_by_role("button", name="▶ Listen").click()
    page.wait_for_function(PLAYING, timeout=10_000)

    page.locator("#player").get_by_label("Playback speed").select_option("2")
    assert page.evaluate("() => document.getElementById('player-audio').playbackRate") == 2
    page.wait_for_function("() => document.getElementById('player-audio').currentTime > 1")
    page.locator("#player").get_by_role("button", name="Back 15 seconds").click()
    assert page.evaluate("() => document.getElementById('player-audio').currentTime") < 1
    before = page.evaluate("() => document.getElementById('player-audio').currentTime")
    page.locator("#player").get_by_role("button", name="Forward 30 seconds").click()
    assert page.evaluate("() => document.getElementById('player-audio').currentTime") >= (
        before + 29
    )
    # Near the end it plays out, and is saved as played: the player's last save (its
    # answer comes once the row is committed).
    position_url = f"/episodes/{_episode_id(page)}/position"

    def ended_save(response) -> bool:
        request = response.request
        return (
            response.url.endswith(position_url)
            and request.method == "POST"
            and json.loads(request.post_data or "{}").get("ended") is True
        )

    with page.expect_response(ended_save, timeout=15_000) as saved:
        page.evaluate(
            "() => { const a = document.getElementById('player-audio');"
            " a.currentTime = a.duration - 1; }"
        )
        page.wait_for_function(
            "() => document.getElementById('player-audio').ended", timeout=10_000
        )
    assert saved.value.json()["finished"] is True
    # The newest row by timestamp is where the listener is now (a table has no order of its
    # own: PostgreSQL returns an updated row wherever its new version landed).
    actions = list(
        EpisodeAction.objects.order_by("timestamp", "id").values(
            "user__username", "position", "total"
        )
    )
    assert actions and actions[-1]["user__username"] == "alice", actions
    assert actions[-1]["position"] == actions[-1]["total"] > 0

    page.reload()
    assert "You have played this episode." in page.locator("#listen").inner_text()


def _episode_id(page) -> int:
    return int(page.locator("article.episode").get_attribute("data-episode-id"))


def test_a_guest_finds_their_heart_on_the_page_everyone_gets(page):
    ice = "/podcasts/small-science/why-ice-floats/"
    page.goto(ice)
    personal_parts_filled(page)
    page.get_by_role("button", name="Add to favourites").click()
    page.get_by_role("button", name="In your favourites").wait_for()

    # The page itself is everyone's (from the cache, with the neutral heart); the
    # guest's own heart and count come from /me/state.
    response = page.reload()
    assert response.headers["cache-control"].startswith("public")
    assert "set-cookie" not in response.headers
    page.get_by_role("button", name="In your favourites").wait_for()
    assert page.locator(".heart-count").inner_text() == "1 heart"

    page.get_by_role("button", name="In your favourites").click()
    page.get_by_role("button", name="Add to favourites").wait_for()
    assert page.locator(".heart-count").inner_text() == "0 hearts"


def test_a_form_sends_the_token_of_the_cookie_it_has_when_it_is_sent(page, alice):
    # A /me/state answer from the page before can land after the log-in page's own
    # response and set a new CSRF cookie: the form's token must follow it, or the
    # log-in is refused (403).
    page.goto("/accounts/login/")
    origin = page.evaluate("() => location.origin")
    page.context.add_cookies(  # replaces the one the page came with: a well-formed secret
        [{"name": "csrftoken", "value": "N" * 32, "url": origin + "/"}]
    )
    assert [c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"] == ["N" * 32]
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    assert page.locator(".account-menu summary").inner_text() == "alice"


def test_a_listener_subscribes_from_a_page_cached_for_guests(page, alice):
    show = "/podcasts/small-science/"
    page.goto(show)  # kept in the cache, with the guest's "+ Subscribe" link
    page.goto(f"/accounts/login/?next={show}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{show}")

    assert page.locator(".account-menu summary").inner_text() == "alice"
    page.get_by_role("button", name="+ Subscribe").click()
    page.get_by_role("button", name="✓ Subscribed").wait_for()
    assert Follow.objects.filter(user=alice, podcast__slug="small-science").exists()


def test_a_heart_clicked_before_the_visitor_state_has_answered_still_counts(page):
    # A cached page carries no CSRF cookie; the visitor's first /me/state answer sets it.
    # A click that comes first waits for that answer instead of posting without a token
    # (which the server refuses).
    held = []
    page.route("**/me/state*", lambda route: held.append(route))
    page.goto("/podcasts/small-science/why-ice-floats/")
    page.wait_for_function("() => document.readyState === 'complete'")
    assert not [c for c in page.context.cookies() if c["name"] == "csrftoken"]
    page.get_by_role("button", name="Add to favourites").click()
    while not held:
        page.wait_for_timeout(20)  # the state request is on its way, not yet seen
    held[0].continue_()
    page.unroute("**/me/state*")
    page.get_by_role("button", name="In your favourites").wait_for()
    assert page.locator(".heart-count").inner_text() == "1 heart"
    page.reload()  # kept by the server, not just drawn
    page.get_by_role("button", name="In your favourites").wait_for()
    assert page.locator(".heart-count").inner_text() == "1 heart"


def test_a_refused_form_shows_the_site_s_page_and_keeps_the_player(page):
    # A boosted post refused for want of the CSRF cookie (cookies cleared, say): the
    # answer is swapped in like any page; it has the site around it and breaks no script.
    page.goto("/accounts/login/")
    personal_parts_filled(page)
    page.context.clear_cookies()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="This was not sent").wait_for()
    assert page.locator("#player").count() == 1
