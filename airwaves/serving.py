"""What keeps one server process standing under load it did not ask for.

- `BodyLimit`: an ASGI wrapper that refuses request bodies over their path's cap (413)
  before Django reads them: Django's ASGI handler spools the whole body into a temporary
  file before any middleware runs, so a check in Django would come after the disk filled.
- `http_protocol`: uvicorn's HTTP protocols with a deadline on the request head, so a
  client that opens connections and sends half a head (slowloris) cannot hold them.
- `raise_open_file_limit`, `near_fd_limit`: every listener costs a file descriptor; the
  soft limit goes up to the hard one at start-up, and streaming views refuse newcomers
  while a reserve is left for everything else (the database, static files, logs).
- `OncePerInterval`: asyncio logs a traceback for every accept() that fails with EMFILE,
  hundreds of thousands a minute when the process is out of descriptors; this logging
  filter lets one line through per interval, with the count of those it held back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import time
from collections.abc import Mapping
from typing import NamedTuple

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)


# --- request bodies -------------------------------------------------------------------


class BodyLimit:
    """ASGI wrapper: a request whose body is larger than the cap for its path gets a 413
    with a short plain-text reason, without the application seeing any of it.

    1. A Content-Length over the cap (or one that is not a number) is answered at once;
       the body is never read.
    2. Otherwise (a chunked body, or a client that sends more than it declared) the bytes
       are counted as the application pulls them; the first message that goes over the
       cap is replaced by `http.disconnect`, so Django stops reading and closes its
       spooled file (still in memory: caps are below FILE_UPLOAD_MAX_MEMORY_SIZE except
       for the upload endpoints, whose caps bound what reaches the disk), and this
       wrapper answers the 413 itself.

    `limits` maps path prefixes to caps in bytes; the longest matching prefix wins, and
    `default` covers every other path.
    """

    def __init__(self, app, *, default: int, limits: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        # Longest first, so "/admin/radio/station/import/" wins over a shorter prefix.
        self.limits = sorted(limits.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return self.default

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope.get("path", ""))
        declared = [v for k, v in scope.get("headers", ()) if k.lower() == b"content-length"]
        if declared:
            try:
                length = max(int(v) for v in declared)
            except ValueError:
                return await refuse(send, 400, "The Content-Length header is not a number.")
            if length > limit:
                return await refuse(send, 413, too_large_message(limit))

        received = 0
        over = False
        started = False

        async def counted_receive():
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if over and not started:
            await refuse(send, 413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    return (
        f"Request body too large: this address accepts at most {describe_bytes(limit)}. "
        "Send a smaller file or request."
    )


def describe_bytes(count: int) -> str:
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count} bytes"


async def refuse(send, status: int, message: str) -> None:
    body = (message + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                # The rest of the body may still be on its way: do not read it as the
                # next request.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --- request heads --------------------------------------------------------------------


class _HeadDeadline:
    """Closes the connection when a request head is not complete `head_timeout` seconds
    after the connection opened or the head's first byte arrived. uvicorn times out idle
    keep-alive connections, but not a head that arrives a byte at a time, nor a new
    connection that sends nothing."""

    head_timeout: float = 15.0
    _head_timer: asyncio.TimerHandle | None = None

    def _arm_head_deadline(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            log.info("closed a connection whose request head took over %ss", self.head_timeout)
            self.transport.close()

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_head_deadline()

    def connection_lost(self, exc) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)


class HttpToolsWithHeadDeadline(_HeadDeadline, HttpToolsProtocol):
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_head_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_head_deadline()
        super().on_headers_complete()


class H11WithHeadDeadline(_HeadDeadline, H11Protocol):
    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # IDLE after data arrived: h11 holds part of a head and waits for the rest.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm_head_deadline()
        else:
            self._disarm_head_deadline()


def http_protocol(head_timeout: float, *, kind: str = "auto") -> type:
    """The uvicorn protocol class for `cmd_serve`: httptools when it is installed (as
    uvicorn's "auto" picks), else h11, with the given head deadline."""
    if kind == "auto":
        try:
            import httptools  # noqa: F401
        except ImportError:
            kind = "h11"
        else:
            kind = "httptools"
    base = HttpToolsWithHeadDeadline if kind == "httptools" else H11WithHeadDeadline
    return type(base.__name__, (base,), {"head_timeout": float(head_timeout)})


def __getattr__(name: str) -> type:
    # `airwaves serve --workers N` (N > 1): uvicorn starts each worker as a fresh
    # interpreter (multiprocessing's spawn) and loads the protocol from an import string,
    # since a class made at run time cannot be sent to it; each worker makes its own,
    # with the deadline from its settings (the same environment as the parent's).
    if name == "settings_http_protocol":
        from django.conf import settings

        return http_protocol(settings.REQUEST_HEAD_TIMEOUT)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def uvicorn_options(head_timeout: float, *, workers: int = 1) -> dict:
    """The uvicorn settings `airwaves serve` runs with (tests start uvicorn with them too).
    With workers > 1 uvicorn supervises that many server processes on one socket; the
    caps of radio/gate.py and the head deadline hold in each of them."""
    if workers > 1:
        return {
            **uvicorn_options(head_timeout),
            "workers": workers,
            "http": "airwaves.serving:settings_http_protocol",
        }
    return {
        "lifespan": "off",
        "log_config": None,  # keep Django's logging configuration
        "access_log": False,
        # Radio streams and event streams never end by themselves: give them a few
        # seconds on shutdown, then close them.
        "timeout_graceful_shutdown": 5,
        # uvicorn's own protocol (httptools, or h11) with a deadline on request heads.
        "http": http_protocol(head_timeout),
        # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 and rewrite the
        # client address; lib/clients.py is the one place that reads it, behind
        # AIRWAVES_TRUSTED_PROXIES only.
        "proxy_headers": False,
    }


# --- file descriptors -----------------------------------------------------------------


class FileLimit(NamedTuple):
    soft: int
    hard: int


def raise_open_file_limit() -> FileLimit:
    """Raises the soft RLIMIT_NOFILE to the hard limit (the default soft limit, often
    1,024, is far below what a few thousand listeners need); returns the limits now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1024 * 1024)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as error:
            log.warning("could not raise the open-file limit from %s: %s", soft, error)
    return FileLimit(soft, hard)


_FD_DIRS = ("/proc/self/fd", "/dev/fd")
_fd_cache: list[float] = [0.0, 0.0]  # [counted at (monotonic), count]
FD_COUNT_EVERY = 1.0  # seconds; listing /proc/self/fd costs a syscall per descriptor


def fds_in_use() -> int:
    """Open file descriptors of this process, counted at most once a second."""
    now = time.monotonic()
    if now - _fd_cache[0] >= FD_COUNT_EVERY:
        for path in _FD_DIRS:
            try:
                _fd_cache[1] = len(os.listdir(path))
                break
            except OSError:
                continue
        _fd_cache[0] = now
    return int(_fd_cache[1])


def forget_fd_count() -> None:
    """The next fds_in_use() counts afresh (tests)."""
    _fd_cache[0] = 0.0


def near_fd_limit(reserve: int) -> bool:
    """True when fewer than `reserve` descriptors are left under the soft limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return False
    return fds_in_use() >= soft - reserve


# --- logging --------------------------------------------------------------------------


class OncePerInterval(logging.Filter):
    """Lets the first record whose message starts with one of `prefixes` through, then
    holds back the others for `interval` seconds; the next one let through says how many
    were held back. Tracebacks of these records are dropped: they are all the same."""

    def __init__(self, prefixes: tuple[str, ...], interval: float = 60.0) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.interval = interval
        self.last = -float("inf")
        self.held_back = 0

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith(self.prefixes):
            return True
        now = time.monotonic()
        if now - self.last < self.interval:
            self.held_back += 1
            return False
        self.last = now
        error = record.exc_info[1] if record.exc_info else None
        record.exc_info = None
        record.exc_text = None
        note = f" ({error})" if error else ""
        if self.held_back:
            note += f"; {self.held_back} more like it in the last {self.interval:g}s"
        record.msg = message.splitlines()[0] + note
        record.args = ()
        self.held_back = 0
        return True


ACCEPT_ERRORS = ("socket.accept() out of system resource",)


def quiet_accept_errors(interval: float = 60.0) -> OncePerInterval:
    """Installs (once) the filter on asyncio's logger for failed accept() calls."""
    logger = logging.getLogger("asyncio")
    for existing in logger.filters:
        if isinstance(existing, OncePerInterval) and existing.prefixes == ACCEPT_ERRORS:
            return existing
    found = OncePerInterval(ACCEPT_ERRORS, interval)
    logger.addFilter(found)
    return found
