"""The lean HTTP/1.1 transport behind every client, sync and async, against scripted TCP
servers. Tests taking `get` run once through each kind of client."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator

import httpx
import pytest

from airwaves.lib import http1
from airwaves.lib.net import io_deadline, make_async_client, make_client

# A scripted server gets the connection and the bytes of one request; it answers by
# writing to the connection and returns whether to wait for another request on it.
Script = Callable[[socket.socket, bytes, int], bool]


class ScriptedServer:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests: list[bytes] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stop:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = connection.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                self.requests.append(head)
                try:
                    if not self.script(connection, head, len(self.requests)):
                        return
                except OSError:
                    return

    def close(self) -> None:
        self._stop = True
        self.listener.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Script], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: Script) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def answer(body: bytes, status: str = "200 OK", headers: bytes = b"") -> Script:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(
            f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n".encode()
            + headers
            + b"\r\n"
            + body
        )
        return True

    return script


def say_and_close(data: bytes) -> Script:
    """A server that answers every request with `data`, then closes the connection."""

    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(data)
        return False

    return script


def run(coroutine_function: Callable[[httpx.AsyncClient], object], **options) -> object:
    async def main():
        async with make_async_client(allow_private=True, **options) as client:
            return await coroutine_function(client)

    return asyncio.run(main())


@pytest.fixture(params=["async", "sync"])
def get(request: pytest.FixtureRequest) -> Callable[..., httpx.Response]:
    """get(url, method="GET", timeout=20.0, headers=None): the whole response, through
    an async or a sync client made for the call."""

    def get(url: str, method: str = "GET", timeout: float = 20.0, **options) -> httpx.Response:
        if request.param == "sync":
            with make_client(allow_private=True, timeout=timeout) as client:
                return client.request(method, url, **options)
        return run(lambda client: client.request(method, url, **options), timeout=timeout)

    return get


def bodies_of_two_gets(server: ScriptedServer) -> list[bytes]:
    """Two GETs in a row through one client: a reusable connection is reused."""

    async def twice(client: httpx.AsyncClient) -> list[bytes]:
        return [(await client.get(server.url())).content for _ in range(2)]

    return run(twice)


def test_requests_to_one_origin_reuse_the_connection(serve) -> None:
    server = serve(answer(b"<rss/>", headers=b'ETag: "v1"\r\n'))

    async def three(client: httpx.AsyncClient) -> list[tuple[int, str, str]]:
        out = []
        for _ in range(3):
            response = await client.get(server.url("/feed.xml"))
            out.append((response.status_code, response.text, response.headers["etag"]))
        return out

    assert run(three) == [(200, "<rss/>", '"v1"')] * 3
    assert server.connections == 1
    first = server.requests[0].split(b"\r\n")
    assert first[0] == b"GET /feed.xml HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in first
    assert any(line.startswith(b"User-Agent: Airwaves/") for line in first)


def test_a_304_without_a_body_leaves_the_connection_reusable(serve) -> None:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        if b"If-None-Match" in head:
            connection.sendall(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n')
        else:
            connection.sendall(b'HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Length: 3\r\n\r\nabc')
        return True

    server = serve(script)

    async def conditional(client: httpx.AsyncClient) -> list[int]:
        statuses = []
        for etag in ("", '"v1"', '"v1"'):
            headers = {"If-None-Match": etag} if etag else {}
            async with client.stream("GET", server.url(), headers=headers) as response:
                statuses.append(response.status_code)  # the body is never read
        return statuses

    assert run(conditional) == [200, 304, 304]
    assert server.connections == 1


def test_chunked_bodies_are_decoded(serve) -> None:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (b"<rss>", b"<channel/>", b"</rss>"):
            connection.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            time.sleep(0.01)
        connection.sendall(b"0\r\n\r\n")
        return True

    server = serve(script)
    assert bodies_of_two_gets(server) == [b"<rss><channel/></rss>"] * 2
    assert server.connections == 1


def test_a_body_that_ends_with_the_connection_is_read_whole(serve) -> None:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<rss>")
        connection.sendall(b"</rss>")
        return False  # close: that is where the body ends

    server = serve(script)
    assert bodies_of_two_gets(server) == [b"<rss></rss>"] * 2
    assert server.connections == 2


def test_a_body_cut_short_is_an_error(serve, get) -> None:
    server = serve(say_and_close(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"))
    with pytest.raises(httpx.RemoteProtocolError, match="before the body was complete"):
        get(server.url())


def test_an_idle_connection_the_server_dropped_is_replaced_once(serve) -> None:
    # The server closes without saying so (no "Connection: close").
    server = serve(say_and_close(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))

    async def twice(client: httpx.AsyncClient) -> list[str]:
        first = (await client.get(server.url())).text
        await asyncio.sleep(0.05)
        return [first, (await client.get(server.url())).text]

    assert run(twice) == ["ok", "ok"]
    assert server.connections == 2


def test_a_server_that_closes_without_answering_is_an_error(serve, get) -> None:
    server = serve(lambda connection, head, n: False)
    with pytest.raises(httpx.RemoteProtocolError, match="without answering"):
        get(server.url())


def test_informational_answers_are_skipped(serve, get) -> None:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        )
        return True

    server = serve(script)
    response = get(server.url())
    assert (response.status_code, response.text, "link" in response.headers) == (200, "ok", False)


def test_head_answers_have_no_body(serve, get) -> None:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n")
        return True

    server = serve(script)
    response = get(server.url(), method="HEAD")
    assert (response.status_code, response.headers["content-length"], response.content) == (
        200,
        "5000",
        b"",
    )


def test_the_reason_phrase_and_version_are_kept(serve, get) -> None:
    server = serve(say_and_close(b"HTTP/1.0 404 File Not Found\r\nContent-Length: 0\r\n\r\n"))
    response = get(server.url())
    assert (response.status_code, response.reason_phrase, response.http_version) == (
        404,
        "File Not Found",
        "HTTP/1.0",
    )


def test_a_huge_response_head_is_refused(serve, get) -> None:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        for i in range(5000):
            connection.sendall(f"X-Padding-{i}: {'x' * 40}\r\n".encode())
        return False

    server = serve(script)
    with pytest.raises(httpx.RemoteProtocolError, match="head is too large"):
        get(server.url())


def test_garbage_instead_of_http_is_an_error(serve, get) -> None:
    server = serve(say_and_close(b"SSH-2.0-OpenSSH_9.2\r\n\r\n"))
    with pytest.raises(httpx.RemoteProtocolError, match="malformed HTTP response"):
        get(server.url())


def test_a_silent_server_times_out(serve, get) -> None:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        time.sleep(2)
        return False

    server = serve(script)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        get(server.url(), timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_the_io_deadline_stops_a_server_dripping_bytes(serve) -> None:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            connection.sendall(b"x")  # each byte well within the read timeout
            time.sleep(0.1)
        return False

    server = serve(script)

    async def get(client: httpx.AsyncClient) -> None:
        with io_deadline(0.8):
            await client.get(server.url())

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout, match="total time limit"):
        run(get, timeout=5)
    assert time.monotonic() - started < 2


def test_reading_pauses_while_the_caller_falls_behind(serve) -> None:
    size = 8 * 1024 * 1024

    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        piece = b"a" * 65536
        for _ in range(size // len(piece)):
            connection.sendall(piece)
        return False

    server = serve(script)
    buffered: list[int] = []
    original = http1.Connection.read_chunk

    async def spy(self, timeouts, request):
        buffered.append(self.buffered)
        return await original(self, timeouts, request)

    async def slow_reader(client: httpx.AsyncClient) -> int:
        total = 0
        async with client.stream("GET", server.url()) as response:
            async for chunk in response.aiter_raw():
                total += len(chunk)
                await asyncio.sleep(0.001)
        return total

    http1.Connection.read_chunk = spy
    try:
        assert run(slow_reader) == size
    finally:
        http1.Connection.read_chunk = original
    # Never more than the read-ahead plus what one socket read can add after it.
    assert max(buffered) <= http1.READ_AHEAD + 512 * 1024


@pytest.mark.parametrize("value", ["a\r\nInjected: yes", "a\nInjected: yes", "a\rb", "a\0b"])
def test_header_values_with_line_breaks_are_not_sent(serve, get, value: str) -> None:
    server = serve(answer(b"ok"))
    with pytest.raises(httpx.LocalProtocolError, match="CR, LF or NUL"):
        get(server.url(), headers={"X-Test": value})
    assert server.requests == []


def test_request_bodies_are_sent_with_their_length() -> None:
    received = bytearray()
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def serve_one() -> None:
            connection, _ = listener.accept()
            with connection:
                while not received.endswith(b"a=1&b=2"):
                    received.extend(connection.recv(65536))
                connection.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

        threading.Thread(target=serve_one, daemon=True).start()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        response = run(lambda client: client.post(url, content=b"a=1&b=2"))
    assert response.status_code == 204
    assert b"\r\nContent-Length: 7\r\n" in received


def test_idle_connections_are_bounded_per_origin(serve, monkeypatch) -> None:
    monkeypatch.setattr(http1, "IDLE_PER_ORIGIN", 2)

    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        time.sleep(0.05)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    server = serve(script)

    async def many(client: httpx.AsyncClient) -> int:
        await asyncio.gather(*(client.get(server.url()) for _ in range(6)))
        transport = client._transport
        return sum(len(idle) for idle in transport._idle.values())

    assert run(many) == 2
    assert server.connections == 6


# -- the sync transport ----------------------------------------------------------------------


def test_a_sync_client_reuses_its_connection(serve) -> None:
    server = serve(answer(b"<rss/>"))
    with make_client(allow_private=True) as client:
        bodies = [client.get(server.url()).content for _ in range(3)]
    assert bodies == [b"<rss/>"] * 3
    assert server.connections == 1


def test_the_io_deadline_bounds_a_sync_client_too(serve) -> None:
    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            connection.sendall(b"x")
            time.sleep(0.1)
        return False

    server = serve(script)
    started = time.monotonic()
    with make_client(allow_private=True, timeout=5) as client, io_deadline(0.8):
        with pytest.raises(httpx.ReadTimeout, match="total time limit"):
            client.get(server.url())
    assert time.monotonic() - started < 2


def test_a_sync_client_works_inside_a_running_event_loop(serve) -> None:
    # Sync code called from async code: the requests run on a background loop.
    server = serve(answer(b"ok"))

    async def main() -> list[str]:
        with make_client(allow_private=True) as client:
            return [client.get(server.url()).text for _ in range(2)]

    assert asyncio.run(main()) == ["ok", "ok"]
    assert server.connections == 1


def test_a_sync_client_can_be_shared_by_threads(serve) -> None:
    server = serve(answer(b"ok"))
    results: list[str] = []
    with make_client(allow_private=True) as client:

        def work() -> None:
            for _ in range(5):
                results.append(client.get(server.url()).text)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == ["ok"] * 20
    assert server.connections <= 4  # one per thread at most: idle connections are per thread


def test_a_sync_body_left_unread_closes_its_connection(serve) -> None:
    server = serve(answer(b"x" * 1_000_000))
    with make_client(allow_private=True) as client:
        with client.stream("GET", server.url()) as response:
            first = next(response.iter_raw())
        assert 0 < len(first) < 1_000_000
        assert client.get(server.url()).content == b"x" * 1_000_000
    assert server.connections == 2  # the half-read one was not reused


def test_a_sync_request_body_from_a_generator_is_sent_with_its_length() -> None:
    received = bytearray()
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def serve_one() -> None:
            connection, _ = listener.accept()
            with connection:
                while not received.endswith(b"a=1&b=2"):
                    received.extend(connection.recv(65536))
                connection.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

        threading.Thread(target=serve_one, daemon=True).start()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        with make_client(allow_private=True) as client:
            response = client.post(url, content=(part for part in (b"a=1", b"&b=2")))
    assert response.status_code == 204
    assert b"\r\nContent-Length: 7\r\n" in received
    assert b"Transfer-Encoding" not in received


def test_a_sync_request_interrupted_from_outside_is_cancelled(serve) -> None:
    # A signal handler raising (Ctrl-C, a Celery soft time limit) lands inside the loop:
    # the request must not live on there, holding its connection.
    hung_up = threading.Event()

    def script(connection: socket.socket, head: bytes, n: int) -> bool:
        if b"/hang" in head:
            while connection.recv(1024):  # never answers; waits for the client to hang up
                pass
            hung_up.set()
            return False
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    server = serve(script)

    class Interrupted(Exception):
        pass

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with make_client(allow_private=True) as client:
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            with pytest.raises(Interrupted):
                client.get(server.url("/hang"))
            assert hung_up.wait(5)  # the connection was closed, not left to the loop
            assert client.get(server.url("/next")).text == "ok"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_sync_client_keeps_working_in_a_forked_child(serve) -> None:
    server = serve(answer(b"ok"))
    with make_client(allow_private=True) as client:
        assert client.get(server.url("/parent")).text == "ok"
        with warnings.catch_warnings():
            # Python warns about forking a process with threads (the test servers').
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: a fresh wire, not the parent's connection
            try:
                ok = client.get(server.url("/child")).text == "ok"
            except BaseException:
                ok = False
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert client.get(server.url("/parent-again")).text == "ok"
    paths = [head.split(b" ")[1] for head in server.requests]
    assert sorted(paths) == [b"/child", b"/parent", b"/parent-again"]
    assert server.connections == 2  # the parent kept its connection; the child made one
