"""ICY metadata: the parser on its own, and titles read back from a real Icecast."""

from __future__ import annotations

import asyncio
import itertools
import re
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from airwaves.lib.net import make_async_client
from airwaves.radio.playlists import mp3_frame_length
from airwaves.radio.streams import (
    IcyParser,
    open_stream,
    parse_stream_title,
    split_artist_title,
)
from tests.icecast import FFMPEG, Icecast
from tests.radio.conftest import LATIN1_MOUNT

# -- parse_stream_title ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "title"),
    [
        (b"StreamTitle='Daft Punk - One More Time';\0\0\0\0", "Daft Punk - One More Time"),
        (b"StreamTitle='Guns N' Roses - Sweet Child';StreamUrl='';", "Guns N' Roses - Sweet Child"),
        (b"StreamTitle='AC/DC; live';StreamUrl='http://x.example/';\0", "AC/DC; live"),
        (b"StreamTitle='a';b';c';\0\0", "a';b';c"),  # no next key: the last "';" ends it
        (b"StreamTitle='';\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", ""),
        (b"StreamUrl='http://x.example/';\0", None),
        (b"\0" * 16, None),
        (
            b"StreamTitle='Mot\xc3\xb6rhead \xe2\x80\x93 Ace of Spades';",
            "Motörhead – Ace of Spades",
        ),
        (b"StreamTitle='Mot\xf6rhead - Ace of Spades';\0", "Motörhead - Ace of Spades"),  # Latin-1
        (b"StreamTitle='Radio F\xfcnf \x96 News';", "Radio Fünf – News"),  # Windows-1252
        (b"StreamTitle='Mot\xf6rhead &#8211; Ace';", "Motörhead – Ace"),  # Icecast's escape
        (b"StreamTitle='No closing quote", "No closing quote"),
    ],
)
def test_it_reads_the_stream_title_of_a_block(block: bytes, title: str | None) -> None:
    assert parse_stream_title(block) == title


# -- split_artist_title ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Daft Punk - One More Time", ("Daft Punk", "One More Time")),
        ("Jay-Z - 99 Problems - Radio Edit", ("Jay-Z", "99 Problems - Radio Edit")),
        ("Motörhead – Ace of Spades", ("Motörhead", "Ace of Spades")),
        ("News at noon", ("", "News at noon")),
        ("  Artist  -  Song  ", ("Artist", "Song")),
        ("A-ha", ("", "A-ha")),
        ("- Song", ("", "- Song")),
        ("", ("", "")),
    ],
)
def test_it_splits_artist_and_title_at_the_first_dash(text: str, parts: tuple[str, str]) -> None:
    assert split_artist_title(text) == parts


# -- IcyParser -------------------------------------------------------------------------------


def icy_block(title: str | None) -> bytes:
    """The length byte and metadata block a server sends for `title` (None: empty block)."""
    if title is None:
        return b"\0"
    data = f"StreamTitle='{title}';".encode()
    data += b"\0" * (-len(data) % 16)
    assert len(data) <= 255 * 16
    return bytes([len(data) // 16]) + data


def icy_body(metaint: int, audio: bytes, titles: list[str | None]) -> bytes:
    """`audio` with one metadata block (from `titles`, in turn) every `metaint` bytes."""
    body = bytearray()
    for index, start in enumerate(range(0, len(audio), metaint)):
        body += audio[start : start + metaint]
        if start + metaint <= len(audio):
            body += icy_block(titles[index % len(titles)] if titles else None)
    return bytes(body)


def feed_in_pieces(parser: IcyParser, body: bytes, cuts: list[int]) -> tuple[bytes, list[str]]:
    audio, titles = bytearray(), []
    edges = [0, *sorted(cut % (len(body) + 1) for cut in cuts), len(body)]
    for start, end in itertools.pairwise(edges):
        piece_audio, piece_titles = parser.feed(body[start:end])
        audio += piece_audio
        titles += piece_titles
    return bytes(audio), titles


def test_it_removes_metadata_and_returns_titles() -> None:
    body = b"abcd" + icy_block("A - B") + b"efgh" + b"\0" + b"ij"
    audio, titles = IcyParser(4).feed(body)
    assert audio == b"abcdefghij"
    assert titles == ["A - B"]


def test_it_handles_a_split_inside_the_length_byte_block_and_title() -> None:
    body = b"abcd" + icy_block("Guns N' Roses - Sweet Child") + b"efgh"
    for cut in range(len(body) + 1):
        parser = IcyParser(4)
        first, second = parser.feed(body[:cut]), parser.feed(body[cut:])
        assert first[0] + second[0] == b"abcdefgh", cut
        assert first[1] + second[1] == ["Guns N' Roses - Sweet Child"], cut


def test_it_reports_a_title_in_the_chunk_that_completes_it() -> None:
    parser = IcyParser(2)
    assert parser.feed(b"ab\x02StreamTit") == (b"ab", [])
    assert parser.feed(b"le='x';" + b"\0" * 15) == (b"", [])  # one byte short
    assert parser.feed(b"\0" + b"cd") == (b"cd", ["x"])


def test_it_refuses_a_metaint_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="icy-metaint"):
        IcyParser(0)


# Titles as stations send them: any text, quotes and semicolons included. Excluded: text
# that itself looks like the start of the next key ("';Key='"), NULs, and "&#…;"
# sequences, which the parser decodes on purpose.
titles = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("';-– "),
    max_size=60,
).filter(lambda t: not re.search(r"';\s*[A-Za-z]\w*\s*=\s*'", t) and not re.search(r"&#\w+;", t))


