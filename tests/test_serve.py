"""`airwaves serve` as a user runs it: uvicorn, a fresh data directory, the crawler inside."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.feeds import three_episode_feed

AIRWAVES = str(Path(sys.executable).parent / "airwaves")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def site_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(AIRWAVES_DATA_DIR=str(tmp_path), AIRWAVES_ALLOW_PRIVATE_URLS="1")
    return env


def start(env: dict, *args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [AIRWAVES, "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode())
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the site did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(15)
    proc.stderr.close()


def test_serve_demo_serves_the_seed_episode_and_its_audio(site_env):
    proc, base = start(site_env, "--demo")
    try:
        page = httpx.get(
            base + "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
            "my-new-book-root-cause-stories-from-two-decades-of-backend-bugs/"
        )
        assert page.status_code == 200
        assert "About This Episode" in page.text and "00:09:48" in page.text
        audio = httpx.get(base + "/static/airwaves/demo/audio/root-cause.mp3")
        assert audio.status_code == 200
        assert audio.headers["content-type"] == "audio/mpeg"
        # Seeking in the player needs range requests.
        part = httpx.get(
            base + "/static/airwaves/demo/audio/root-cause.mp3", headers={"Range": "bytes=0-99"}
        )
        assert part.status_code == 206 and len(part.content) == 100
    finally:
        stop(proc)


def test_serve_refreshes_due_feeds_in_the_background(site_env, feed_server):
    feed_server.route("/feed.xml", three_episode_feed("Background Show").xml())
    subprocess.run(
        [
            AIRWAVES,
            "manage",
            "shell",
            "-c",
            "from airwaves.cli import ensure_database; ensure_database(); "
            "from airwaves.podcasts.feeds import find_or_create_feed; "
            f"find_or_create_feed('{feed_server.url('/feed.xml')}')",
        ],
        env=site_env,
        check=True,
        capture_output=True,
    )
    proc, base = start(site_env)
    try:
        deadline = time.monotonic() + 30
        while httpx.get(base + "/podcasts/background-show/").status_code != 200:
            assert time.monotonic() < deadline, "the feed was not refreshed"
            time.sleep(0.3)
        assert "Third" in httpx.get(base + "/podcasts/background-show/").text
    finally:
        stop(proc)


def test_crawl_in_several_processes_refreshes_each_feed_once(site_env, feed_server):
    urls = []
    for n in range(12):
        feed_server.route(f"/feeds/{n}.xml", three_episode_feed(f"Show {n}").xml())
        urls.append(feed_server.url(f"/feeds/{n}.xml"))
    subprocess.run(
        [
            AIRWAVES,
            "manage",
            "shell",
            "-c",
            "from airwaves.cli import ensure_database; ensure_database(); "
            "from airwaves.podcasts.feeds import find_or_create_feed; "
            f"[find_or_create_feed(u) for u in {urls!r}]",
        ],
        env=site_env,
        check=True,
        capture_output=True,
    )

    done = subprocess.run(
        [AIRWAVES, "crawl", "--once", "--processes", "3"],
        env=site_env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refreshed 12 feeds (12 ok)")
    assert sorted(r.path for r in feed_server.requests) == sorted(
        f"/feeds/{n}.xml" for n in range(12)
    )


def test_serve_caps_bodies_and_closes_slow_heads(site_env):
    from tests.test_limits import send_chunked_until_answered, wait_closed

    site_env["AIRWAVES_REQUEST_HEAD_TIMEOUT"] = "1"
    proc, base = start(site_env)
    try:
        address = ("127.0.0.1", int(base.rsplit(":", 1)[1]))
        answer = send_chunked_until_answered(address, "/healthz", 64 * 1024 * 1024)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(
                b"POST /healthz HTTP/1.1\r\nHost: test\r\nContent-Length: 209715200\r\n\r\n"
            )
            declared = b""
            while data := sock.recv(65536):  # the server closes after its answer
                declared += data
        assert declared.startswith(b"HTTP/1.1 413")
        assert b"Request body too large" in declared

        slow = socket.create_connection(address)
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\nUser-Agent: sl")
        assert wait_closed(slow, timeout=10) < 5
        slow.close()
    finally:
        stop(proc)
