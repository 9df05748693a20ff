"""The sync section of the account settings: devices with their last sync, renaming
and removing them, app passwords, the address to type into the apps."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from lxml import html

from airwaves.sync.models import AppPassword, Device
from tests.sync.conftest import Api


@pytest.fixture
def website(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def text(response) -> str:
    return " ".join(html.fromstring(response.content).text_content().split())


def test_it_lists_devices_with_their_last_sync_and_the_server_address(website, alice):
    Device.objects.create(
        user=alice, uid="pixel", caption="Pixel", kind="mobile", last_sync_at=timezone.now()
    )
    Device.objects.create(user=alice, uid="laptop")

    page = text(website.get("/accounts/settings/"))

    assert "Pixel (pixel, mobile) · last synced" in page
    assert "laptop (laptop, other) · not synced yet" in page
    assert "Server address: http://testserver" in page
    assert "airwaves-website" not in page


def test_renaming_and_removing_a_device(website, alice):
    device = Device.objects.create(user=alice, uid="pixel")

    website.post(f"/accounts/sync/devices/{device.pk}/rename", {"caption": "Work phone"})
    assert Device.objects.get().caption == "Work phone"
    website.post(f"/accounts/sync/devices/{device.pk}/rename", {"caption": " "})
    assert Device.objects.get().caption == "Work phone"

    website.post(f"/accounts/sync/devices/{device.pk}/remove")
    assert not Device.objects.exists()


def test_another_listeners_device_or_app_password_is_404(website, bob):
    device = Device.objects.create(user=bob, uid="bobs")
    app = AppPassword.objects.create(user=bob, name="x", digest="0" * 64)

    assert (
        website.post(f"/accounts/sync/devices/{device.pk}/rename", {"caption": "m"}).status_code
        == 404
    )
    assert website.post(f"/accounts/sync/devices/{device.pk}/remove").status_code == 404
    assert website.post(f"/accounts/sync/app-passwords/{app.pk}/revoke").status_code == 404
    assert Device.objects.get().caption == ""
    assert AppPassword.objects.count() == 1


def test_an_app_password_is_shown_once_and_can_be_revoked(website, alice):
    response = website.post("/accounts/sync/app-passwords/new", {"name": "Kasts"})
    password = html.fromstring(response.content).xpath("//code[@class='app-password']")[0].text

    assert "no-store" in response["Cache-Control"]
    assert Api("alice", password).get("/api/2/devices/alice.json").status_code == 200
    settings_page = website.get("/accounts/settings/").content.decode()
    assert "Kasts" in settings_page and password not in settings_page

    website.post(f"/accounts/sync/app-passwords/{AppPassword.objects.get().pk}/revoke")
    assert Api("alice", password).get("/api/2/devices/alice.json").status_code == 401


@pytest.mark.parametrize("name", ["", "x" * 101])
def test_an_app_password_needs_a_name(website, name):
    website.post("/accounts/sync/app-passwords/new", {"name": name})
    assert not AppPassword.objects.exists()


def test_the_settings_actions_need_a_logged_in_listener(alice):
    device = Device.objects.create(user=alice, uid="pixel")
    response = Client().post(f"/accounts/sync/devices/{device.pk}/remove")
    assert response.status_code == 302
    assert Device.objects.exists()
