"""Playlist parsing: the formats stations publish, and the entries an import must reject."""

from __future__ import annotations

from pathlib import Path

import pytest

from airwaves.radio.playlists import (
    hls_attributes,
    hls_codec,
    hls_segments,
    hls_variants,
    sniff_codec,
)
from airwaves.radio.streams import (
    PlaylistEntry,
    parse_playlist,
    parse_playlist_with_errors,
    playlist_kind,
)

TESTDATA = Path(__file__).parent / "testdata"
BASE = "http://radio.example.org/listen/station.pls"


def read(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("station.pls", "pls"),
        ("station.m3u", "m3u"),
        ("station_extm3u.m3u", "m3u"),
        ("station.xspf", "xspf"),
        ("station.asx", "asx"),
        ("station_windows-1252.pls", "pls"),
        ("station_utf8_bom.m3u", "m3u"),
        ("hls_master.m3u8", "hls"),
        ("hls_media.m3u8", "hls"),
        ("not_a_station.html", None),
    ],
)
def test_it_tells_the_kind_from_the_bytes(name: str, kind: str | None) -> None:
    # No Content-Type and no URL: servers often send text/plain or octet-stream.
    assert playlist_kind(read(name)) == kind


def test_it_does_not_take_audio_for_a_playlist() -> None:
    mp3_frame = b"\xff\xfb\x90\x64" + b"\0" * 413  # MPEG-1 layer III, 128 kbps, 44.1 kHz
    assert playlist_kind(mp3_frame * 3, content_type="audio/x-mpegurl") is None
    assert playlist_kind(b"ID3\x04\0\0\0\0\0\0" + mp3_frame * 2, url="x.m3u") is None
    assert playlist_kind(b"OggS\0\x02" + b"\0" * 22 + b"\x13OpusHead") is None


def test_it_reads_a_headerless_m3u_by_its_content_type_or_extension() -> None:
    data = b"http://radio.example.org/live.mp3\n"
    assert playlist_kind(data) == "m3u"  # a bare list of URLs
    assert playlist_kind(b"live.mp3\n", content_type="audio/x-mpegurl") == "m3u"
    assert playlist_kind(b"live.mp3\n", url="http://radio.example.org/a.m3u?x=1") == "m3u"
    assert playlist_kind(b"live.mp3\n", content_type="text/plain") is None


def test_it_reads_pls_entries_in_order_with_titles() -> None:
    entries = parse_playlist(read("station.pls"), url=BASE)
    assert entries == [
        PlaylistEntry(
            "http://radio.example.org:8000/live.mp3",
            "(#1 - 2/250) Airwaves Test Radio: hits, and more hits",
            3,
        ),
        PlaylistEntry(
            "http://backup.radio.example.org/live.mp3", "Airwaves Test Radio (backup)", 6
        ),
        PlaylistEntry("https://radio.example.org/live-aac", "Airwaves Test Radio AAC+", 9),
    ]


def test_it_reads_pls_files_in_windows_1252() -> None:
    [entry] = parse_playlist(read("station_windows-1252.pls"))
    assert entry.title == "Radio Fünf – Nachrichten"


def test_it_reads_plain_m3u() -> None:
    entries = parse_playlist(read("station.m3u"))
    assert [(e.url, e.title, e.line) for e in entries] == [
        ("http://radio.example.org:8000/live.mp3", "", 1),
        ("http://backup.radio.example.org/live.mp3", "", 2),
    ]


def test_it_takes_extm3u_titles_from_extinf_even_after_quoted_commas() -> None:
    entries = parse_playlist(read("station_extm3u.m3u"))
    assert [(e.title, e.line) for e in entries] == [
        ("Airwaves Test Radio", 3),
        ("Airwaves Test Radio, backup stream", 5),
    ]


def test_it_skips_a_byte_order_mark() -> None:
    [entry] = parse_playlist(read("station_utf8_bom.m3u"))
    assert entry == PlaylistEntry("http://radio.example.org:8000/live.mp3", "Radio Zwölf", 3)


def test_it_reads_xspf_locations_with_their_source_lines() -> None:
    entries = parse_playlist(read("station.xspf"))
    assert entries == [
        PlaylistEntry(
            "http://radio.example.org:8000/live.mp3", "Airwaves Test Radio (MP3 128k)", 6
        ),
        PlaylistEntry(
            "http://radio.example.org:8000/live.ogg", "Airwaves Test Radio (Ogg Vorbis)", 11
        ),
    ]


def test_it_reads_asx_in_any_letter_case_with_bare_ampersands() -> None:
    entries, errors = parse_playlist_with_errors(read("station.asx"))
    assert entries == [
        PlaylistEntry(
            "http://radio.example.org:8000/live.mp3?src=asx&player=wmp",
            "Airwaves Test Radio – live",
            7,
        ),
        PlaylistEntry("http://backup.radio.example.org/live.mp3", "Airwaves Test Radio", 10),
    ]
    assert errors == [(6, "not an http(s) URL: 'mms://radio.example.org/live'")]


def test_it_reports_every_rejected_line_with_its_number() -> None:
    url = "http://radio.example.org/lists/stations.m3u"
    entries, errors = parse_playlist_with_errors(read("rejected_lines.m3u"), url=url)
    assert [(e.line, e.url, e.title) for e in entries] == [
        (5, "http://radio.example.org:8000/live.mp3", "Airwaves Test Radio"),
        (10, "http://radio.example.org/lists/live.aac", "Relative stream"),  # resolved
        (14, "https://radio.example.org/live-aac", ""),
    ]
    assert errors == [
        (
            7,
            "not an http(s) URL: 'C:\\\\Users\\\\me\\\\Music\\\\My Song.mp3' "
            "(a file on someone's computer)",
        ),
        (8, "not an http(s) URL: 'rtsp://radio.example.org/live'"),
        (11, "not an http(s) URL: 'mms://radio.example.org/live'"),
        (13, "not a valid URL: 'http://radio example.org/live'"),
    ]


