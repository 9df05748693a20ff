from __future__ import annotations

import pytest

from airwaves.sync.devices import MAX_DEVICES
from airwaves.sync.models import Device


def test_it_creates_and_updates_a_device(api):
    response = api.post("/api/2/devices/alice/phone-1.json", {"caption": "Phone", "type": "mobile"})
    assert response.status_code == 200
    assert response.content == b""
    api.post("/api/2/devices/alice/phone-1.json", {"caption": "My phone"})

    device = Device.objects.get(user__username="alice", uid="phone-1")
    assert (device.caption, device.kind) == ("My phone", "mobile")


def test_the_list_carries_id_caption_type_and_subscriptions(api, podcast):
    api.post("/api/2/devices/alice/phone-1.json", {"caption": "Phone", "type": "mobile"})
    api.post("/api/2/subscriptions/alice/laptop.json", {"add": [podcast.feed_url]})

    devices = api.get("/api/2/devices/alice.json").json()

    assert devices == [
        {"id": "phone-1", "caption": "Phone", "type": "mobile", "subscriptions": 1},
        {"id": "laptop", "caption": "", "type": "other", "subscriptions": 1},
    ]


def test_an_empty_body_or_plain_text_label_is_fine(api):
    assert (
        api.post("/api/2/devices/alice/a.json", b"", content_type="plain/text").status_code == 200
    )
    response = api.post(
        "/api/2/devices/alice/b.json", '{"type": "laptop"}', content_type="plain/text"
    )
    assert response.status_code == 200
    assert Device.objects.get(uid="b").kind == "laptop"


@pytest.mark.parametrize(
    "uid", ["has space", "a" * 65, "a+b", "ümlaut", "airwaves-website", "semi;colon"]
)
def test_bad_device_ids_get_a_clear_400(api, uid):
    response = api.post(f"/api/2/devices/alice/{uid}.json", {})
    assert response.status_code == 400
    assert "device id" in response.json()["error"]
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "toaster"}, "type must be one of"),
        ({"caption": 5}, "caption must be a string"),
        ({"caption": "x" * 201}, "at most 200"),
        ([], "JSON object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_device_data_gets_a_clear_400(api, body, message):
    response = api.post("/api/2/devices/alice/phone.json", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Device.objects.exists()


def test_an_account_has_a_bounded_number_of_devices(api, alice):
    Device.objects.bulk_create([Device(user=alice, uid=f"d{i}") for i in range(MAX_DEVICES)])
    response = api.post("/api/2/devices/alice/one-more.json", {})
    assert response.status_code == 400
    assert "at most" in response.json()["error"]
