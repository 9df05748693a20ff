"""Request bodies are capped before Django reads them; request heads must arrive in time;
asyncio's accept() errors are logged once per interval; the open-file limit is raised."""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import NamedTuple

import pytest
import uvicorn

from airwaves import serving

MiB = 1024 * 1024


class Rollovers:
    """Counts SpooledTemporaryFiles (Django's request-body spool) that went to disk."""

    def __init__(self, monkeypatch) -> None:
        self.made = 0
        self.rolled = 0
        counter = self

        class Spool(tempfile.SpooledTemporaryFile):
            def __init__(self, *args, **kwargs):
                counter.made += 1
                super().__init__(*args, **kwargs)

            def rollover(self):
                counter.rolled += 1
                super().rollover()

        monkeypatch.setattr(tempfile, "SpooledTemporaryFile", Spool)


class Answer(NamedTuple):
    status: int
    body: bytes
    pulled: int  # request body bytes the app read
    headers: dict[bytes, bytes]  # names in lower case


def call(app, path: str, chunks, headers=(), method: str = "POST", query: bytes = b"") -> Answer:
    """Runs one request through the ASGI app."""
    pulled = 0
    sent: list[dict] = []
    pending = list(chunks)

    async def receive():
        nonlocal pulled
        if not pending:
            # Django listens for a disconnect while the view runs: never comes.
            await asyncio.Event().wait()
        chunk = pending.pop(0)
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {name.lower(): value for name, value in start["headers"]}
    return Answer(start["status"], body, pulled, headers)


@pytest.fixture
def app(db):
    from airwaves.asgi import application

    return application


def test_a_declared_body_over_the_cap_is_refused_before_any_of_it_is_read(app, monkeypatch):
    spool = Rollovers(monkeypatch)
    size = 200 * MiB
    status, body, pulled, _ = call(
        app, "/healthz", [b"x" * 65536], headers=[(b"content-length", str(size).encode())]
    )

    assert status == 413
    assert body.startswith(b"Request body too large: this address accepts at most 1 MiB.")
    assert pulled == 0
    assert spool.made == 0


def test_a_chunked_body_over_the_cap_stops_being_read_at_the_cap(app, monkeypatch):
    spool = Rollovers(monkeypatch)
    chunk = b"x" * 65536
    status, body, pulled, _ = call(app, "/healthz", [chunk] * 128)  # 8 MiB, no Content-Length

    assert status == 413
    assert b"at most 1 MiB" in body
    assert pulled <= 1 * MiB + len(chunk)
    assert spool.rolled == 0  # nothing reached the disk


def test_a_body_that_outgrows_its_content_length_is_refused_too(app, monkeypatch):
    chunk = b"x" * 65536
    status, _, pulled, _ = call(
        app, "/healthz", [chunk] * 64, headers=[(b"content-length", b"1000")]
    )
    assert status == 413
    assert pulled <= 1 * MiB + len(chunk)


