"""A real HTTP/1.1 server on 127.0.0.1 for tests that fetch things.

    with FeedServer() as server:
        server.route("/feed.xml", "<rss/>", headers={"Content-Type": "application/rss+xml"})
        server.route("/cached.xml", "<rss/>", etag='"v1"')      # 304 on If-None-Match: "v1"
        server.route("/old", status=301, headers={"Location": "/feed.xml"})
        server.handle("/echo", lambda request: (200, {}, request.path.encode()))
        fetch_feed(server.url("/feed.xml"))
        assert server.requests[-1].headers["User-Agent"].startswith("Airwaves")

A body may be bytes, str (sent as UTF-8) or an iterable of bytes, which is sent chunk by
chunk with chunked encoding, so a generator can sleep between chunks (slow servers);
a generator given to route() is used up by the first request: use handle() to serve it again.
Unknown paths answer 404. Outbound fetches refuse loopback unless
AIRWAVES_ALLOW_PRIVATE_URLS=1 (the `feed_server` fixture in tests/conftest.py sets it).
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

Body = bytes | str | Iterable[bytes]


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as requested, with the query string
    headers: httpx.Headers  # case-insensitive


Handler = Callable[[Request], tuple[int, dict[str, str], Body]]


class FeedServer:
    """Serves HTTPS instead when given an ssl_context (with the server's certificate loaded)."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}
        self._requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def start(self) -> FeedServer:
        server = _QuietServer(("127.0.0.1", 0), _RequestHandler)
        server.feed_server = self
        if self._ssl_context is not None:
            server.socket = self._ssl_context.wrap_socket(server.socket, server_side=True)
        self._server = server
        scheme = "https" if self._ssl_context else "http"
        self.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
        # A short poll interval makes stop() quick: shutdown() waits for the next poll.
        self._thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def requests(self) -> list[Request]:
        """Every request seen so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def route(
        self,
        path: str,
        body: Body = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        etag: str = "",
        last_modified: str = "",
    ) -> None:
        """A fixed answer. With etag/last_modified, the route sends them and answers
        304 to a request carrying a matching If-None-Match / If-Modified-Since."""
        answer_headers = dict(headers or {})
        if etag:
            answer_headers["ETag"] = etag
        if last_modified:
            answer_headers["Last-Modified"] = last_modified

        def answer(request: Request) -> tuple[int, dict[str, str], Body]:
            if status == 200 and _not_modified(request, etag, last_modified):
                return 304, answer_headers, b""
            return status, answer_headers, body

        self.handle(path, answer)

    def handle(self, path: str, fn: Handler) -> None:
        """A computed answer: fn(request) -> (status, headers, body)."""
        with self._lock:
            self._handlers[path] = fn

    def _answer(self, request: Request) -> tuple[int, dict[str, str], Body]:
        with self._lock:
            self._requests.append(request)
            fn = self._handlers.get(request.path) or self._handlers.get(request.path.split("?")[0])
        if fn is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return fn(request)


def _not_modified(request: Request, etag: str, last_modified: str) -> bool:
    if etag and "If-None-Match" in request.headers:
        candidates = [tag.strip() for tag in request.headers["If-None-Match"].split(",")]
        return etag in candidates or "*" in candidates
    return bool(last_modified) and request.headers.get("If-Modified-Since") == last_modified


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for slow-drip handlers on stop()
    feed_server: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hang up mid-answer on purpose (size caps, timeouts): not worth a traceback.
        pass


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections must not keep threads forever
    server: _QuietServer

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._respond(send_body=True)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _respond(self, send_body: bool) -> None:
        request = Request(self.command, self.path, httpx.Headers(list(self.headers.items())))
        status, headers, body = self.server.feed_server._answer(request)
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        names = {name.lower() for name in headers}
        for name, value in headers.items():
            self.send_header(name, value)
        if isinstance(body, bytes):
            if "content-length" not in names and status not in (204, 304):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and status not in (204, 304):
                self.wfile.write(body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if send_body:
            for chunk in body:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
