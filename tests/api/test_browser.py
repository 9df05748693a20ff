"""The interactive docs page and the settings page's tokens, in Chromium (no CDN: CSP
allows only this site, and any violation fails the test)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from airwaves.api.models import ApiToken

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_lists_the_operations_and_tries_one(browser_page, demo):
    page = browser_page
    page.goto("/api/v1/docs")
    page.get_by_text("/api/v1/categories", exact=True).first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.locator(".responses-wrapper .response-col_status", has_text="200").first.wait_for()
    assert "Airwaves API" in page.title()


def test_a_listener_makes_and_revokes_a_token(browser_page):
    User.objects.create_user("carol", "carol@example.org", "a long password")
    page = browser_page
    page.goto("/accounts/login/?next=/accounts/settings/")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", "a long password")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/settings/")
    page.fill("#api-token-name", "laptop")
    page.select_option("#api-token-scope", "write")
    page.get_by_role("button", name="Make a token").click()
    token = page.locator("#api-token").input_value()
    assert token.startswith("aw_")
    assert ApiToken.objects.get(name="laptop").scope == "write"
    page.get_by_role("link", name="Back to settings").click()
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("The token was revoked").wait_for()
    assert not ApiToken.objects.exists()
