"""Browser test of the discovery pages: from the home page to a category, its
subcategory, and the new, updated and trending lists."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_listener_finds_shows_by_category_and_by_list(browser_page, demo):
    page = browser_page
    page.goto("/")
    page.locator(".intro").get_by_role("link", name="New shows").click()
    page.wait_for_url("**/podcasts/new/")
    assert page.locator("h1").inner_text() == "New shows"
    assert page.locator(".show-grid li").count() == 3

    page.get_by_role("link", name="Recently updated").click()
    page.wait_for_url("**/podcasts/updated/")
    assert page.locator(".show-grid li").count() == 3

    page.get_by_role("link", name="Trending").click()
    page.wait_for_url("**/podcasts/trending/")
    assert page.get_by_text("No shows here yet.").is_visible()  # nobody hearted anything

    page.goto("/")
    page.locator(".category-h").get_by_role("link", name="Technology").click()
    page.wait_for_url("**/categories/technology/")
    assert page.locator("h1").inner_text() == "Technology podcasts"
    page.locator(".show-grid a").first.click()
    page.wait_for_url("**/podcasts/the-backend-engineering-show-with-hussein-nasser/")
    assert page.locator(".hero .chip").inner_text() == "Technology"