@settings(max_examples=300, deadline=None)
@given(
    metaint=st.integers(min_value=1, max_value=64),
    audio=st.binary(max_size=600),
    block_titles=st.lists(st.none() | titles, max_size=6),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
)
def test_any_chunking_gives_the_audio_and_titles_of_one_big_chunk(
    metaint: int, audio: bytes, block_titles: list[str | None], cuts: list[int]
) -> None:
    body = icy_body(metaint, audio, block_titles)
    whole_audio, whole_titles = IcyParser(metaint).feed(body)
    assert whole_audio == audio
    blocks = len(audio) // metaint
    expected = [
        title.strip()
        for index in range(blocks)
        if (title := block_titles[index % len(block_titles)] if block_titles else None) is not None
    ]
    assert whole_titles == expected
    assert feed_in_pieces(IcyParser(metaint), body, cuts) == (whole_audio, whole_titles)


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=2000), metaint=st.integers(1, 50), cuts=st.lists(st.integers()))
def test_garbage_never_crashes_the_parser_and_chunking_never_matters(
    body: bytes, metaint: int, cuts: list[int]
) -> None:
    assume(body)
    whole = IcyParser(metaint).feed(body)
    assert feed_in_pieces(IcyParser(metaint), body, cuts) == whole
    assert len(whole[0]) <= len(body)


# -- titles from a real Icecast --------------------------------------------------------------


@pytest.fixture
def title_mount(icecast_source: Callable[..., str], private_urls: None) -> str:
    """An MP3 mount of this test's own (the shared ones keep their titles). At 320 kbps a
    metadata block passes every 0.4 s, which keeps these tests quick."""
    icecast_source("/titles.mp3", "mp3", bitrate=320)
    return "/titles.mp3"


async def read_until_title(
    url: str, wanted: str, *, timeout: float = 6.0
) -> tuple[list[str], bytes]:
    """Listens to `url` until the ICY title `wanted` arrives: (titles seen, audio)."""
    seen: list[str] = []
    audio = bytearray()
    async with make_async_client() as client, open_stream(url, client=client) as stream:
        assert stream.metaint == 16000
        async with asyncio.timeout(timeout):
            async for chunk, titles in stream.chunks():
                audio += chunk
                seen += titles
                if wanted in titles:
                    return seen, bytes(audio)
    raise AssertionError("unreachable")


# What Icecast delivers for titles set through /admin/metadata (song=, URL-encoded UTF-8,
# charset=UTF-8) on a mount whose charset is UTF-8: exactly the text, quotes and semicolons
# included, unescaped. The title's own "';" is what makes ICY ambiguous; Icecast does not
# escape it, so the parser ends a title at "';" only when a key or the block end follows.
SPECIAL_TITLES = [
    "Guns N' Roses - Sweet Child O' Mine",
    "Motörhead – Ace of Spades",
    "AC/DC; Live at River Plate",
    "Sigur Rós - Hoppípolla ‘live’ & 100% + 日本語",
    "It's 5 o'clock; somewhere';",
]


def test_titles_set_through_the_admin_url_reach_listeners_intact(
    icecast: Icecast, title_mount: str
) -> None:
    url = icecast.url(title_mount)

    async def listen() -> None:
        for title in SPECIAL_TITLES:
            icecast.set_title(title_mount, title)
            # A new listener gets the current title in its first metadata block.
            seen, _ = await read_until_title(url, title)
            assert seen[-1] == title

    asyncio.run(listen())


