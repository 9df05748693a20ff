"""A lean HTTP/1.1 transport for httpx, with the SSRF guard at connect time: the one wire
under every outbound request (lib/net.py makes clients on it, sync and async).

httpx's default transport (httpcore + h11 + anyio) costs about a millisecond of CPU per
request, and its connection pool scans every pooled connection on each request. A crawler
making thousands of conditional GETs a second spends most of its time there. This transport
keeps the httpx client API (requests, responses, decoding, redirects handled by the caller)
and replaces only the wire: asyncio protocols, llhttp (through httptools) to parse
responses, and idle connections kept per origin in a dict.

What it does:

- connects only to addresses the AddressGuard allows, after resolving the host itself,
  and connects to the checked IP (no second lookup an attacker could answer differently);
  TLS uses the host name for SNI and certificate checks;
- honours httpx's connect/read/write timeouts and airwaves.lib.guard.io_deadline;
- keeps idle connections per origin (a few per origin, a bounded total, an expiry) and
  retries a request once on a fresh connection when a reused one turns out to be closed
  before any byte of the answer arrived;
- bounds the response head (size and number of headers); pauses reading when the caller
  falls behind, so a fast server cannot fill memory;
- reads SHOUTcast v1 answers ("ICY 200 OK") as HTTP/1.0.

HTTP/2, proxies and Unix sockets are not supported (nothing here needs them).

Sync callers (`airwaves add`, `refresh_feed` in a Celery worker) get HTTP1Transport, the
same transport driven from one event loop in a background thread (see _LoopThread).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import socket
import ssl
import threading
import time
import typing
import weakref
from dataclasses import dataclass, field

import httptools
import httpx

from airwaves.lib.guard import (
    AddressGuard,
    UnresolvableHostError,
    deadline_left,
    is_local_origin,
    parse_ip_host,
)

MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 200
READ_AHEAD = 256 * 1024  # buffered body bytes before reading pauses
IDLE_PER_ORIGIN = 8
IDLE_TOTAL = 512
KEEPALIVE_EXPIRY = 15.0

Origin = tuple[str, str, int]  # scheme, host, port
T = typing.TypeVar("T")


class _Closed(Exception):
    """A reused connection was closed by the server before answering (safe to retry)."""


def _timeout(
    timeouts: dict[str, float | None], kind: str, error: type[Exception], request: httpx.Request
) -> float | None:
    timeout = timeouts.get(kind)
    left = deadline_left()
    if left is None:
        return timeout
    if left <= 0:
        raise error("ran out of time (total time limit reached)", request=request)
    return left if timeout is None else min(timeout, left)


class Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: writes a request, parses the answer with llhttp."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.error: Exception | None = None
        self.idle_since = time.monotonic()
        self._waiter: asyncio.Future[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.fresh = True  # no byte of the current answer yet
        self.head_bytes = 0
        self._refusal: httpx.RemoteProtocolError | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.status = 0
        self.reason = b""
        self.version = b"HTTP/1.1"
        self.headers_done = False
        self.complete = False
        self.reusable = False
        self.head_only = False
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.paused = False
        self._prefix = b""

    # -- asyncio.Protocol --------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.complete:
            # Bytes after a complete answer: nothing asked for them; do not reuse.
            self._fail(httpx.RemoteProtocolError("unexpected data after the response"))
            return
        if self.fresh:
            data = self._prefix + data
            if len(data) < 4:
                self._prefix = data
                return
            self._prefix = b""
            self.fresh = False
            if data.startswith(b"ICY "):  # SHOUTcast v1 status line
                data = b"HTTP/1.0 " + data[4:]
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("the server switched protocols"))
        except httptools.HttpParserError as exc:
            # A callback's own refusal (a head too large) is wrapped by httptools.
            self._fail(
                self._refusal or httpx.RemoteProtocolError(f"malformed HTTP response: {exc}")
            )
        self._wake()

    def eof_received(self) -> bool:
        self._closed_by_peer()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed_by_peer(exc)

    def _closed_by_peer(self, exc: Exception | None = None) -> None:
        self.closed = True
        if self.error is None:
            if self.headers_done:
                if not self.complete and self._ends_at_eof():
                    self.complete = True
                elif not self.complete:
                    self.error = httpx.RemoteProtocolError(
                        "the server closed the connection before the body was complete"
                    )
            elif self.fresh:
                self.error = _Closed()
            else:
                self.error = httpx.RemoteProtocolError(
                    "the server closed the connection in the middle of the response head"
                    + (f" ({exc})" if exc else "")
                )
        self._wake()

    # -- llhttp callbacks ----------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_bytes += len(name) + len(value) + 4
        if self.head_bytes > MAX_HEAD_BYTES or len(self.headers) >= MAX_HEADERS:
            self._refuse_head()
        self.headers.append((name, value))

    def on_status(self, reason: bytes) -> None:  # may come in pieces
        self.head_bytes += len(reason)
        if self.head_bytes > MAX_HEAD_BYTES:
            self._refuse_head()
        self.reason += reason

    def _refuse_head(self) -> typing.NoReturn:
        self._refusal = httpx.RemoteProtocolError(
            f"the response head is too large (over {MAX_HEAD_BYTES // 1024} KiB or "
            f"{MAX_HEADERS} headers)"
        )
        raise self._refusal

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # informational: the real answer follows
            self.headers = []
            self.reason = b""
            return
        self.status = status
        self.version = b"HTTP/" + self.parser.get_http_version().encode()
        self.headers_done = True
        self.reusable = self.version == b"HTTP/1.1" and not any(
            name.lower() == b"connection" and b"close" in value.lower()
            for name, value in self.headers
        )
        if self.head_only:  # HEAD: the headers describe a body that is not sent
            self.complete = True
            self.reusable = False

    def on_body(self, body: bytes) -> None:
        if not body or self.complete:
            return
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > READ_AHEAD and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        if self.headers_done:
            self.complete = True

    def _ends_at_eof(self) -> bool:
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == b"content-length":
                return False
            if lowered == b"transfer-encoding" and b"chunked" in value.lower():
                return False
        return True

    # -- used by the transport ----------------------------------------------------

    def _fail(self, exc: Exception) -> None:
        if self.error is None:
            self.error = exc
        self.close()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _wait(self, timeout: float | None, request: httpx.Request) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout):
                await self._waiter
        except TimeoutError:
            self.close()
            left = deadline_left()
            message = (
                "ran out of time (total time limit reached)"
                if left is not None and left <= 0
                else "timed out reading the response"
            )
            raise httpx.ReadTimeout(message, request=request) from None
        finally:
            self._waiter = None

    def usable(self) -> bool:
        return (
            not self.closed
            and self.error is None
            and self.transport is not None
            and not self.transport.is_closing()
            and time.monotonic() - self.idle_since < KEEPALIVE_EXPIRY
        )

    def send(self, request: httpx.Request, body: bytes) -> None:
        self._reset()
        self.head_only = request.method == "HEAD"
        assert self.transport is not None
        self.transport.write(_request_head(request, len(body)) + body)

    async def read_head(self, timeouts: dict, request: httpx.Request) -> None:
        while not self.headers_done:
            if self.error is not None:
                raise self.error
            await self._wait(_timeout(timeouts, "read", httpx.ReadTimeout, request), request)

    async def read_chunk(self, timeouts: dict, request: httpx.Request) -> bytes | None:
        """The next piece of the body, or None at its end."""
        while True:
            if self.chunks:
                chunk = self.chunks.popleft()
                self.buffered -= len(chunk)
                if self.paused and self.buffered < READ_AHEAD // 2 and self.transport:
                    self.paused = False
                    self.transport.resume_reading()
                return chunk
            if self.complete:
                return None
            if self.error is not None:
                raise self.error
            if self.closed:
                raise httpx.RemoteProtocolError("the connection closed unexpectedly")
            await self._wait(_timeout(timeouts, "read", httpx.ReadTimeout, request), request)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


def _connected(address: str, port: int, timeout: float | None) -> socket.socket:
    """A TCP socket connected to `address` (an IP literal) with a blocking connect."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((address, port))
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _request_head(request: httpx.Request, body_length: int) -> bytes:
    target = request.url.raw_path
    if b" " in target:
        raise httpx.LocalProtocolError("refused a request target containing a space")
    lines = [request.method.encode("ascii") + b" " + target + b" HTTP/1.1"]
    has_length = False
    for name, value in request.headers.raw:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            continue  # the body is sent whole, with a Content-Length
        if lowered == b"content-length":
            has_length = True
            value = str(body_length).encode()
        lines.append(name + b": " + value)
    if body_length and not has_length:
        lines.append(b"Content-Length: " + str(body_length).encode())
    head = b"\r\n".join(lines)
    # A CR, LF or NUL inside a line would let a header value smuggle another header or a
    # second request: the joined head must hold exactly the line breaks put there.
    breaks = len(lines) - 1
    if head.count(b"\n") != breaks or head.count(b"\r") != breaks or b"\0" in head:
        raise httpx.LocalProtocolError("refused to send a header containing CR, LF or NUL")
    return head + b"\r\n\r\n"


