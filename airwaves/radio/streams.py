"""Live radio streams: resolve a station URL, check it, and read it with its ICY titles.

No Django here: callers pass an httpx.AsyncClient from `airwaves.lib.net` (or none, and one
is made with the SSRF guard, honouring AIRWAVES_ALLOW_PRIVATE_URLS). Playlist parsing lives
in `playlists.py`, ICY metadata in `icy.py`; their public names are re-exported here.

How a station URL becomes a stream (`resolve_stream`, and the first step of `check_stream`
and `open_stream`):

1. GET the URL, following redirects with lib/redirects.py (each hop checked, at most 5,
   loops refused);
2. read the first bytes: audio (or an `icy-metaint` header) means this is the stream;
3. an HLS playlist is the stream too (`is_hls`), an HTML page or other text is an error;
4. a PLS, M3U, XSPF or ASX playlist is read whole (at most 1 MiB) and its entries tried in
   order until one opens, each resolved the same way: playlists may nest `max_depth` deep,
   a playlist naming itself or one of its parents is refused, and at most `max_entries`
   entries are tried in all.

Every failure is a StreamError whose message says what was wrong, in one line:

    StreamError           the station cannot be played (HTTP error, timeout, not audio,
                          refused address, empty playlist, playlist loop, ...)
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field

import httpx

from airwaves.lib.guard import BlockedAddressError, UnsupportedURLError
from airwaves.lib.net import make_async_client
from airwaves.lib.redirects import RedirectChain, RedirectError, without_fragment
from airwaves.radio.icy import IcyParser, parse_stream_title, split_artist_title
from airwaves.radio.playlists import (
    PlaylistEntry,
    hls_codec,
    hls_segments,
    hls_variants,
    mp3_frame_bitrate,
    parse_playlist,
    parse_playlist_with_errors,
    playlist_kind,
    sniff_codec,
)

__all__ = [
    "IcyParser",
    "PlaylistEntry",
    "Stream",
    "StreamError",
    "StreamInfo",
    "check_stream",
    "open_stream",
    "parse_playlist",
    "parse_playlist_with_errors",
    "parse_stream_title",
    "playlist_kind",
    "resolve_stream",
    "split_artist_title",
]

MAX_REDIRECTS = 5
PLAYLIST_MAX_BYTES = 1024 * 1024
SNIFF_BYTES = 4096  # enough to tell a playlist from audio, and two MP3 frames apart
# Content types that are never audio, whatever the bytes say.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml")
_CODECS_BY_TYPE = {
    "audio/mpeg": "MP3",
    "audio/mp3": "MP3",
    "audio/mpeg3": "MP3",
    "audio/x-mpeg": "MP3",
    "audio/x-mp3": "MP3",
    "audio/mpa": "MP3",
    "audio/aac": "AAC",
    "audio/x-aac": "AAC",
    "audio/aacp": "AAC+",
    "audio/x-aacp": "AAC+",
    "audio/mp4": "AAC",
    "audio/x-m4a": "AAC",
    "audio/ogg": "OGG",
    "application/ogg": "OGG",
    "audio/vorbis": "OGG",
    "audio/x-ogg": "OGG",
    "audio/opus": "OPUS",
    "audio/flac": "FLAC",
    "audio/x-flac": "FLAC",
}


class StreamError(Exception):
    """A station URL cannot be played; str(error) is a one-line reason for an operator."""


@dataclass(slots=True)
class StreamInfo:
    ok: bool
    url: str  # the stream URL after resolving playlists and redirects
    error: str = ""  # one-line reason when not ok
    content_type: str = ""
    codec: str = ""  # "MP3", "AAC", "AAC+", "OGG", "OPUS", "FLAC" or "UNKNOWN"
    bitrate: int | None = None  # kbps
    name: str = ""
    genre: str = ""
    description: str = ""
    homepage: str = ""
    is_hls: bool = False
    https: bool = False  # the final URL is https
    metaint: int | None = None  # icy-metaint, when metadata was requested and offered


# -- resolving -------------------------------------------------------------------------------


@dataclass
class _Opened:
    """Where resolving ended: an open audio response, or a fully read HLS playlist."""

    url: str
    response: httpx.Response
    body: AsyncIterator[bytes]  # the rest of the body (httpx lets a body be iterated once)
    head: bytes = b""  # body bytes already read, to be used before the rest
    is_hls: bool = False


@dataclass
class _Resolver:
    client: httpx.AsyncClient
    headers: dict[str, str]
    stack: AsyncExitStack  # closes every response left open
    max_depth: int
    entries_left: int
    chain: list[str] = field(default_factory=list)  # playlists being resolved, outermost first

    async def open(self, url: str) -> _Opened:
        final, response, body = await _get(self.client, url, self.headers, self.stack)
        media = _media_type(response.headers.get("Content-Type", ""))
        if "icy-metaint" in response.headers:
            return _Opened(final, response, body)  # only streams carry ICY metadata
        head = await _read(body, final, SNIFF_BYTES)
        kind = playlist_kind(head, content_type=media, url=final)
        if kind is None:
            _refuse_non_audio(final, media, head)
            return _Opened(final, response, body, head)
        if len(self.chain) >= self.max_depth:
            raise StreamError(
                f"playlists nested more than {self.max_depth} deep: {final} is one more"
            )
        data = head + await _read(body, final, PLAYLIST_MAX_BYTES + 1 - len(head))
        await response.aclose()
        if len(data) > PLAYLIST_MAX_BYTES:
            raise StreamError(f"playlist {final} is larger than {PLAYLIST_MAX_BYTES} bytes")
        if kind == "hls":
            return _Opened(final, response, body, data, is_hls=True)
        return await self.open_entries(url, final, data, media)

    async def open_entries(self, url: str, final: str, data: bytes, media: str) -> _Opened:
        entries, errors = parse_playlist_with_errors(data, content_type=media, url=final)
        if not entries:
            reason = f": line {errors[0][0]}: {errors[0][1]}" if errors else ""
            raise StreamError(f"playlist {final} lists no http(s) stream{reason}")
        self.chain.append(final)
        parents = {without_fragment(u) for u in (url, *self.chain)}
        failures: list[str] = []
        for entry in entries:
            if without_fragment(entry.url) in parents:
                what = "itself" if without_fragment(entry.url) in (url, final) else "a parent"
                failures.append(f"playlist loop: {final} lists {what} ({entry.url})")
                continue
            if self.entries_left <= 0:
                failures.append("gave up: too many playlist entries tried")
                break
            self.entries_left -= 1
            try:
                return await self.open(entry.url)
            except StreamError as exc:
                failures.append(str(exc))
        self.chain.pop()
        more = f" (and {len(failures) - 1} more failed)" if len(failures) > 1 else ""
        raise StreamError(f"no playable stream in playlist {final}: {failures[0]}{more}")


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], stack: AsyncExitStack
) -> tuple[str, httpx.Response, AsyncIterator[bytes]]:
    """GETs `url` following redirects by hand; returns (final URL, open response, body).
    `stack` closes the response and its body iterator."""
    # The client's guard decides which addresses are allowed; the chain refuses other
    # schemes and malformed URLs before any connection is made.
    chain = RedirectChain(url, max_redirects=MAX_REDIRECTS, allow_private=True)
    with _errors(url):
        target = chain.start()
    while True:
        with _errors(chain.url):
            request = client.build_request("GET", target, headers=headers)
            response = await client.send(request, stream=True)
        stack.push_async_callback(response.aclose)
        with _errors(chain.url):
            target = chain.next(response.status_code, response.headers.get("Location", ""))
        if target is None:
            break
        await response.aclose()
    url = chain.url
    if response.status_code >= 400:
        status = f"HTTP {response.status_code} {response.reason_phrase or ''}".rstrip()
        hint = _STATUS_HINTS.get(response.status_code, "")
        raise StreamError(f"{status} from {url}" + (f": {hint}" if hint else ""))
    if not 200 <= response.status_code < 300:
        raise StreamError(f"unexpected HTTP {response.status_code} from {url}")
    body = response.aiter_bytes()
    stack.push_async_callback(body.aclose)  # type: ignore[attr-defined]
    return url, response, body


_STATUS_HINTS = {
    401: "the stream needs a password",
    403: "the server refuses listeners from here",
    404: "nothing there (the station is off air, or the address is wrong)",
    410: "the stream is gone for good",
    429: "too many requests; try again later",
    503: "the server is busy or full",
}


async def _read(body: AsyncIterator[bytes], url: str, limit: int) -> bytes:
    """Up to about `limit` more body bytes (less at the end of the body)."""
    data = bytearray()
    with _errors(url):
        async for chunk in body:
            data += chunk
            if len(data) >= limit:
                break
    return bytes(data)


def _refuse_non_audio(url: str, media: str, head: bytes) -> None:
    if not head:
        raise StreamError(f"{url} answered with an empty body, not a stream")
    lowered = head.lstrip()[:256].lower()
    if media in ("text/html", "application/xhtml+xml") or lowered.startswith(
        (b"<!doctype html", b"<html")
    ):
        raise StreamError(f"{url} is a web page (HTML), not a stream or a playlist")
    if sniff_codec(head) is None and (media.startswith(_TEXT_TYPES) or _is_text(head)):
        shown = media or "no Content-Type"
        raise StreamError(f"{url} is not audio or a playlist ({shown}): {_preview(head)!r}")


@contextmanager
def _errors(url: str) -> Iterator[None]:
    """Turns transport errors into one-line StreamErrors."""
    try:
        yield
    except StreamError:
        raise
    except (BlockedAddressError, UnsupportedURLError, RedirectError) as exc:
        raise StreamError(str(exc)) from exc
    except httpx.TimeoutException as exc:
        raise StreamError(f"timed out waiting for {url}") from exc
    except httpx.ConnectError as exc:
        raise StreamError(f"could not connect to {url}: {exc or 'connection refused'}") from exc
    except httpx.RemoteProtocolError as exc:
        raise StreamError(f"{url} broke the HTTP protocol: {exc}") from exc
    except httpx.InvalidURL as exc:
        raise StreamError(f"invalid URL {url!r}: {exc}") from exc
    except (httpx.HTTPError, httpx.StreamError, OSError) as exc:
        raise StreamError(f"{url}: {type(exc).__name__}: {exc}") from exc


async def resolve_stream(
    url: str,
    *,
    client: httpx.AsyncClient | None = None,
    max_depth: int = 3,
    max_entries: int = 20,
    allow_private: bool | None = None,
) -> tuple[str, bool]:
    """(the stream URL `url` leads to, whether it is HLS); raises StreamError.

    Without a client, one is made with the SSRF guard (allow_private=None reads
    AIRWAVES_ALLOW_PRIVATE_URLS).
    """
    async with AsyncExitStack() as stack:
        if client is None:
            client = make_async_client(allow_private=allow_private)
            stack.push_async_callback(client.aclose)
        resolver = _Resolver(client, {}, stack, max_depth, max_entries)
        opened = await resolver.open(url)
        return opened.url, opened.is_hls


# -- checking --------------------------------------------------------------------------------


async def check_stream(
    url: str,
    *,
    client: httpx.AsyncClient | None = None,
    timeout: float = 10.0,
    read_bytes: int = 16_384,
    allow_private: bool | None = None,
) -> StreamInfo:
    """What a station URL leads to, and whether it plays; never raises.

    Resolves playlists, connects with `Icy-MetaData: 1` and reads the first `read_bytes`
    of audio (within `timeout` seconds for everything) to learn the codec, bitrate and the
    station's icy-* details. An HLS stream is checked through its playlists and newest
    segment. When it fails, `ok` is False and `error` says why in one line.
    """
    info = StreamInfo(ok=False, url=url.strip())
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        async with AsyncExitStack() as stack:
            if client is None:
                client = make_async_client(allow_private=allow_private)
                stack.push_async_callback(client.aclose)
            async with asyncio.timeout_at(deadline):
                resolver = _Resolver(client, {"Icy-MetaData": "1"}, stack, 3, 20)
                opened = await resolver.open(info.url)
            info.url = opened.url
            info.https = opened.url.lower().startswith("https://")
            info.content_type = opened.response.headers.get("Content-Type", "")
            if opened.is_hls:
                async with asyncio.timeout_at(deadline):
                    await _check_hls(info, opened, client, stack)
            else:
                await _check_audio(info, opened, read_bytes, deadline)
    except TimeoutError:
        info.error = f"timed out after {timeout:g} s: no answer from {info.url}"
    except StreamError as exc:
        info.error = str(exc)
    except Exception as exc:  # a check reports problems, it never raises
        info.error = f"{type(exc).__name__}: {exc}"
    info.ok = not info.error
    return info


async def _check_audio(info: StreamInfo, opened: _Opened, read_bytes: int, deadline: float) -> None:
    response = opened.response
    headers = response.headers
    info.metaint = _int(headers.get("icy-metaint", ""))
    parser = IcyParser(info.metaint) if info.metaint else None
    audio = bytearray()

    def take(chunk: bytes) -> None:
        audio.extend(parser.feed(chunk)[0] if parser else chunk)

    take(opened.head)
    ended = False
    try:
        async with asyncio.timeout_at(deadline):
            with _errors(info.url):
                async for chunk in opened.body:
                    take(chunk)
                    if len(audio) >= read_bytes:
                        break
                else:
                    ended = True
    except TimeoutError:
        pass  # judged on what arrived in time
    if not audio:
        if ended:
            raise StreamError(f"{info.url} sent no audio (the body was empty)")
        raise StreamError(f"{info.url} sent no audio within the time limit")
    media = _media_type(info.content_type)
    sniffed = sniff_codec(bytes(audio))
    if sniffed is None:
        _refuse_non_audio(info.url, media, bytes(audio))
    info.codec = _codec(media, sniffed)
    info.bitrate = _bitrate(headers)
    if info.bitrate is None and info.codec == "MP3":
        info.bitrate = _mp3_bitrate(bytes(audio))
    info.name = _header(headers, "icy-name", "ice-name", "x-audiocast-name")
    info.genre = _header(headers, "icy-genre", "ice-genre", "x-audiocast-genre")
    info.description = _header(
        headers, "icy-description", "ice-description", "x-audiocast-description"
    )
    info.homepage = _header(headers, "icy-url", "ice-url", "x-audiocast-url")


async def _check_hls(
    info: StreamInfo, opened: _Opened, client: httpx.AsyncClient, stack: AsyncExitStack
) -> None:
    info.is_hls = True
    text = opened.head.decode("utf-8", errors="replace")
    media_url, media_text = opened.url, text
    variants = hls_variants(text, opened.url)
    if variants:
        # The best variant is what a good connection plays; report its codec and bitrate.
        best = max(variants, key=lambda variant: variant.bandwidth or 0)
        info.codec = hls_codec(best.codecs)
        if best.bandwidth and best.bandwidth >= 1000:
            info.bitrate = round(best.bandwidth / 1000)
        media_url, _, chunks = await _get(client, best.url, {}, stack)
        body = await _read(chunks, media_url, PLAYLIST_MAX_BYTES + 1)
        if len(body) > PLAYLIST_MAX_BYTES or playlist_kind(body, url=media_url) != "hls":
            raise StreamError(f"HLS variant {media_url} is not an HLS media playlist")
        media_text = body.decode("utf-8", errors="replace")
    segments = hls_segments(media_text, media_url)
    if not segments:
        raise StreamError(f"HLS playlist {media_url} lists no segments")
    segment_url, _, chunks = await _get(client, segments[-1], {}, stack)
    head = await _read(chunks, segment_url, SNIFF_BYTES * 4)
    if not head:
        raise StreamError(f"HLS segment {segment_url} is empty")
    if not info.codec:
        sniffed = sniff_codec(head)
        info.codec = (_ts_codec(head) if sniffed == "UNKNOWN" else sniffed) or "UNKNOWN"


# -- reading ---------------------------------------------------------------------------------


class Stream:
    """An open upstream connection to a station (see open_stream)."""

    def __init__(self, opened: _Opened) -> None:
        self._opened = opened
        self.url = opened.url
        self.headers = opened.response.headers
        self.content_type = self.headers.get("Content-Type", "")
        self.metaint = _int(self.headers.get("icy-metaint", ""))
        self.title: str | None = None  # the last StreamTitle seen, once one has been

    async def chunks(self) -> AsyncIterator[tuple[bytes, list[str]]]:
        """(audio, titles) as they arrive; the audio never holds ICY metadata bytes.

        `titles` lists the StreamTitle of every metadata block completed in this chunk
        (servers may repeat an unchanged title). Raises StreamError when the connection
        breaks or stalls (longer than the client's read timeout).
        """
        parser = IcyParser(self.metaint) if self.metaint else None
        first, self._opened.head = self._opened.head, b""
        with _errors(self.url):
            if first:
                yield self._split(parser, first)
            async for chunk in self._opened.body:
                audio, titles = self._split(parser, chunk)
                if audio or titles:
                    yield audio, titles

    def _split(self, parser: IcyParser | None, chunk: bytes) -> tuple[bytes, list[str]]:
        if parser is None:
            return chunk, []
        audio, titles = parser.feed(chunk)
        if titles:
            self.title = titles[-1]
        return audio, titles


@asynccontextmanager
async def open_stream(
    url: str,
    *,
    client: httpx.AsyncClient | None = None,
    metadata: bool = True,
    connect_timeout: float = 10.0,
    allow_private: bool | None = None,
) -> AsyncIterator[Stream]:
    """Connects to the stream `url` leads to (playlists resolved); the connection is
    closed when the block exits. Raises StreamError when it cannot be opened, including
    for HLS, which is a series of files to be fetched by the player, not one stream.

        async with open_stream(station.url, client=client) as stream:
            async for audio, titles in stream.chunks():
                ...
    """
    async with AsyncExitStack() as stack:
        if client is None:
            client = make_async_client(allow_private=allow_private)
            stack.push_async_callback(client.aclose)
        headers = {"Icy-MetaData": "1"} if metadata else {}
        resolver = _Resolver(client, headers, stack, 3, 20)
        try:
            async with asyncio.timeout(connect_timeout):
                opened = await resolver.open(url)
        except TimeoutError:
            raise StreamError(
                f"timed out after {connect_timeout:g} s: no answer from {url}"
            ) from None
        if opened.is_hls:
            raise StreamError(f"{opened.url} is an HLS stream: players fetch it themselves")
        yield Stream(opened)


# -- helpers ---------------------------------------------------------------------------------


def _codec(media: str, sniffed: str | None) -> str:
    declared = _CODECS_BY_TYPE.get(media)
    if sniffed in ("OPUS", "FLAC") and declared in (None, "OGG"):
        return sniffed  # Ogg is a container: the bytes tell Opus and FLAC from Vorbis
    if declared == "AAC+" and sniffed in (None, "AAC"):
        return "AAC+"  # HE-AAC streams carry plain AAC frames (SBR is implicit)
    if sniffed and sniffed != "UNKNOWN":
        return sniffed
    return declared or "UNKNOWN"


def _bitrate(headers: httpx.Headers) -> int | None:
    for name in ("icy-br", "x-audiocast-bitrate", "ice-bitrate"):
        match = re.search(r"\d+", headers.get(name, ""))
        if match and 0 < int(match.group()) < 100_000:
            value = int(match.group())
            return value // 1000 if value >= 10_000 else value  # some servers send bit/s
    match = re.search(r"(?:^|;)\s*(?:ice-)?bitrate=(\d+)", headers.get("ice-audio-info", ""))
    return int(match.group(1)) if match else None


def _mp3_bitrate(audio: bytes) -> int | None:
    """The bitrate of the first MP3 frames (for a constant-bitrate stream, its bitrate)."""
    for offset in range(min(len(audio) - 4, 8192)):
        if audio[offset] == 0xFF:
            bitrate = mp3_frame_bitrate(audio[offset : offset + 4])
            if bitrate is not None and sniff_codec(audio[offset:]) == "MP3":
                return bitrate
    return None


def _ts_codec(data: bytes) -> str | None:
    """The audio codec an MPEG-TS segment's program map table names."""
    types = {0x03: "MP3", 0x04: "MP3", 0x0F: "AAC", 0x11: "AAC"}
    for start in range(0, len(data) - 187, 188):
        packet = data[start : start + 188]
        if packet[0] != 0x47 or not packet[1] & 0x40:  # sync byte; payload unit start
            continue
        offset = 4
        if packet[3] & 0x20:  # adaptation field
            offset += 1 + packet[4]
        if offset >= 188:
            continue
        offset += 1 + packet[offset]  # pointer field
        if offset + 12 > 188 or packet[offset] != 0x02:  # table id of a PMT
            continue
        section_end = min(
            offset + 3 + (((packet[offset + 1] & 0x0F) << 8) | packet[offset + 2]), 188
        )
        position = offset + 12 + (((packet[offset + 10] & 0x0F) << 8) | packet[offset + 11])
        while position + 5 <= section_end - 4:  # 4 bytes of CRC end the section
            stream_type = packet[position]
            if stream_type in types:
                return types[stream_type]
            position += 5 + (((packet[position + 3] & 0x0F) << 8) | packet[position + 4])
    return None


def _header(headers: httpx.Headers, *names: str) -> str:
    for name in names:
        value = headers.get(name, "").strip()
        if value:
            return value
    return ""


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_text(data: bytes) -> bool:
    sample = data[:512]
    if not sample:
        return False
    printable = sum(1 for byte in sample if 32 <= byte < 127 or byte in (9, 10, 13))
    return printable / len(sample) > 0.95


def _preview(data: bytes, limit: int = 60) -> str:
    text = " ".join(data[: limit * 2].decode("utf-8", errors="replace").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