def test_a_body_just_under_the_cap_reaches_django(app, monkeypatch):
    spool = Rollovers(monkeypatch)
    size = 1 * MiB
    status, body, pulled, _ = call(
        app,
        "/healthz",
        [b"x" * (size // 2), b"x" * (size // 2)],
        headers=[(b"content-length", str(size).encode())],
    )
    # Django's answer (CSRF refuses an anonymous POST), not the cap's.
    assert status == 403
    assert pulled == size
    assert spool.made == 1


def test_upload_addresses_have_their_own_larger_caps(app, settings):
    declared = [(b"content-length", str(5 * MiB).encode())]
    status, _, _, _ = call(app, "/following/import", [b""], headers=declared)
    assert status == 403  # past the cap, refused by CSRF
    status, body, _, _ = call(
        app, "/following/import", [b""], headers=[(b"content-length", b"7e6")]
    )
    assert status == 400 and b"Content-Length" in body
    status, body, _, _ = call(
        app, "/following/import", [b""], headers=[(b"content-length", str(7 * MiB).encode())]
    )
    assert status == 413 and b"at most 6 MiB" in body
    status, _, _, _ = call(
        app,
        "/admin/radio/station/import/",
        [b""],
        headers=[(b"content-length", str(60 * MiB).encode())],
    )
    assert status != 413


def test_the_longest_prefix_decides():
    limit = serving.BodyLimit(None, default=10, limits={"/a/": 20, "/a/b/": 30})
    assert limit.limit_for("/a/b/c") == 30
    assert limit.limit_for("/a/c") == 20
    assert limit.limit_for("/b") == 10


def test_gets_without_a_body_pass(app):
    status, _, _, _ = call(app, "/healthz", [b""], method="GET")
    assert status == 200


# --- a real uvicorn ---------------------------------------------------------------------


async def echo_app(scope, receive, send):
    """Reads the whole body, answers its length."""
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = str(size).encode()
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Server:
    """uvicorn in a thread with the given app and protocol class."""

    def __init__(self, app, protocol: type | str = "auto") -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, lifespan="off", log_config=None, http=protocol
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> tuple[str, int]:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "no uvicorn"
            time.sleep(0.02)
        return self.server.servers[0].sockets[0].getsockname()[:2]

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def send_chunked_until_answered(address, path: str, total: int) -> bytes:
    """Sends a chunked POST of `total` bytes, stopping as soon as the server answers."""
    sock = socket.create_connection(address, timeout=10)
    try:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        sent = 0
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except OSError:
                break
            sent += 65536
        else:
            sock.sendall(b"0\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer
    finally:
        sock.close()


def test_uvicorn_answers_413_to_a_chunked_body_over_the_cap():
    app = serving.BodyLimit(echo_app, default=256 * 1024, limits={})
    with Server(app) as address:
        answer = send_chunked_until_answered(address, "/upload", 16 * MiB)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"connection: close" in answer.lower()
        small = send_chunked_until_answered(address, "/upload", 128 * 1024)
        assert small.startswith(b"HTTP/1.1 200"), small[:200]


# --- slow request heads -------------------------------------------------------------------


def read_response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length body) from `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(4096)
    return head + b"\r\n\r\n" + body


def wait_closed(sock: socket.socket, timeout: float) -> float:
    """Seconds until the server closes `sock` (recv returns b"" or fails)."""
    started = time.monotonic()
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for {timeout} s")
    except ConnectionResetError:
        pass
    return time.monotonic() - started


@pytest.mark.parametrize("kind", ["httptools", "h11"])
def test_a_half_sent_request_head_is_closed_within_the_timeout(kind):
    protocol = serving.http_protocol(1, kind=kind)
    with Server(echo_app, protocol) as address:
        half = socket.create_connection(address)
        silent = socket.create_connection(address)
        half.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        assert wait_closed(half, timeout=5) < 3
        assert wait_closed(silent, timeout=5) < 3
        half.close()
        silent.close()


@pytest.mark.parametrize("kind", ["httptools", "h11"])
def test_a_prompt_request_and_its_keep_alive_successor_are_served(kind):
    protocol = serving.http_protocol(1, kind=kind)
    with Server(echo_app, protocol) as address:
        sock = socket.create_connection(address, timeout=5)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc")
        assert read_response(sock).startswith(b"HTTP/1.1 200")
        # A slow body is not a slow head: the deadline covers heads only.
        sock.sendall(b"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\na")
        readable, _, _ = select.select([sock], [], [], 1.5)
        assert readable == []
        sock.sendall(b"b")
        answer = read_response(sock)
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"2")
        # The next head, half sent, is timed out again.
        sock.sendall(b"GET / HTTP/1.1\r\nHo")
        assert wait_closed(sock, timeout=5) < 3
        sock.close()


# --- file descriptors and accept() errors ---------------------------------------------------


def test_the_soft_open_file_limit_is_raised_to_the_hard_limit():
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, before[1]), before[1]))
        limit = serving.raise_open_file_limit()
        assert limit.soft == before[1] or before[1] == resource.RLIM_INFINITY
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == limit.soft
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, before)


def test_near_the_descriptor_limit_is_seen():
    serving.forget_fd_count()
    in_use = serving.fds_in_use()
    assert in_use > 3
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert serving.near_fd_limit(reserve=soft - in_use + 1)
    serving.forget_fd_count()
    assert not serving.near_fd_limit(reserve=1)


def test_accept_errors_are_logged_once_per_interval(caplog):
    logger = logging.getLogger("tests.accept")
    quiet = serving.OncePerInterval(serving.ACCEPT_ERRORS, interval=3600)
    logger.addFilter(quiet)
    try:
        error = OSError(24, "Too many open files")
        with caplog.at_level(logging.ERROR, logger="tests.accept"):
            for _ in range(1000):
                logger.error(
                    "socket.accept() out of system resource\nsocket: <socket>",
                    exc_info=(OSError, error, None),
                )
            logger.error("something else")
        records = [r for r in caplog.records if r.name == "tests.accept"]
        assert [r.getMessage() for r in records] == [
            "socket.accept() out of system resource ([Errno 24] Too many open files)",
            "something else",
        ]
        assert records[0].exc_info is None
        assert quiet.held_back == 999
        quiet.last -= 3600
        logger.error("socket.accept() out of system resource", exc_info=(OSError, error, None))
        assert caplog.records[-1].getMessage().endswith("; 999 more like it in the last 3600s")
    finally:
        logger.removeFilter(quiet)


def test_asgi_module_installs_the_accept_filter(db):
    import airwaves.asgi  # noqa: F401

    filters = logging.getLogger("asyncio").filters
    assert any(isinstance(f, serving.OncePerInterval) for f in filters)


EMFILE_SERVER = """
import asyncio, io, logging, resource, socket, sys
from airwaves.serving import quiet_accept_errors

log = io.StringIO()
logging.basicConfig(stream=log, level=logging.ERROR)
quiet = quiet_accept_errors(interval=3600)

async def main():
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    # Room for what is open now and a few more: the clients' connections exhaust it.
    in_use = len(__import__("os").listdir("/proc/self/fd"))
    resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 4, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    while quiet.held_back < 2:  # asyncio retries accept() every second
        await asyncio.sleep(0.05)
    sys.stdout.write(log.getvalue())

asyncio.run(main())
"""


def test_a_process_out_of_descriptors_logs_one_line_not_a_traceback_per_accept():
    server = subprocess.Popen(
        [sys.executable, "-c", EMFILE_SERVER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "airwaves.settings"},
    )
    clients = []
    try:
        port = int(server.stdout.readline())
        for _ in range(20):
            clients.append(socket.create_connection(("127.0.0.1", port)))
        out, err = server.communicate(timeout=30)
    finally:
        for sock in clients:
            sock.close()
        server.kill()
    assert server.returncode == 0, err
    lines = [line for line in out.splitlines() if "socket.accept() out of system resource" in line]
    assert len(lines) == 1, out
    assert "Too many open files" in lines[0]
    assert "Traceback" not in out
