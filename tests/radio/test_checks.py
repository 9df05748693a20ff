"""Station checks against a real Icecast server (the `icecast` fixture in conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from airwaves.cli import main
from airwaves.radio.checks import check_due_stations, check_station, check_stations
from airwaves.radio.models import Station
from tests.radio.fixtures import make_station

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def allow_loopback(settings, private_urls):
    settings.ALLOW_PRIVATE_URLS = True


def test_a_live_mp3_mount_is_ok_with_codec_bitrate_and_icy_details(icecast):
    station = make_station("Test Radio", icecast.url("/live.mp3"))

    assert check_station(station) == "ok"

    assert station.last_check_ok is True
    assert station.last_check_error == ""
    assert (station.codec, station.bitrate) == ("MP3", 128)
    assert station.https is False and station.hls is False
    assert station.url_resolved == icecast.url("/live.mp3")
    assert station.last_check_at == station.last_check_ok_at
    assert station.next_check_at > timezone.now() + timedelta(hours=23)
    # Empty fields are filled from the icy-* headers; the name is the directory's own.
    assert station.name == "Test Radio"
    assert station.tags == "test tones"
    assert station.homepage == "https://example.org/radio"


def test_a_stopped_mount_becomes_broken_after_repeated_failures_and_recovers(icecast, settings):
    settings.STATION_BROKEN_AFTER = 3
    mount = "/checks-broken.mp3"
    icecast.add_source(mount, "mp3", bitrate=64)
    station = make_station("Flaky FM", icecast.url(mount))
    assert check_station(station) == "ok"
    icecast.stop_source(mount)

    assert check_station(station) == "failed"
    assert station.last_check_ok is False
    assert station.last_check_error.startswith("HTTP 404")
    assert icecast.url(mount) in station.last_check_error
    assert (station.check_failures, station.broken) == (1, False)
    assert station.next_check_at < timezone.now() + timedelta(hours=1, minutes=1)
    assert check_station(station) == "failed"
    assert check_station(station) == "broken"
    assert (station.check_failures, station.broken) == (3, True)
    assert check_station(station) == "failed"  # still broken, not newly
    assert station.broken
    assert station.codec == "MP3"  # what the last good check found is kept

    icecast.add_source(mount, "mp3", bitrate=64)
    try:
        assert check_station(station) == "recovered"
        assert (station.check_failures, station.broken, station.last_check_ok) == (0, False, True)
        assert station.bitrate == 64
    finally:
        icecast.stop_source(mount)


def test_a_playlist_url_is_resolved_to_the_mount(icecast, feed_server):
    feed_server.route(
        "/listen.pls",
        f"[playlist]\nNumberOfEntries=1\nFile1={icecast.url('/live.mp3')}\n",
        headers={"Content-Type": "audio/x-scpls"},
    )
    station = make_station("Playlist FM", feed_server.url("/listen.pls"))
    assert check_station(station) == "ok"
    assert station.url == feed_server.url("/listen.pls")
    assert station.url_resolved == icecast.url("/live.mp3")
    assert station.url_key == Station.key_for(icecast.url("/live.mp3"))


def test_a_web_page_is_not_a_station(feed_server):
    feed_server.route(
        "/", "<!doctype html><title>Radio</title>", headers={"Content-Type": "text/html"}
    )
    station = make_station("Page FM", feed_server.url("/"))
    assert check_station(station) == "failed"
    assert "is a web page (HTML), not a stream or a playlist" in station.last_check_error


def test_loopback_streams_are_refused_unless_allowed(icecast, settings):
    settings.ALLOW_PRIVATE_URLS = False
    station = make_station("Sneaky", icecast.url("/live.mp3"))
    assert check_station(station) == "failed"
    assert "refused to connect to 127.0.0.1 (loopback address)" in station.last_check_error


def test_due_stations_are_claimed_checked_and_rescheduled(icecast):
    now = timezone.now()
    due = make_station("Due", icecast.url("/live.mp3"), next_check_at=now - timedelta(minutes=1))
    # Query strings make distinct stations of one mount (Icecast ignores them).
    never = make_station("Never checked", icecast.url("/live.mp3?2"))
    later = make_station(
        "Later", icecast.url("/live.mp3?3"), next_check_at=now + timedelta(hours=5)
    )

    summary = check_due_stations(limit=10)

    assert (summary.checked, summary.ok, summary.failed) == (2, 2, 0)
    for station in (due, never, later):
        station.refresh_from_db()
    assert due.last_check_ok and never.last_check_ok
    assert later.last_check_at is None
    assert due.next_check_at > now + timedelta(hours=23)
    assert check_due_stations(limit=10).checked == 0
    assert check_due_stations(limit=10, include_all=True).checked == 3


def test_a_station_claimed_elsewhere_is_skipped(icecast, monkeypatch):
    station = make_station("Contested", icecast.url("/live.mp3"))
    from airwaves.radio import checks

    original = checks.claim

    def lose_the_race(candidate, now):
        # Another process claims it between our read and our conditional update.
        Station.objects.filter(pk=candidate.pk).update(next_check_at=now + timedelta(minutes=10))
        return original(candidate, now)

    monkeypatch.setattr(checks, "claim", lose_the_race)
    summary = check_due_stations(limit=10)
    assert (summary.checked, summary.skipped) == (0, 1)
    station.refresh_from_db()
    assert station.last_check_at is None


def test_checks_report_newly_broken_and_recovered_stations(icecast, settings):
    settings.STATION_BROKEN_AFTER = 1
    dead = make_station("Dead Air", icecast.url("/no-such-mount.mp3"))
    back = make_station("Back Again", icecast.url("/live.mp3"), broken=True, check_failures=4)
    summary = check_stations([dead, back])
    assert summary.newly_broken == ["Dead Air"]
    assert summary.recovered == ["Back Again"]
    assert summary.describe() == (
        "checked 2 stations: 1 OK, 1 failed; now broken: Dead Air; working again: Back Again"
    )


def test_the_command_checks_named_stations(icecast, capsys):
    make_station("Test Radio", icecast.url("/live.mp3"))
    assert main(["check-stations", "test-radio"]) == 0
    out = capsys.readouterr().out
    assert "checked 1 station: 1 OK, 0 failed" in out
    assert "test-radio: OK (MP3 128 kbps)" in out
    assert main(["check-stations", "nope"]) == 1
    assert "no such station: nope" in capsys.readouterr().err
