"""Helpers and fixtures for the station tests (import the fixtures into a test module).

`asgi_server` runs the site under uvicorn in a thread, the way `airwaves serve` does:
the proxy and the now-playing events are async streaming views, which Django's test
client and pytest-django's live_server (WSGI) cannot serve as streams. Tests using it
need `django_db(transaction=True)`, so the server's threads see their rows.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from airwaves.radio.models import Station


def make_station(
    name: str = "Test FM", url: str = "http://radio.example.org/live", **fields
) -> Station:
    station = Station(name=name, url=url, **fields)
    station.save()
    station.sync_facets()
    return station


# airwaves/asgi.py silences Django's warning about whitenoise's synchronous file
# iterators; pytest's "error" filter would turn it back into an exception in the
# server's thread (the file response fails, its file is left open). For modules that
# use `asgi_server`.
SERVES_STATIC_FILES = pytest.mark.filterwarnings(
    "ignore:StreamingHttpResponse must consume synchronous iterators"
)


class AsgiServer:
    def __init__(self) -> None:
        from airwaves.asgi import application
        from airwaves.serving import uvicorn_options

        options = {**uvicorn_options(head_timeout=15), "timeout_graceful_shutdown": 1}
        config = uvicorn.Config(application, host="127.0.0.1", port=0, **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)
        self.url = ""

    def start(self) -> AsgiServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def asgi_server(transactional_db, settings, monkeypatch) -> Iterator[AsgiServer]:
    # The proxy and the hub connect to Icecast on 127.0.0.1.
    settings.ALLOW_PRIVATE_URLS = True
    monkeypatch.setenv("AIRWAVES_ALLOW_PRIVATE_URLS", "1")
    server = AsgiServer().start()
    yield server
    server.stop()


class EventReader:
    """Reads the server-sent events at `url` in a thread, as they arrive.

    with EventReader(url) as events:
        events.wait_for(lambda seen: seen[-1]["title"] == "x")
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: list[dict] = []
        self.comments: list[str] = []
        self.error: BaseException | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, read=60.0))
        self._response: httpx.Response | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> EventReader:
        self._response = self._client.send(self._client.build_request("GET", self.url), stream=True)
        assert self._response.status_code == 200, self._response.status_code
        assert self._response.headers["content-type"].startswith("text/event-stream")
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._response is not None:
            # Closing the response would not wake the thread blocked reading it: shut the
            # socket down, as a browser leaving the page does.
            stream = self._response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._thread.join(5)
            self._response.close()
        self._client.close()

    def _read(self) -> None:
        assert self._response is not None
        try:
            for line in self._response.iter_lines():
                with self._changed:
                    if line.startswith("data: "):
                        self.events.append(json.loads(line[6:]))
                    elif line.startswith(":"):
                        self.comments.append(line)
                    self._changed.notify_all()
        except (httpx.HTTPError, RuntimeError) as error:  # closed by close()
            self.error = error

    def wait_for(self, condition, timeout: float = 10.0) -> list[dict]:
        with self._changed:
            if not self._changed.wait_for(
                lambda: bool(self.events) and condition(self.events), timeout
            ):
                pytest.fail(f"no matching event from {self.url} within {timeout} s: {self.events}")
            return list(self.events)


def icecast_listeners(icecast, mount: str) -> int:
    return icecast.mounts().get(mount, 0)


def wait_for(condition, timeout: float = 10.0, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {message}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