class _Body(httpx.AsyncByteStream):
    def __init__(
        self, pool: AsyncHTTP1Transport, conn: Connection, request: httpx.Request, timeouts: dict
    ) -> None:
        self._pool = pool
        self._conn = conn
        self._request = request
        self._timeouts = timeouts
        self._done = False

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        while True:
            chunk = await self._conn.read_chunk(self._timeouts, self._request)
            if chunk is None:
                self._done = True
                return
            yield chunk

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None  # type: ignore[assignment]
        if conn is None:
            return
        if self._done or conn.complete:  # unread pieces of a complete body are dropped
            conn.chunks.clear()
            conn.buffered = 0
            self._pool._release(conn)
        else:
            conn.close()


class AsyncHTTP1Transport(httpx.AsyncBaseTransport):
    """An httpx async transport speaking HTTP/1.1 to guard-approved addresses only.

    `blocking_connect` looks host names up and opens TCP connections with blocking calls
    in the loop's thread: for a loop that only ever runs one request of a blocked sync
    caller (HTTP1Transport), where a thread pool for lookups and the loop's own connect
    machinery cost more than they save.
    """

    def __init__(
        self, guard: AddressGuard, ssl_context: ssl.SSLContext, *, blocking_connect: bool = False
    ) -> None:
        self.guard = guard
        self.ssl_context = ssl_context
        self.blocking_connect = blocking_connect
        self._idle: collections.OrderedDict[Origin, list[Connection]] = collections.OrderedDict()
        self._idle_count = 0
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        scheme = request.url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}", request=request)
        host = request.url.raw_host.decode("ascii")
        port = request.url.port or (443 if scheme == "https" else 80)
        origin = (scheme, host, port)
        timeouts = request.extensions.get("timeout", {})
        body = b"".join([part async for part in request.stream])  # type: ignore[union-attr]

        for attempt in (1, 2):
            conn = self._take_idle(origin) if attempt == 1 else None
            reused = conn is not None
            if conn is None:
                conn = await self._connect(origin, timeouts, request)
            try:
                conn.send(request, body)
                await conn.read_head(timeouts, request)
            except _Closed:
                conn.close()
                if reused:
                    continue  # the server dropped an idle connection: once more, afresh
                raise httpx.RemoteProtocolError(
                    "the server closed the connection without answering", request=request
                ) from None
            except BaseException:
                conn.close()
                raise
            break
        return httpx.Response(
            conn.status,
            headers=conn.headers,
            stream=_Body(self, conn, request, timeouts),
            extensions={"http_version": conn.version, "reason_phrase": conn.reason},
        )

    async def _connect(self, origin: Origin, timeouts: dict, request: httpx.Request) -> Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        try:
            if is_local_origin(scheme, host, port):  # a service of this process (lib/guard.py)
                addresses = [str(parse_ip_host(host))]
            elif self.blocking_connect or parse_ip_host(host) is not None:  # no thread needed
                addresses = self.guard.filter(host, self.guard.resolve(host, port))
            else:
                resolved = await asyncio.to_thread(self.guard.resolve, host, port)
                addresses = self.guard.filter(host, resolved)
        except UnresolvableHostError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        tls = self.ssl_context if scheme == "https" else None
        last_error: Exception | None = None
        for address in addresses:
            conn = Connection(origin)
            timeout = _timeout(timeouts, "connect", httpx.ConnectTimeout, request)
            try:
                where = _connected(address, port, timeout) if self.blocking_connect else None
                async with asyncio.timeout(timeout):
                    await loop.create_connection(
                        lambda conn=conn: conn,
                        *((address, port) if where is None else ()),
                        sock=where,
                        ssl=tls,
                        server_hostname=host if tls else None,
                    )
                return conn
            except TimeoutError:
                conn.close()
                last_error = httpx.ConnectTimeout(
                    f"timed out connecting to {host}", request=request
                )
            except (OSError, ssl.SSLError) as exc:
                conn.close()
                last_error = httpx.ConnectError(
                    f"could not connect to {host} ({address}): {exc}", request=request
                )
        assert last_error is not None  # filter() never returns an empty list
        raise last_error

    def _take_idle(self, origin: Origin) -> Connection | None:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if not idle:
                del self._idle[origin]
            if conn.usable():
                return conn
            conn.close()
            idle = self._idle.get(origin)
        return None

    def _release(self, conn: Connection) -> None:
        if self._closed or not conn.reusable or not conn.usable() or conn.paused:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle = self._idle.setdefault(conn.origin, [])
        self._idle.move_to_end(conn.origin)
        if len(idle) >= IDLE_PER_ORIGIN:
            conn.close()
            return
        idle.append(conn)
        self._idle_count += 1
        while self._idle_count > IDLE_TOTAL:  # drop the least recently used origin's
            _, oldest = next(iter(self._idle.items()))
            oldest.pop(0).close()
            self._idle_count -= 1
            if not oldest:
                self._idle.popitem(last=False)

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
        self._idle_count = 0


