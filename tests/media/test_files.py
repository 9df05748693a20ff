"""Chapters and transcript files (crawler/media_files.py): each format read into lines or
chapters, hostile files refused with a reason, and fetches capped and SSRF-guarded
against a real server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from airwaves.crawler.media_files import (
    MAX_CHAPTERS,
    MAX_LINES,
    FetchedFile,
    MediaFileError,
    TranscriptLine,
    fetch_file,
    parse_chapters,
    parse_chapters_json,
    parse_cues,
    parse_transcript,
    parse_transcript_html,
    parse_transcript_json,
    transcript_rank,
)
from airwaves.crawler.types import Chapter
from airwaves.lib.net import make_client

VTT = """WEBVTT

NOTE written by hand

intro
00:00:00.000 --> 00:00:04.500 align:start
<v Ana>Hello &amp; welcome</v>

00:00:04.500 --> 00:00:09.000
to <b>the</b> show,
two lines.

01:00:00.250 --> 01:00:02.000
Later.
"""

SRT = """1
00:00:01,000 --> 00:00:02,500
First

2
00:00:02,500 --> 00:00:05,000
Second line
continued
"""


def fetched(text: str | bytes, content_type: str = "", charset: str = "") -> FetchedFile:
    data = text.encode() if isinstance(text, str) else text
    return FetchedFile("https://s.example.com/f", data, content_type, charset)


def test_webvtt_cues_become_lines_with_speaker_and_plain_text():
    assert parse_cues(VTT, vtt=True) == [
        TranscriptLine(0.0, 4.5, "Ana: Hello & welcome"),
        TranscriptLine(4.5, 9.0, "to the show, two lines."),
        TranscriptLine(3600.25, 3602.0, "Later."),
    ]


def test_srt_blocks_become_lines():
    assert parse_cues(SRT.replace("\n", "\r\n"), vtt=False) == [
        TranscriptLine(1.0, 2.5, "First"),
        TranscriptLine(2.5, 5.0, "Second line continued"),
    ]


def test_json_segments_are_joined_into_sentences_per_speaker():
    text = """{"version": "1.0.0", "segments": [
      {"speaker": "Ana", "startTime": 0.5, "endTime": 0.9, "body": "Hi"},
      {"speaker": "Ana", "startTime": 0.9, "endTime": 1.4, "body": "there."},
      {"speaker": "Ben", "startTime": 2, "endTime": 2.5, "body": "Hello"},
      {"speaker": "Ana", "startTime": 3, "endTime": 3.5, "body": "Bye"},
      {"startTime": "x", "body": "no time"}, 7, {"startTime": 4}
    ]}"""
    assert parse_transcript_json(text) == [
        TranscriptLine(0.5, 1.4, "Ana: Hi there."),
        TranscriptLine(2.0, 2.5, "Ben: Hello"),
        TranscriptLine(3.0, 3.5, "Ana: Bye"),
    ]


def test_html_paragraphs_become_lines_timed_by_the_time_before_them():
    page = (
        "<html><body><script>alert(1)</script><cite>Ana:</cite><time>0:00</time>"
        "<p>Hello <a href='javascript:x'>you</a>.</p><time>1:30</time><p>Later on.</p>"
        "<p>Untimed.</p></body></html>"
    )
    assert parse_transcript_html(page) == [
        TranscriptLine(0.0, 90.0, "Ana: Hello you."),
        TranscriptLine(90.0, None, "Later on."),
        TranscriptLine(None, None, "Untimed."),
    ]


def test_chapters_json_is_read_ordered_and_markers_left_out():
    text = """{"version": "1.2.0", "chapters": [
      {"startTime": 120, "title": "Two", "img": "https://i.example.com/2.jpg",
       "url": "https://x.example.com/"},
      {"startTime": 0, "title": "One", "endTime": 100},
      {"startTime": 60, "title": "marker", "toc": false},
      {"startTime": "bad"}, "nonsense", {"startTime": true, "title": "a bool is no time"},
      {"startTime": 200, "title": "Three", "img": "javascript:x", "url": 5}
    ]}"""
    assert parse_chapters_json(text) == [
        Chapter(start=0.0, end=100.0, title="One"),
        Chapter(
            start=120.0,
            end=200.0,
            title="Two",
            img="https://i.example.com/2.jpg",
            url="https://x.example.com/",
        ),
        Chapter(start=200.0, end=None, title="Three"),
    ]


def test_the_declared_type_then_the_served_one_then_the_first_bytes_choose_the_reader():
    assert parse_transcript("text/vtt", fetched(VTT))[0].text == "Ana: Hello & welcome"
    assert parse_transcript("", fetched(SRT, "application/x-subrip"))[0].text == "First"
    assert parse_transcript("", fetched(SRT))[1].start == 2.5
    assert parse_transcript("", fetched("\ufeff" + VTT))[2].start == 3600.25
    latin = "WEBVTT\n\n00:00.000 --> 00:01.000\nCaf\xe9\n".encode("latin-1")
    assert parse_transcript("", fetched(latin, "text/vtt", "iso-8859-1"))[0].text == "Café"
    assert [transcript_rank(t) for t in ("text/vtt", "application/srt", "application/json")] == [
        0,
        1,
        2,
    ]
    assert transcript_rank("text/html; charset=utf-8") == 3
    assert transcript_rank("text/plain") == 4


@pytest.mark.parametrize(
    ("reader", "text", "reason"),
    [
        (lambda t: parse_chapters_json(t), "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (lambda t: parse_chapters_json(t), '{"chapters": [', "not valid JSON"),
        (lambda t: parse_chapters_json(t), '{"chapters": {"a": 1}}', 'no "chapters" list'),
        (lambda t: parse_chapters_json(t), '["chapters"]', 'no "chapters" list'),
        (lambda t: parse_chapters_json(t), '{"chapters": [{"title": "x"}]}', "no chapter"),
        (lambda t: parse_chapters_json(t), '{"chapters": [{"startTime": 1e300}]}', "no chapter"),
        (lambda t: parse_transcript_json(t), '{"segments": 5}', 'no "segments" list'),
        (lambda t: parse_transcript_json(t), '{"segments": [' + "[" * 50_000, "nested too deep"),
        (lambda t: parse_cues(t, vtt=True), "00:00.000 --> 00:01.000\nhi", "WEBVTT"),
        (lambda t: parse_cues(t, vtt=True), "WEBVTT\n\nno cues at all", "no timed lines"),
        (lambda t: parse_cues(t, vtt=False), "\x00\xff" * 1000, "no timed lines"),
        (lambda t: parse_transcript_html(t), "<html><body></body></html>", "no paragraphs"),
        (lambda t: parse_transcript_html(t), "", "cannot be read"),
        (lambda t: parse_transcript("image/png", fetched(t)), "\x89PNG", "not a transcript"),
        (lambda t: parse_chapters("", fetched(t, "text/html")), "<html>", "not JSON"),
    ],
)
def test_malformed_and_hostile_files_raise_the_one_error_with_a_reason(reader, text, reason):
    with pytest.raises(MediaFileError, match=reason) as caught:
        reader(text)
    assert caught.value.refused


def test_too_many_lines_or_chapters_are_cut_at_the_cap_in_linear_time():
    cues = "".join(
        f"\n{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000 --> "
        f"{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.500\nline {n}\n"
        for n in range(MAX_LINES * 2)
    )
    started = time.monotonic()
    lines = parse_cues("WEBVTT\n" + cues, vtt=True)
    assert len(lines) == MAX_LINES and lines[-1].text == f"line {MAX_LINES - 1}"
    chapters = ",".join(f'{{"startTime": {n}, "title": "c"}}' for n in range(MAX_CHAPTERS * 10))
    assert len(parse_chapters_json(f'{{"chapters": [{chapters}]}}')) == MAX_CHAPTERS
    html = "<p>word</p>" * (MAX_LINES * 2)
    assert len(parse_transcript_html(html)) == MAX_LINES
    assert time.monotonic() - started < 10


def test_an_enormous_line_is_cut():
    (line,) = parse_cues("WEBVTT\n\n00:00.000 --> 00:01.000\n" + "word " * 100_000, vtt=True)
    assert len(line.text) == 2000


# Fetching ------------------------------------------------------------------------------


def fetch(url: str, *, allow_private: bool = True, max_bytes: int = 10_000, timeout: float = 5):
    with make_client(allow_private=allow_private, timeout=timeout) as client:
        return fetch_file(
            url,
            client=client,
            max_bytes=max_bytes,
            total_timeout=timeout,
            allow_private=allow_private,
        )


def test_a_file_is_fetched_after_redirects_with_its_type(feed_server):
    feed_server.route("/old.vtt", status=302, headers={"Location": "/new.vtt"})
    feed_server.route("/new.vtt", VTT, headers={"Content-Type": "text/vtt; charset=utf-8"})
    result = fetch(feed_server.url("/old.vtt"))
    assert result.url == feed_server.url("/new.vtt")
    assert (result.content_type, result.charset) == ("text/vtt", "utf-8")
    assert result.data == VTT.encode()
    assert feed_server.requests[-1].headers["Accept-Encoding"] == "identity"


def test_private_addresses_are_refused_before_any_connection(feed_server):
    with pytest.raises(MediaFileError, match="127.0.0.1") as caught:
        fetch(feed_server.url("/t.vtt"), allow_private=False)
    assert caught.value.refused
    assert feed_server.requests == []


def test_a_redirect_to_a_private_address_is_refused(feed_server):
    # The client's guard lets only the test's server through; the redirect goes to the
    # cloud metadata service, which the guard refuses when connecting.
    feed_server.route("/t.vtt", status=301, headers={"Location": "http://169.254.169.254/"})
    client = make_client(is_allowed=lambda ip: str(ip) == "127.0.0.1", timeout=5)
    with client, pytest.raises(MediaFileError, match="169.254.169.254") as caught:
        fetch_file(
            feed_server.url("/t.vtt"),
            client=client,
            max_bytes=1000,
            total_timeout=5,
            allow_private=True,
        )
    assert caught.value.refused
    assert [r.path for r in feed_server.requests] == ["/t.vtt"]


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        ({"Content-Length": "999999"}, b"x" * 10, "larger than"),
        ({}, (b"x" * 4096 for _ in range(10)), "larger than"),
        ({"Content-Type": "image/png"}, b"\x89PNG", "image/png"),
        ({"Content-Type": "audio/mpeg"}, b"ID3", "audio/mpeg"),
        ({"Content-Encoding": "gzip"}, b"\x1f\x8b", "compressed"),
    ],
)
def test_too_big_compressed_or_wrong_type_bodies_are_refused(feed_server, headers, body, reason):
    feed_server.route("/f", body, headers=headers)
    with pytest.raises(MediaFileError, match=reason) as caught:
        fetch(feed_server.url("/f"), max_bytes=10_000)
    assert caught.value.refused


def test_http_errors_say_whether_trying_again_may_help(feed_server):
    feed_server.route("/gone", status=404)
    feed_server.route("/busy", status=503)
    with pytest.raises(MediaFileError, match="HTTP 404") as gone:
        fetch(feed_server.url("/gone"))
    with pytest.raises(MediaFileError, match="HTTP 503") as busy:
        fetch(feed_server.url("/busy"))
    assert gone.value.refused and not busy.value.refused


def test_a_server_that_trickles_is_cut_off_at_the_time_cap(feed_server):
    def slow():
        for _ in range(50):
            yield b"x"
            time.sleep(0.1)

    feed_server.handle("/slow", lambda request: (200, {}, slow()))
    started = time.monotonic()
    with pytest.raises(MediaFileError, match="longer than") as caught:
        fetch(feed_server.url("/slow"), timeout=1)
    assert time.monotonic() - started < 3
    assert not caught.value.refused


def test_a_redirect_loop_is_refused(feed_server):
    feed_server.route("/a", status=302, headers={"Location": "/b"})
    feed_server.route("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(MediaFileError, match="loop"):
        fetch(feed_server.url("/a"))
