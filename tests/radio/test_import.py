"""Importing station lists: radio-browser JSON, M3U, PLS, XSPF; the CLI; the admin upload."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from airwaves.cli import main
from airwaves.radio.importers import StationFileError, import_stations
from airwaves.radio.models import Station, StationFacet
from tests.radio.fixtures import make_station

pytestmark = pytest.mark.django_db

STATIONS = Path(__file__).parent / "stations"
JAZZ_UUID = uuid.UUID("96062a7b-0601-11e8-ae97-52543be04c81")


def load(name: str, **options):
    return import_stations((STATIONS / name).read_bytes(), name, **options)


def test_a_radio_browser_export_imports_every_field():
    report = load("radio-browser.json")

    assert report.format == "radio-browser JSON"
    assert (report.total, report.added, report.updated) == (7, 3, 0)
    jazz = Station.objects.get(uuid=JAZZ_UUID)
    assert jazz.name == "Jazz Lounge Radio"
    assert jazz.slug == "jazz-lounge-radio"
    assert jazz.url == "http://jazz.example.org/listen.pls"
    assert jazz.url_resolved == "http://stream.jazz.example.org:8000/jazz128.mp3"
    assert jazz.homepage == "https://jazz.example.org/"
    assert jazz.favicon == "https://jazz.example.org/logo.png"
    assert jazz.tags == "jazz,smooth jazz,lounge"
    assert (jazz.country, jazz.country_code, jazz.state) == ("Germany", "DE", "Berlin")
    assert (jazz.language, jazz.language_codes) == ("german,english", "de,en")
    assert (jazz.codec, jazz.bitrate, jazz.hls, jazz.https) == ("MP3", 128, False, False)
    assert (jazz.votes, jazz.click_count, jazz.click_trend) == (1523, 211, 4)
    assert (jazz.geo_lat, jazz.geo_long) == (52.52, 13.405)
    assert jazz.last_check_ok is True
    assert jazz.last_check_ok_at.isoformat() == "2026-01-10T08:00:00+00:00"
    assert jazz.changed_at.isoformat() == "2025-11-02T10:20:30+00:00"
    assert not jazz.broken
    # Due for a check of our own right away.
    assert jazz.next_check_at is not None
    assert set(jazz.facets.values_list("kind", "value")) == {
        ("tag", "jazz"),
        ("tag", "smooth jazz"),
        ("tag", "lounge"),
        ("language", "de"),
        ("language", "en"),
    }

    hls = Station.objects.get(name="News 24 HLS")
    assert (hls.hls, hls.https, hls.country_code) == (True, True, "GB")


def test_bad_entries_are_rejected_with_their_line_and_the_rest_imports():
    report = load("radio-browser.json")

    assert report.rejected == [
        (63, "no stream URL"),
        (69, "not a station object (expected {...} with name and url)"),
        (77, "the station has no name"),
    ]
    # What could be kept was kept, with a warning for what was dropped.
    metal = Station.objects.get(name="Metal Express")
    assert metal.homepage == ""
    assert metal.country_code == ""
    assert metal.tags == "metal,heavy metal"
    assert (40, "ignored the country code 'NOR': not two letters") in report.warnings
    assert (40, "ignored the stationuuid 'not-a-uuid': not a UUID") in report.warnings
    # radio-browser found it failing: hidden until a check of ours says it works.
    assert metal.broken and metal.last_check_ok is False


def test_the_same_stream_twice_in_a_file_is_one_station():
    report = load("radio-browser.json")
    assert report.duplicates == [
        (70, "http://jazz.example.org/other.m3u is the same station as line 2")
    ]
    assert Station.objects.filter(name__startswith="Jazz Lounge").count() == 1


def test_importing_again_adds_nothing_and_updates_what_changed():
    load("radio-browser.json")
    again = load("radio-browser.json")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)

    jazz = Station.objects.get(uuid=JAZZ_UUID)
    jazz.votes = 7  # our own count, which an import must not overwrite
    jazz.save()
    data = (STATIONS / "radio-browser.json").read_bytes().replace(b"smooth jazz", b"bebop")
    changed = import_stations(data, "radio-browser.json")
    assert (changed.added, changed.updated) == (0, 1)
    jazz.refresh_from_db()
    assert jazz.tags == "jazz,bebop,lounge"
    assert jazz.votes == 7
    assert StationFacet.objects.filter(station=jazz, value="bebop").exists()
    assert not StationFacet.objects.filter(station=jazz, value="smooth jazz").exists()


def test_an_m3u_list_imports_names_urls_and_uuids_and_reports_bad_lines():
    load("radio-browser.json")
    report = load("stations.m3u")

    assert report.format == "M3U"
    assert report.rejected == [
        (8, "relative URL and no playlist URL to resolve it: '/home/me/music/song.mp3'"),
        (11, "not an http(s) URL: 'ftp://files.example.org/radio.mp3'"),
    ]
    # The jazz station is matched by its UUID (and its stream), not added again.
    assert (report.added, report.unchanged) == (2, 1)
    assert report.duplicates == [
        (13, "HTTP://ROCK.example.org:80/classic is the same station as line 6")
    ]
    assert Station.objects.filter(uuid=JAZZ_UUID).count() == 1
    assert Station.objects.get(name="Folk Café").url == "https://folk.example.org/café.ogg"


def test_a_pls_file_imports_and_does_not_rename_stations_it_already_knows():
    load("stations.m3u")
    report = load("stations.pls")

    assert report.format == "PLS"
    assert report.rejected == [(9, "not an http(s) URL: 'gopher://old.example.org/radio'")]
    assert (report.added, report.unchanged) == (1, 1)
    # A playlist title like "(#1 - 23/500) ..." is no reason to rename a station.
    assert Station.objects.filter(name="Classic Rock 101").exists()
    assert Station.objects.filter(name="Blues Radio").exists()


def test_a_directory_rank_in_a_playlist_title_is_not_part_of_the_name():
    import_stations((STATIONS / "stations.pls").read_bytes(), "stations.pls")
    assert Station.objects.filter(name="Classic Rock 101").exists()


def test_an_xspf_playlist_imports():
    report = load("stations.xspf")
    assert report.format == "XSPF"
    assert report.added == 2
    assert report.rejected == [(9, "not an http(s) URL: 'javascript:alert(1)'")]
    assert set(Station.objects.values_list("name", flat=True)) == {"Ambient Drone", "Talk Talk"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body>Hello</body></html>", "could not tell what kind of file this is"),
        (b'[{"name": "x", "url": "http://a.example/"}', "line 1: not valid JSON"),
        (b'[\n{"name": "x"}\n{"name": "y"}]', "line 3: not valid JSON"),
        (b"#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\nseg1.aac\n", "this is an HLS playlist"),
        (b'{"a": 1}\xff', "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_station_list_is_refused_as_a_whole(data, message):
    with pytest.raises(StationFileError, match=message):
        import_stations(data, "upload")
    assert not Station.objects.exists()


def test_a_single_station_object_is_a_list_of_one():
    report = import_stations(b'{"name": "Solo", "url": "http://solo.example/"}', "one.json")
    assert report.added == 1


def test_the_report_lists_each_problem_by_line():
    text = load("stations.m3u").describe()
    assert text.startswith(
        "M3U: 6 entries, 3 added, 0 updated, 0 unchanged, 1 duplicate, 2 rejected"
    )
    assert "  line 8: rejected: relative URL" in text
    assert "  line 13: duplicate: HTTP://ROCK.example.org:80/classic" in text
    assert "its own transaction" in text


def test_resolve_asks_the_network_for_the_real_stream(feed_server):
    feed_server.route(
        "/listen.pls",
        f"[playlist]\nFile1={feed_server.url('/stream.mp3')}\n",
        headers={"Content-Type": "audio/x-scpls"},
    )
    frame = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)  # MPEG-1 layer III, 128 kbps
    feed_server.route("/stream.mp3", frame * 20, headers={"Content-Type": "audio/mpeg"})
    data = f"#EXTM3U\n#EXTINF:-1,Resolved FM\n{feed_server.url('/listen.pls')}\n".encode()

    report = import_stations(data, "list.m3u", resolve=True)

    station = Station.objects.get(name="Resolved FM")
    assert report.added == 1
    assert station.url_resolved == feed_server.url("/stream.mp3")
    assert station.url_key == Station.key_for(feed_server.url("/stream.mp3"))


def test_the_command_imports_a_file_and_shows_the_report(capsys):
    assert main(["import-stations", str(STATIONS / "stations.xspf")]) == 1  # one line rejected
    out = capsys.readouterr().out
    assert "XSPF: 3 entries, 2 added" in out
    assert "line 9: rejected: not an http(s) URL: 'javascript:alert(1)'" in out
    assert main(["import-stations", str(STATIONS / "stations.xspf")]) == 1
    assert "0 added, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_the_command_explains_a_file_it_cannot_use(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("<html></html>")
    assert main(["import-stations", str(page)]) == 1
    assert "could not tell what kind of file this is; expected radio-browser JSON" in (
        capsys.readouterr().err
    )
    assert main(["import-stations", str(tmp_path / "missing.json")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_the_example_list_imports():
    assert main(["import-stations", "--example"]) == 0
    assert Station.objects.count() >= 5
    assert not Station.objects.filter(country_code="").exists()


def test_an_existing_station_is_found_by_its_entered_url_too():
    make_station("Entered", "http://entered.example/listen.pls", url_resolved="http://x.example/s")
    report = import_stations(b"#EXTM3U\nhttp://entered.example/listen.pls\n", "a.m3u")
    assert (report.added, report.unchanged) == (0, 1)


# -- the admin upload ---------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    User.objects.create_superuser("root", "root@example.org", "pw")
    client.login(username="root", password="pw")
    return client


def test_the_station_list_in_the_admin_links_to_the_import(admin_client):
    page = admin_client.get("/admin/radio/station/").content.decode()
    assert 'href="/admin/radio/station/import/"' in page
    form = admin_client.get("/admin/radio/station/import/")
    assert form.status_code == 200
    assert b'type="file"' in form.content


def test_the_admin_upload_shows_progress_and_the_report(admin_client, async_client):
    async_client.force_login(User.objects.get(username="root"))
    upload = SimpleUploadedFile("stations.m3u", (STATIONS / "stations.m3u").read_bytes())

    async def post() -> str:
        response = await async_client.post("/admin/radio/station/import/", {"file": upload})
        assert response.status_code == 200
        assert response.streaming
        return b"".join([part async for part in response.streaming_content]).decode()

    page = async_to_sync(post)()

    assert '<progress id="import-progress" max="4"' in page
    assert '<span class="import-step" data-done="4" data-total="4"></span>' in page
    assert "<script>" not in page  # the Content-Security-Policy allows no inline script
    assert "M3U: 6 entries, 3 added, 0 updated, 0 unchanged, 1 duplicate, 2 rejected." in page
    assert "<td>8</td><td>relative URL and no playlist URL to resolve it:" in page
    assert page.rstrip().endswith("</html>")
    assert Station.objects.count() == 3


def test_the_admin_upload_refuses_a_file_it_cannot_read(admin_client):
    upload = SimpleUploadedFile("page.html", b"<html></html>")
    response = admin_client.post("/admin/radio/station/import/", {"file": upload})
    assert response.status_code == 200
    assert "page.html: could not tell what kind of file this is" in response.content.decode()
    assert not Station.objects.exists()


def test_a_new_resolved_url_in_an_export_moves_the_stations_identity():
    load("radio-browser.json")
    jazz = Station.objects.get(uuid=JAZZ_UUID)
    jazz.url_resolved = ""  # as if it had never been resolved
    jazz.save()
    data = (STATIONS / "radio-browser.json").read_bytes()
    moved = data.replace(b"stream.jazz.example.org:8000/jazz128", b"new.jazz.example.org/jazz")
    assert import_stations(moved, "radio-browser.json").updated == 1
    jazz.refresh_from_db()
    assert jazz.url_resolved == "http://new.jazz.example.org/jazz.mp3"
    assert jazz.url_key == Station.key_for("http://new.jazz.example.org/jazz.mp3")
    # Known by its new stream: an M3U naming it finds the station.
    report = import_stations(b"#EXTM3U\nhttp://new.jazz.example.org/jazz.mp3\n", "a.m3u")
    assert (report.added, report.unchanged) == (0, 1)


def test_control_characters_in_a_station_file_are_dropped_not_fatal():
    data = json.dumps(
        [
            {"name": "Bad\u0000Name", "url": "http://example.com/a.mp3"},
            {"name": "Good", "url": "http://example.com/b.mp3", "tags": "jazz,\u0000blues"},
            {"name": "Bad URL", "url": "http://example.com/\u0000c.mp3"},
        ]
    ).encode()

    report = import_stations(data, filename="stations.json")

    assert [reason for _line, reason in report.rejected] == [
        "'http://example.com/\\x00c.mp3' contains control characters"
    ]
    assert sorted(Station.objects.values_list("name", "tags")) == [
        ("BadName", ""),
        ("Good", "jazz,blues"),
    ]
