"""The radio-browser-compatible subset, against radio-browser's documented station fields
(https://de1.api.radio-browser.info/, "Station" struct)."""

from __future__ import annotations

from django.test import Client

from airwaves.radio.models import Station

RADIO_BROWSER_FIELDS = {
    "changeuuid", "stationuuid", "serveruuid", "name", "url", "url_resolved", "homepage",
    "favicon", "tags", "country", "countrycode", "iso_3166_2", "state", "language",
    "languagecodes", "votes", "lastchangetime", "lastchangetime_iso8601", "codec", "bitrate",
    "hls", "lastcheckok", "lastchecktime", "lastchecktime_iso8601", "lastcheckoktime",
    "lastcheckoktime_iso8601", "lastlocalchecktime", "lastlocalchecktime_iso8601",
    "clicktimestamp", "clicktimestamp_iso8601", "clickcount", "clicktrend", "ssl_error",
    "geo_lat", "geo_long", "has_extended_info",
}  # fmt: skip


def test_search_answers_radio_browsers_fields(station):
    Station.objects.create(name="Broken FM", url="https://b.example/s", broken=True)
    body = Client().get("/json/stations/search", {"name": "radio", "limit": "10"}).json()
    assert len(body) == 1
    row = body[0]
    assert set(row) == RADIO_BROWSER_FIELDS
    assert row["stationuuid"] == str(station.uuid)
    assert (row["tags"], row["countrycode"], row["languagecodes"]) == ("jazz,news", "DE", "de")
    assert (row["votes"], row["bitrate"], row["hls"], row["lastcheckok"]) == (5, 128, 0, 0)
    assert row["lastchangetime_iso8601"].endswith("Z")
    every = Client().get("/json/stations/search", {"hidebroken": "false"}).json()
    assert {s["name"] for s in every} == {"Radio One", "Broken FM"}
    posted = Client().post("/json/stations/search", {"tag": "jazz", "tagExact": "true"}).json()
    assert [s["name"] for s in posted] == ["Radio One"]


def test_search_parameters_are_checked(station):
    client = Client()
    for params in (
        {"limit": "100000"},
        {"offset": "-1"},
        {"order": "sql"},
        {"reverse": "maybe"},
        {"name": "x" * 500},
    ):
        answer = client.get("/json/stations/search", params)
        assert answer.status_code == 400, params
        assert set(answer.json()["error"]) == {"code", "message", "field"}
    bad_json = client.post("/json/stations/search", "[" * 10000, content_type="application/json")
    assert bad_json.status_code == 400


def test_by_uuid_and_url_count_a_click(station):
    client = Client()
    other = Station.objects.create(name="Two", url="https://two.example/s")
    found = client.get(f"/json/stations/byuuid/{other.uuid},{station.uuid}").json()
    assert [s["name"] for s in found] == ["Two", "Radio One"]
    assert client.get("/json/stations/byuuid/not-a-uuid").status_code == 400
    many = ",".join([str(station.uuid)] * 101)
    assert client.get(f"/json/stations/byuuid/{many}").status_code == 400

    answer = client.get(f"/json/url/{station.uuid}")
    assert answer.json() == {
        "ok": True,
        "message": "retrieved station url",
        "stationuuid": str(station.uuid),
        "name": "Radio One",
        "url": station.stream_url,
    }
    assert answer["Cache-Control"] == "no-store"
    client.get(f"/json/url/{station.uuid}")  # the same client, the same day
    station.refresh_from_db()
    assert station.click_count == 1
    assert client.get("/json/url/00000000-0000-0000-0000-000000000000").status_code == 404
