"""Exporting favourite stations: M3U with UUIDs, radio-browser JSON; both import back."""

from __future__ import annotations

import json

import pytest

from airwaves.cli import main
from airwaves.radio.exporters import stations_json, stations_m3u
from airwaves.radio.importers import import_stations
from airwaves.radio.models import Station, StationFavourite
from tests.radio.fixtures import make_station

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations():
    jazz = make_station(
        "Jazz, Blues & More",
        "http://jazz.example.org/listen.pls",
        url_resolved="http://stream.jazz.example.org/jazz.mp3",
        tags="jazz,blues",
        country="Germany",
        country_code="DE",
        language_codes="de",
        codec="MP3",
        bitrate=128,
        votes=5,
        geo_lat=52.5,
        geo_long=13.4,
    )
    news = make_station("News\nNow", "https://news.example.com/live.aac", codec="AAC")
    return jazz, news


def test_m3u_names_each_station_with_its_uuid(stations):
    jazz, news = stations
    assert stations_m3u([jazz, news]) == (
        "#EXTM3U\n"
        "#EXTINF:-1,Jazz, Blues & More\n"
        f"#RADIOBROWSERUUID:{jazz.uuid}\n"
        "http://stream.jazz.example.org/jazz.mp3\n"
        "#EXTINF:-1,News Now\n"
        f"#RADIOBROWSERUUID:{news.uuid}\n"
        "https://news.example.com/live.aac\n"
    )


def test_json_uses_radio_browser_names_and_types(stations):
    jazz, _ = stations
    (entry, _) = json.loads(stations_json(stations))
    assert entry["stationuuid"] == str(jazz.uuid)
    assert entry["name"] == "Jazz, Blues & More"
    assert entry["url"] == "http://jazz.example.org/listen.pls"
    assert entry["url_resolved"] == "http://stream.jazz.example.org/jazz.mp3"
    assert entry["tags"] == "jazz,blues"
    assert (entry["countrycode"], entry["languagecodes"]) == ("DE", "de")
    assert (entry["codec"], entry["bitrate"], entry["hls"]) == ("MP3", 128, 0)
    assert (entry["votes"], entry["geo_lat"], entry["geo_long"]) == (5, 52.5, 13.4)
    assert entry["lastcheckok"] == 0


@pytest.mark.parametrize("export", [stations_m3u, stations_json])
def test_an_export_imports_back_into_an_empty_directory_unchanged(stations, export):
    text = export(stations)
    before = {s.uuid: (s.name.replace("\n", " "), s.url_key) for s in Station.objects.all()}
    Station.objects.all().delete()

    report = import_stations(text.encode(), "export")

    assert report.added == 2 and not report.rejected
    after = {s.uuid: (s.name, s.url_key) for s in Station.objects.all()}
    assert after == before


def test_the_favourites_page_lists_hearted_stations_with_download_links(client, alice, stations):
    jazz, news = stations
    client.force_login(alice)
    client.post(f"/radio/{jazz.slug}/favourite")
    page = client.get("/radio/favourites/").content.decode()
    assert "Jazz, Blues &amp; More" in page
    assert "News Now" not in page
    assert 'href="/radio/favourites.m3u"' in page
    assert 'href="/radio/favourites.json"' in page

    m3u = client.get("/radio/favourites.m3u")
    assert m3u["Content-Type"] == "audio/x-mpegurl; charset=utf-8"
    assert m3u["Content-Disposition"] == 'attachment; filename="favourite-stations.m3u"'
    assert f"#RADIOBROWSERUUID:{jazz.uuid}" in m3u.content.decode()
    assert str(news.uuid) not in m3u.content.decode()

    exported = client.get("/radio/favourites.json").json()
    assert [e["stationuuid"] for e in exported] == [str(jazz.uuid)]


def test_the_heart_button_toggles_and_answers_htmx_with_the_button(client, alice, stations):
    jazz, _ = stations
    client.force_login(alice)
    response = client.post(f"/radio/{jazz.slug}/favourite", headers={"HX-Request": "true"})
    assert "In your favourites" in response.content.decode()
    assert StationFavourite.objects.filter(user=alice, station=jazz).exists()
    response = client.post(f"/radio/{jazz.slug}/favourite")
    assert response["Location"] == jazz.get_absolute_url()
    assert not StationFavourite.objects.exists()


def test_the_command_exports_a_users_favourites(alice, stations, capsys):
    jazz, _ = stations
    StationFavourite.objects.create(user=alice, station=jazz)
    assert main(["export-stations", "--format", "m3u", "--user", "alice"]) == 0
    out = capsys.readouterr().out
    assert f"#RADIOBROWSERUUID:{jazz.uuid}" in out
    assert "News" not in out