# -- the sync face ---------------------------------------------------------------------------


@dataclass(eq=False)
class _Wire:
    """An event loop, and the async transport whose connections live on it."""

    transport: AsyncHTTP1Transport
    # A thread's own loop (kept open by this reference after the thread ends, until the
    # transport is closed), or None for the shared background loop (_BACKGROUND).
    own: _OwnLoop | None
    pid: int = field(default_factory=os.getpid)

    def run(self, coroutine: typing.Coroutine[typing.Any, typing.Any, T]) -> T:
        if self.own is None:
            return _BACKGROUND.run(coroutine)
        loop = self.own.loop
        task = loop.create_task(coroutine)
        try:
            return loop.run_until_complete(task)
        except BaseException:
            # Interrupted from outside (KeyboardInterrupt, a Celery soft time limit): the
            # task would otherwise stay on the loop and run on with the next request.
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(task)
            raise


class HTTP1Transport(httpx.BaseTransport):
    """AsyncHTTP1Transport for httpx.Client: the same wire, guard and deadlines.

    1. Each thread using the transport gets its own async transport on that thread's
       event loop (a `_Wire`; one loop per thread, shared by the transports it uses). The
       calling thread runs the loop itself for each step (send the request and read the
       head, read a piece of the body, close), so a sync request costs no hop between
       threads. Idle connections are kept per thread.
    2. The steps run with run_until_complete, which runs them in a copy of the caller's
       context variables: an io_deadline around a sync call bounds its socket I/O.
    3. A thread that is already running an event loop (sync code called from async code)
       cannot run a second one: its requests go to one loop in a background thread
       shared by the process (_BackgroundLoop), and the caller blocks on them there.
    4. After a fork, loops and wires made in the parent are left alone (their epoll and
       sockets are shared with the parent; closing them would unregister the parent's):
       the child makes its own.
    5. close() closes every wire made in this process; a client must not be closed while
       another thread is in the middle of a request on it.
    """

    def __init__(self, guard: AddressGuard, ssl_context: ssl.SSLContext) -> None:
        self.guard = guard
        self.ssl_context = ssl_context
        self._local = threading.local()
        self._lock = threading.Lock()
        self._wires: list[_Wire] = []
        self._background: _Wire | None = None
        self._inherited: list[_Wire] = []

    def _wire(self) -> _Wire:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            with self._lock:
                if self._background is None or self._background.pid != os.getpid():
                    transport = AsyncHTTP1Transport(self.guard, self.ssl_context)
                    self._background = _Wire(transport, None)
                return self._background
        wire: _Wire | None = getattr(self._local, "wire", None)
        if wire is None or wire.pid != os.getpid():
            transport = AsyncHTTP1Transport(self.guard, self.ssl_context, blocking_connect=True)
            wire = _Wire(transport, _thread_loop())
            self._local.wire = wire
            with self._lock:
                self._wires.append(wire)
        return wire

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        wire = self._wire()
        request.read()  # a streamed sync body is read here, where it can be
        response = wire.run(wire.transport.handle_async_request(request))
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_SyncBody(wire, response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        with self._lock:
            wires, self._wires = self._wires, []
            background, self._background = self._background, None
        pid = os.getpid()
        for wire in wires:
            if wire.pid != pid:
                self._inherited.append(wire)
            elif wire.own is not None and not wire.own.loop.is_running():
                wire.run(wire.transport.aclose())
        if background is not None and background.pid == pid:
            background.run(background.transport.aclose())


class _OwnLoop:
    """The event loop of one thread's sync requests, closed once nothing uses it (the
    thread has ended and its transports are closed), or at exit."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.pid = os.getpid()
        # A finalizer rather than __del__: it holds the loop, so when this object dies in
        # a garbage cycle the loop's sockets are still open for close() to unregister.
        weakref.finalize(self, _close_loop, self.loop, self.pid)


def _close_loop(loop: asyncio.AbstractEventLoop, pid: int) -> None:
    if pid == os.getpid() and not loop.is_running() and not loop.is_closed():
        loop.close()


_own_loops = threading.local()
_inherited_loops: list[_OwnLoop] = []


def _thread_loop() -> _OwnLoop:
    """This thread's loop for sync requests: made once per thread, shared by every
    HTTP1Transport it uses (a loop costs a socket pair and an epoll instance)."""
    own: _OwnLoop | None = getattr(_own_loops, "own", None)
    if own is None or own.pid != os.getpid():
        if own is not None:
            _inherited_loops.append(own)  # the parent's: never closed here (step 4)
        own = _own_loops.own = _OwnLoop()
    return own


async def _next_chunk(chunks: typing.AsyncIterator[bytes]) -> bytes | None:
    try:
        return await anext(chunks)
    except StopAsyncIteration:
        return None


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, wire: _Wire, body: httpx.AsyncByteStream) -> None:
        self._wire = wire
        self._body = body

    def __iter__(self) -> typing.Iterator[bytes]:
        chunks = aiter(self._body)
        try:
            while (chunk := self._wire.run(_next_chunk(chunks))) is not None:
                yield chunk
        finally:
            # An async generator left unfinished would be finalised on its loop later.
            self._wire.run(chunks.aclose())  # type: ignore[attr-defined]

    def close(self) -> None:
        self._wire.run(self._body.aclose())


class _BackgroundLoop:
    """One event loop in a daemon thread, for sync requests made from a thread that is
    already running an event loop (see HTTP1Transport, step 3).

    1. The loop and its thread start on first use, under a lock.
    2. `run` schedules a coroutine with run_coroutine_threadsafe, which runs it in a copy
       of the caller's context variables (call_soon_threadsafe copies the context of the
       thread calling it), so io_deadline holds here too.
    3. The caller blocks until the coroutine is done; if its wait is interrupted, the
       coroutine is cancelled, which closes the connection it was using.
    4. A forked child starts its own loop and thread; the parent's loop object is kept
       referenced, never used, so that collecting it cannot touch the parent's epoll.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._inherited: list[asyncio.AbstractEventLoop] = []

    def run(self, coroutine: typing.Coroutine[typing.Any, typing.Any, T]) -> T:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                if self._loop is not None:
                    self._inherited.append(self._loop)
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="airwaves-http", daemon=True
                )
                self._thread.start()
                self._pid = os.getpid()
            loop = self._loop
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise


_BACKGROUND = _BackgroundLoop()