def test_a_title_change_reaches_a_connected_listener(icecast: Icecast, title_mount: str) -> None:
    url = icecast.url(title_mount)
    icecast.set_title(title_mount, "Before - Change")

    async def listen() -> list[str]:
        seen: list[str] = []
        async with make_async_client() as client, open_stream(url, client=client) as stream:
            async with asyncio.timeout(8):
                async for _, titles in stream.chunks():
                    seen += titles
                    if titles == ["Before - Change"]:
                        icecast.set_title(title_mount, "After - Change")
                    if "After - Change" in titles:
                        assert stream.title == "After - Change"
                        return seen
        return seen

    seen = asyncio.run(listen())
    assert seen[0] == "Before - Change"
    assert seen[-1] == "After - Change"


def test_an_iso_8859_1_mount_sends_latin1_and_character_references(
    icecast: Icecast, icecast_source: Callable[..., str], private_urls: None
) -> None:
    # Icecast's historical default: titles re-encoded to ISO-8859-1, and what that cannot
    # hold ("–", "日") written as numeric character references (&#8211;). The parser reads
    # the Latin-1 bytes and decodes the references, so the title comes back whole.
    url = icecast_source(LATIN1_MOUNT, "mp3", bitrate=320)
    icecast.set_title(LATIN1_MOUNT, "Motörhead – Ace of Spades 日")
    seen, _ = asyncio.run(read_until_title(url, "Motörhead – Ace of Spades 日"))
    assert seen == ["Motörhead – Ace of Spades 日"]


def mp3_frames_are_contiguous(audio: bytes) -> int:
    """The number of MP3 frames that follow each other exactly from the first frame to the
    end; an inserted metadata byte would break the chain."""
    start = next(i for i in range(len(audio) - 4) if mp3_frame_length(audio[i : i + 4]) is not None)
    position, frames = start, 0
    while position + 4 <= len(audio):
        length = mp3_frame_length(audio[position : position + 4])
        assert length is not None, f"no MP3 frame at byte {position} (after {frames} frames)"
        position += length
        frames += 1
    return frames


def test_audio_from_open_stream_holds_no_metadata_bytes(
    icecast: Icecast, title_mount: str, tmp_path: Path
) -> None:
    url = icecast.url(title_mount)
    icecast.set_title(title_mount, "First - Title")

    async def capture() -> bytes:
        audio = bytearray()
        changed = 0
        async with make_async_client() as client, open_stream(url, client=client) as stream:
            async with asyncio.timeout(10):
                async for chunk, titles in stream.chunks():
                    audio += chunk
                    if titles and changed < 3:  # keep the blocks non-empty
                        changed += 1
                        icecast.set_title(title_mount, f"Title {changed} - ';\"{'x' * changed}")
                    if len(audio) > 3 * 16000 + 1000:
                        return bytes(audio)
        raise AssertionError("unreachable")

    audio = asyncio.run(capture())
    assert mp3_frames_are_contiguous(audio) > 40
    captured = tmp_path / "captured.mp3"
    captured.write_bytes(audio)
    decoded = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(captured), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert decoded.returncode == 0
    # A capture joined mid-stream may start with a frame whose bit reservoir points into
    # frames before it; the decoder says so once ("invalid new backstep -1"). Anything
    # else (a lost header, a damaged frame) would mean bytes that are not audio.
    errors = [line for line in decoded.stderr.splitlines() if "invalid new backstep" not in line]
    assert errors == []
    assert decoded.stderr.count("\n") <= 1


def test_the_check_on_contiguous_frames_catches_metadata_left_in(icecast: Icecast) -> None:
    # The control for the test above: the raw body, metadata included, fails the check.
    with socket.create_connection((icecast.host, icecast.port), timeout=5) as sock:
        sock.sendall(b"GET /live.mp3 HTTP/1.0\r\nIcy-MetaData: 1\r\n\r\n")
        data = b""
        deadline = time.monotonic() + 5
        while len(data) < 20_000 and time.monotonic() < deadline:
            data += sock.recv(65536)
    body = data.partition(b"\r\n\r\n")[2]
    with pytest.raises(AssertionError, match="no MP3 frame"):
        mp3_frames_are_contiguous(body)
