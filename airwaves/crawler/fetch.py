"""Download a feed: conditional GET, redirects followed by hand, size and time caps.

Redirects are followed by lib/redirects.py rather than by httpx so that every hop is
checked (`check_url` before it, the guarded transport while connecting) and so that a
chain of permanent redirects can update the feed's stored URL. The policy lives in plain
helpers shared by `fetch_feed` and `afetch_feed`; the two only differ in how they do I/O,
and both run on the same transport (lib/http1.py).

`afetch_feed`, the crawler's, sends its requests straight to a guarded transport rather
than through an httpx client: it needs none of a client's redirect, cookie or auth
handling (a crawler must not carry one feed host's cookies into its next request), and
skipping that layer makes a conditional GET markedly cheaper.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http import HTTPStatus

import httpx

from airwaves.crawler.errors import (
    BlockedURLError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    TooLargeError,
    TooManyRedirects,
)
from airwaves.lib.guard import (
    BlockedAddressError,
    UnsupportedURLError,
    allow_private_from_env,
    io_deadline,
)
from airwaves.lib.net import DEFAULT_USER_AGENT, make_async_transport, make_client
from airwaves.lib.redirects import (
    MissingLocationError,
    RedirectChain,
    RedirectError,
)

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


# Compressed bodies are inflated here, not by httpx, so that no step makes more than
# INFLATE_STEP bytes: a few kilobytes of gzip can stand for gigabytes (a "zip bomb"), and
# the size cap must stop one before it is in memory. Other encodings are not asked for.
ACCEPT_ENCODING = "gzip, deflate"
INFLATE_STEP = 256 * 1024


class _Inflater:
    """One gzip or deflate layer of a body, inflated in steps of at most INFLATE_STEP."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        gzip = encoding in ("gzip", "x-gzip")
        self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self.started = False

    def pieces(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                piece = self.inflate.decompress(data, INFLATE_STEP)
            except zlib.error as exc:
                if self.encoding == "deflate" and not self.started:
                    # "deflate" is meant to be zlib-wrapped; many servers send it raw.
                    self.inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                    self.started = True
                    continue
                raise httpx.DecodingError(f"{self.encoding}: {exc}") from exc
            self.started = True
            data = self.inflate.unconsumed_tail
            if piece:
                yield piece


def _inflaters(headers: httpx.Headers) -> list[_Inflater]:
    """The layers to undo, outermost first. Unknown values ("binary", "UTF-8", seen in
    the wild) are read as identity, as httpx and browsers do."""
    encodings = [
        value.strip().lower()
        for value in headers.get("Content-Encoding", "").split(",")
        if value.strip().lower() in ("gzip", "x-gzip", "deflate")
    ]
    return [_Inflater(encoding) for encoding in reversed(encodings)]


def _decoded(inflaters: list[_Inflater], data: bytes) -> Iterator[bytes]:
    if not inflaters:
        yield data
        return
    first, rest = inflaters[0], inflaters[1:]
    for piece in first.pieces(data):
        yield from _decoded(rest, piece)


@dataclass(slots=True)
class FetchResult:
    status: int  # 200 or 304
    url: str  # final URL after redirects
    # "" unless the chain began with permanent redirects (301/308): then the URL after the
    # last consecutive permanent hop from the start, which the feed should be moved to.
    permanent_url: str
    content: bytes  # b"" for 304
    etag: str  # "" if none
    last_modified: str  # "" if none
    headers: httpx.Headers  # final response headers (Cache-Control, Expires, Retry-After)
    elapsed: float  # seconds


@dataclass
class _Fetch:
    """What one fetch has seen so far: the redirect chain and the time spent."""

    chain: RedirectChain
    max_bytes: int
    total_timeout: float
    started: float = field(default_factory=time.monotonic)
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    inflaters: list[_Inflater] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.chain.url

    def answer(self, response: httpx.Response) -> httpx.URL | None:
        """Decides what to do with a response's status line and headers: the URL to
        follow a redirect to, or None to read the body (none for 304)."""
        try:
            target = self.chain.next(response.status_code, response.headers.get("Location", ""))
        except MissingLocationError as exc:
            raise FetchError(str(exc)) from exc
        except RedirectError as exc:  # a loop, or too many hops
            raise TooManyRedirects(str(exc)) from exc
        if target is not None:
            return target
        _raise_for_status(response)
        self.check_size(_declared_length(response) or 0)
        self.inflaters = _inflaters(response.headers)
        return None

    def receive(self, raw: bytes) -> None:
        """Takes a piece of the body as sent (compressed or not)."""
        for chunk in _decoded(self.inflaters, raw):
            self.size += len(chunk)
            self.check_size(self.size)
            self.chunks.append(chunk)
        self.check_time()

    def time_left(self) -> float:
        return self.total_timeout - (time.monotonic() - self.started)

    def check_time(self) -> None:
        # The guarded client enforces the deadline per socket read; this covers other
        # transports and a server whose every read returns just in time.
        if self.time_left() <= 0:
            raise FetchTimeoutError(self._too_slow())

    def check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise TooLargeError(f"feed is larger than {_format_size(self.max_bytes)}")

    def _too_slow(self) -> str:
        return f"fetching {self.url} took longer than {self.total_timeout:g} s"

    def error(self, exc: Exception) -> FetchError:
        """The crawl error for an exception raised while fetching."""
        if isinstance(exc, BlockedAddressError | UnsupportedURLError):
            return BlockedURLError(str(exc))
        if isinstance(exc, httpx.TimeoutException):
            if self.time_left() <= 0:
                return FetchTimeoutError(self._too_slow())
            return FetchTimeoutError(f"timed out fetching {self.url} ({_timeout_kind(exc)})")
        if isinstance(exc, httpx.ConnectError):
            return FetchError(f"could not connect to {httpx.URL(self.url).host}: {exc}")
        if isinstance(exc, httpx.DecodingError):
            return FetchError(f"could not decode the response from {self.url}: {exc}")
        if isinstance(exc, httpx.InvalidURL):
            return BlockedURLError(f"refused {self.url!r}: {exc}")
        return FetchError(f"error fetching {self.url}: {exc or type(exc).__name__}")

    def result(self, response: httpx.Response) -> FetchResult:
        return FetchResult(
            status=304 if response.status_code == 304 else 200,
            url=self.url,
            permanent_url=self.chain.permanent_url,
            content=b"".join(self.chunks),
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
            headers=response.headers,
            elapsed=time.monotonic() - self.started,
        )


# Exceptions that become crawl errors; anything else is a bug and propagates.
_FETCH_EXCEPTIONS = (httpx.HTTPError, httpx.InvalidURL, BlockedAddressError, UnsupportedURLError)


def _timeout_kind(exc: httpx.TimeoutException) -> str:
    kinds = {
        httpx.ConnectTimeout: "connecting",
        httpx.ReadTimeout: "waiting for data",
        httpx.WriteTimeout: "sending the request",
        httpx.PoolTimeout: "waiting for a free connection",
    }
    return kinds.get(type(exc), "timeout")


def _format_size(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"


def request_headers(etag: str, last_modified: str) -> dict[str, str]:
    headers = {
        "Accept": ACCEPT,
        "Accept-Encoding": ACCEPT_ENCODING,
        "User-Agent": DEFAULT_USER_AGENT,
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def parse_retry_after(value: str | None, now: float | None = None) -> int | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²", which isdigit() but int() refuses
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; be lenient with ones that omit it
        return None
    now = time.time() if now is None else now
    return max(0, round(when.timestamp() - now))


def _reason(status: int, response: httpx.Response) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return response.reason_phrase or "Unknown Status"


def _raise_for_status(response: httpx.Response) -> None:
    """Raises HTTPStatusError unless the answer carries a feed (2xx) or says it did not change."""
    status = response.status_code
    if 200 <= status < 300 or status == 304:
        return
    raise HTTPStatusError(
        f"HTTP {status} {_reason(status, response)}",
        status_code=status,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def _start(
    url: str, max_redirects: int, max_bytes: int, total_timeout: float, allow_private: bool | None
) -> _Fetch:
    if allow_private is None:
        allow_private = allow_private_from_env()
    chain = RedirectChain(url, max_redirects=max_redirects, allow_private=allow_private)
    return _Fetch(chain, max_bytes, total_timeout)


def _declared_length(response: httpx.Response) -> int | None:
    # Content-Length counts compressed bytes; only without an encoding is it the body size.
    if response.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        return None
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isascii() and value.isdigit() else None


def fetch_feed(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    client: httpx.Client | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    total_timeout: float = 60.0,
    max_redirects: int = 5,
    allow_private: bool | None = None,
) -> FetchResult:
    """GETs a feed, raising a FetchError subclass for anything but 2xx/304.

    allow_private=None reads AIRWAVES_ALLOW_PRIVATE_URLS. It decides the URL checks here and
    the guard of the client made when `client` is None; a given client keeps its own guard.
    """
    fetch = _start(url, max_redirects, max_bytes, total_timeout, allow_private)
    own_client = client is None
    client = client or make_client(allow_private=fetch.chain.allow_private)
    try:
        with io_deadline(total_timeout):
            return _fetch(client, fetch, request_headers(etag, last_modified))
    except _FETCH_EXCEPTIONS as exc:
        raise fetch.error(exc) from exc
    finally:
        if own_client:
            client.close()


def _fetch(client: httpx.Client, fetch: _Fetch, headers: dict[str, str]) -> FetchResult:
    url = fetch.chain.start()
    while True:
        with client.stream("GET", url, headers=headers) as response:
            if (target := fetch.answer(response)) is not None:
                url = target
                continue
            if response.status_code != 304:
                for chunk in response.iter_raw():
                    fetch.receive(chunk)
            return fetch.result(response)


async def afetch_feed(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    transport: httpx.AsyncBaseTransport | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    total_timeout: float = 60.0,
    max_redirects: int = 5,
    allow_private: bool | None = None,
    timeout: float = 20.0,
) -> FetchResult:
    """The async twin of fetch_feed, over a transport (net.make_async_transport) rather
    than a client; `timeout` bounds each connect, read and write."""
    fetch = _start(url, max_redirects, max_bytes, total_timeout, allow_private)
    own_transport = transport is None
    transport = transport or make_async_transport(allow_private=fetch.chain.allow_private)
    extensions = {"timeout": dict.fromkeys(("connect", "read", "write", "pool"), timeout)}
    try:
        with io_deadline(total_timeout):
            return await _afetch(transport, fetch, request_headers(etag, last_modified), extensions)
    except _FETCH_EXCEPTIONS as exc:
        raise fetch.error(exc) from exc
    finally:
        if own_transport:
            await transport.aclose()


async def _afetch(
    transport: httpx.AsyncBaseTransport, fetch: _Fetch, headers: dict[str, str], extensions: dict
) -> FetchResult:
    url = fetch.chain.start()
    while True:
        request = httpx.Request("GET", url, headers=headers, extensions=extensions)
        response = await transport.handle_async_request(request)
        response.request = request
        try:
            if (target := fetch.answer(response)) is not None:
                url = target
                continue
            if response.status_code != 304:
                async for chunk in response.aiter_raw():
                    fetch.receive(chunk)
            return fetch.result(response)
        finally:
            await response.aclose()