def test_it_rejects_relative_entries_when_there_is_no_playlist_url() -> None:
    entries, errors = parse_playlist_with_errors(b"#EXTM3U\nlive.mp3\n", url="upload.m3u")
    assert entries == []
    assert errors == [(2, "relative URL and no playlist URL to resolve it: 'live.mp3'")]


def test_it_reports_pls_lines_that_are_not_key_value_pairs() -> None:
    data = (
        b"[playlist]\nFile1=http://a.example.org/\nthis is not pls\nFile2=ftp://b.example.org/x\n"
    )
    entries, errors = parse_playlist_with_errors(data)
    assert [e.url for e in entries] == ["http://a.example.org/"]
    assert errors == [
        (3, "not a PLS line (expected Key=Value): 'this is not pls'"),
        (4, "not an http(s) URL: 'ftp://b.example.org/x'"),
    ]


def test_it_returns_no_entries_for_hls_and_for_things_that_are_not_playlists() -> None:
    assert parse_playlist_with_errors(read("hls_master.m3u8")) == ([], [])
    assert parse_playlist_with_errors(read("not_a_station.html")) == ([], [])
    assert parse_playlist(b"\xff\xfb\x90\x64" + b"\0" * 413) == []


def test_it_does_not_expand_entities_or_fetch_anything_in_xml_playlists() -> None:
    data = b"""<?xml version="1.0"?>
<!DOCTYPE playlist [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<playlist xmlns="http://xspf.org/ns/0/"><trackList>
<track><location>http://radio.example.org/&x;</location></track>
</trackList></playlist>"""
    entries = parse_playlist(data)
    assert all("root:" not in entry.url for entry in entries)


def test_it_reads_hls_master_variants_and_codecs() -> None:
    url = "https://radio.example.org/hls/master.m3u8"
    variants = hls_variants(read("hls_master.m3u8").decode(), url)
    assert [(v.url, v.bandwidth, hls_codec(v.codecs)) for v in variants] == [
        ("https://radio.example.org/hls/low/index.m3u8", 64000, "AAC+"),
        ("https://radio.example.org/hls/high/index.m3u8", 134000, "AAC"),
    ]
    assert hls_variants(read("hls_media.m3u8").decode(), url) == []


def test_it_reads_hls_media_segments() -> None:
    url = "https://radio.example.org/hls/high/index.m3u8"
    assert hls_segments(read("hls_media.m3u8").decode(), url) == [
        f"https://radio.example.org/hls/high/segment{n}.ts" for n in (1042, 1043, 1044)
    ]


@pytest.mark.parametrize(
    ("codecs", "codec"),
    [
        ("mp4a.40.2", "AAC"),
        ("mp4a.40.5", "AAC+"),
        ("mp4a.40.29", "AAC+"),
        ("mp4a.40.34", "MP3"),
        ("mp3", "MP3"),
        ("opus", "OPUS"),
        ("avc1.42e00a,mp4a.40.2", "AAC"),
        ("fLaC", "FLAC"),
        ("", ""),
    ],
)
def test_it_names_hls_codecs_like_radio_browser(codecs: str, codec: str) -> None:
    assert hls_codec(codecs) == codec


def test_it_reads_quoted_hls_attributes_with_commas() -> None:
    assert hls_attributes('BANDWIDTH=128000,CODECS="mp4a.40.2,avc1.4d401e",NAME=hi') == {
        "BANDWIDTH": "128000",
        "CODECS": "mp4a.40.2,avc1.4d401e",
        "NAME": "hi",
    }


@pytest.mark.parametrize(
    ("data", "codec"),
    [
        (b"\xff\xfb\x90\x64" + b"\0" * 413 + b"\xff\xfb\x90\x64", "MP3"),
        (b"junk" + b"\xff\xfb\x90\x64" + b"\0" * 413 + b"\xff\xfb\x90\x64", "MP3"),  # mid-stream
        (b"ID3\x04\0\0\0\0\0\x02ab" + b"\xff\xfb\x90\x64" + b"\0" * 413, "MP3"),
        (b"\xff\xf1\x50\x80\x01\x7f\xfc" + b"\0" * 4 + b"\xff\xf1\x50\x80", "AAC"),  # ADTS
        (b"OggS\0\x02" + b"\0" * 22 + b"\x01vorbis", "OGG"),
        (b"OggS\0\x02" + b"\0" * 22 + b"OpusHead", "OPUS"),
        (b"OggS\0\x02" + b"\0" * 22 + b"\x7fFLAC", "FLAC"),
        (b"fLaC\0\0\0\x22", "FLAC"),
        (b"<html>", None),
        (b"\xff\xfb\x90\x64" + b"\0" * 413, "MP3"),  # one whole frame
        (b"\xff\xfb\x90\x64" + b"\0" * 100, None),  # a lone header proves nothing
        (b"\xff\xfb\x90\x64" + b"\0" * 413 + b"\x12\x34", None),  # no second frame
    ],
)
def test_it_sniffs_codecs_from_the_first_bytes(data: bytes, codec: str | None) -> None:
    assert sniff_codec(data) == codec
