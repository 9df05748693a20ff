"""Browser tests: the sync settings, and granting an app access through Login Flow v2."""

from __future__ import annotations

import httpx
import pytest
from django.utils import timezone

from airwaves.sync.models import AppPassword, Device, SyncAccount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()


def test_a_listener_renames_and_removes_devices_and_makes_an_app_password(browser_page, alice):
    page = browser_page
    Device.objects.create(
        user=alice, uid="pixel", caption="Pixel", kind="mobile", last_sync_at=timezone.now()
    )
    Device.objects.create(user=alice, uid="old-laptop")
    log_in(page, "/accounts/settings/")
    page.wait_for_url("**/accounts/settings/")

    assert page.locator(".sync-server").inner_text() == page.url.split("/accounts")[0]
    pixel = page.locator(".sync-device", has_text="(pixel, mobile)")
    pixel.get_by_label("New name").fill("Work phone")
    pixel.get_by_role("button", name="Rename").click()
    page.locator(".sync-device-name", has_text="Work phone").wait_for()

    page.get_by_role("button", name="Remove old-laptop").click()
    page.get_by_text("old-laptop was removed").wait_for()
    assert list(Device.objects.values_list("caption", flat=True)) == ["Work phone"]

    page.get_by_label("App name").fill("Kasts")
    page.get_by_role("button", name="Make an app password").click()
    password = page.locator(".app-password").inner_text()
    assert password.startswith("aw-")
    page.get_by_role("link", name="Back to settings").click()
    page.get_by_role("button", name="Revoke Kasts").click()
    page.get_by_text("no longer works").wait_for()
    assert not AppPassword.objects.exists()

    page.get_by_role("button", name="Give each device its own list").click()
    page.get_by_text("Each device now has its own list").wait_for()
    assert not SyncAccount.objects.get(user=alice).merged_devices
    page.get_by_role("button", name="Use one list for all devices").click()
    page.get_by_text("All your devices share one list again").wait_for()
    assert SyncAccount.objects.get(user=alice).merged_devices


def test_an_app_signs_in_with_login_flow_v2(browser_page, live_server, alice):
    page = browser_page
    with httpx.Client(base_url=live_server.url, headers={"User-Agent": "AntennaPod"}) as app:
        start = app.post("/index.php/login/v2").json()
        poll = {"token": start["poll"]["token"]}
        assert app.post("/index.php/login/v2/poll", data=poll).status_code == 404

        # The app opens the browser; the listener logs in and grants access.
        page.goto(start["login"])
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Grant access").click()
        page.get_by_text("Access granted").wait_for()

        granted = app.post("/index.php/login/v2/poll", data=poll).json()
        assert granted["loginName"] == "alice"
        subs = app.get(
            "/index.php/apps/gpoddersync/subscriptions",
            auth=(granted["loginName"], granted["appPassword"]),
        )
        assert subs.status_code == 200
