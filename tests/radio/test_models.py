"""Station identity: slugs, stream-URL keys, facets."""

from __future__ import annotations

import pytest

from airwaves.radio.models import RESERVED_SLUGS, Station, StationFacet, normalize_stream_url
from tests.radio.fixtures import make_station

pytestmark = pytest.mark.django_db


def test_a_slug_is_made_from_the_name_and_kept_when_the_name_changes():
    station = make_station("Radio Ça Va!", "http://a.example/live")
    assert station.slug == "radio-ca-va"
    station.name = "Another name"
    station.save()
    station.refresh_from_db()
    assert station.slug == "radio-ca-va"


def test_slugs_are_unique_and_never_a_reserved_page_name():
    first = make_station("Jazz", "http://a.example/1")
    second = make_station("Jazz", "http://a.example/2")
    assert (first.slug, second.slug) == ("jazz", "jazz-2")
    for name in ["Favourites", "Country", "Tag", "Top Voted"]:
        assert make_station(name, f"http://b.example/{name}").slug not in RESERVED_SLUGS


def test_a_station_without_a_usable_name_still_gets_a_slug():
    assert make_station("♫♫♫", "http://a.example/x").slug == "station"


def test_normalized_urls_ignore_case_of_scheme_and_host_default_ports_and_fragments():
    assert normalize_stream_url(" HTTP://Radio.Example.ORG:80/Live?x=1#t ") == (
        "http://radio.example.org/Live?x=1"
    )
    assert normalize_stream_url("https://radio.example.org:443") == "https://radio.example.org/"
    assert normalize_stream_url("http://radio.example.org:8000/a") == (
        "http://radio.example.org:8000/a"
    )
    assert Station.key_for("http://RADIO.example.org/live") == Station.key_for(
        "http://radio.example.org:80/live"
    )


def test_the_stream_key_follows_the_resolved_url_when_there_is_one():
    station = make_station(url="http://a.example/listen.pls", url_resolved="http://b.example/s")
    assert station.url_key == Station.key_for("http://b.example/s")


def test_facets_follow_tags_and_language_codes():
    station = make_station(tags="Rock, Pop,rock,  indie rock ", language_codes="en,DE")
    facets = set(station.facets.values_list("kind", "value"))
    assert facets == {
        ("tag", "rock"),
        ("tag", "pop"),
        ("tag", "indie rock"),
        ("language", "en"),
        ("language", "de"),
    }
    station.tags = "pop,jazz"
    station.language_codes = ""
    station.sync_facets()
    assert set(station.facets.values_list("value", flat=True)) == {"pop", "jazz"}
    assert StationFacet.objects.count() == 2


def test_plain_http_streams_play_through_the_proxy_https_and_hls_directly():
    assert make_station(url="http://a.example/1").needs_proxy
    assert not make_station(url="https://a.example/2").needs_proxy
    assert not make_station(
        url="http://a.example/3", url_resolved="https://b.example/3"
    ).needs_proxy
    assert not make_station(url="http://a.example/4.m3u8", hls=True).needs_proxy


def test_the_key_follows_a_new_stream_url_unless_another_station_has_it():
    station = make_station(url="http://a.example/listen.pls")
    station.url_resolved = "http://b.example/stream"
    assert station.rekey()
    assert Station.objects.get(pk=station.pk).url_key == Station.key_for("http://b.example/stream")

    other = make_station("Other", "http://c.example/stream")
    station.url_resolved = "http://c.example/stream"
    assert not station.rekey()  # a duplicate, left for the operator to merge
    station.refresh_from_db()
    assert station.url_key == Station.key_for("http://b.example/stream")
    assert other.url_key == Station.key_for("http://c.example/stream")
