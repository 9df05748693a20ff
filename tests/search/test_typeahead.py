"""The header's typeahead: /search/suggest, and a browser typing into the search box."""

from __future__ import annotations

import pytest

from tests.radio.fixtures import make_station
from tests.search.helpers import make_episode, make_show


@pytest.mark.django_db
def test_suggestions_are_titles_starting_with_what_was_typed(client):
    show = make_show("Vacuum Tubes Weekly")
    make_episode(show, "Vacuuming the attic")
    make_episode(show, "Notes", description="vacuum in the body only")
    make_station("Vacuum FM", url="http://vacuum.example.org/")

    response = client.get("/search/suggest", {"q": "vacu"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Vacuum Tubes Weekly" in html
    assert "Vacuuming the attic" in html
    assert "Vacuum FM" in html
    assert "Notes" not in html  # a body match is no title suggestion


@pytest.mark.django_db
def test_suggestions_escape_titles(client):
    make_show("<img src=x onerror=alert(1)> Vacuum")

    html = client.get("/search/suggest", {"q": "vacuum"}).content.decode()

    assert "<img" not in html
    assert "&lt;img" in html


@pytest.mark.django_db
def test_nothing_typed_suggests_nothing(client):
    make_show("Vacuum")

    assert client.get("/search/suggest", {"q": " "}).content.strip() == b""
    assert client.get("/search/suggest").content.strip() == b""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_in_the_header_shows_suggestions_and_a_click_opens_one(browser_page, demo):
    page = browser_page
    page.goto("/")

    box = page.get_by_role("searchbox", name="Search")
    box.press_sequentially("postgres vac", delay=30)

    suggestions = page.locator("#search-suggestions")
    suggestion = suggestions.get_by_role("link", name="Postgres vacuum, explained without the fear")
    suggestion.wait_for()
    assert suggestions.is_visible()

    box.press("Escape")  # closes the list (and Chromium empties a search box)
    assert suggestions.is_hidden()

    box.fill("")
    box.press_sequentially("postgres vacu", delay=30)
    suggestion.wait_for()
    box.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent").startswith("Postgres vacuum")
    page.keyboard.press("Enter")
    page.wait_for_url("**/postgres-vacuum-explained-without-the-fear/")
    assert page.locator("h1").inner_text().startswith("Postgres vacuum")

    # After htmx navigation the box still suggests (the script's listeners survive once).
    box.fill("")
    box.press_sequentially("root cau", delay=30)
    suggestions.get_by_role("link", name="My new book").first.wait_for()
    assert page.locator("#search-suggestions").count() == 1
