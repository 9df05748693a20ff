"""`airwaves serve` as a user runs it: uvicorn, a data directory of its own, the crawler
inside. (A first start on an empty data directory, which migrates, is
tests/demo/test_serve_demo.py's.)"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import httpx
import pytest

from tests.conftest import command_env
from tests.feeds import three_episode_feed

AIRWAVES = str(Path(sys.executable).parent / "airwaves")
# How long a start may take (a new database is migrated first); waited for, not slept.
START_SECONDS = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_static(data_dir: Path) -> None:
    """Gives a new data directory the static files this test run already collected
    (same sources, same digest), so `serve` starts without collecting them again: the
    start-up under test is the site's, not collectstatic's."""
    from django.conf import settings

    from airwaves.staticstorage import digest_path

    shutil.copytree(settings.STATIC_ROOT, data_dir / "static", dirs_exist_ok=True)
    shutil.copy(digest_path(settings.STATIC_ROOT), digest_path(data_dir / "static"))


@pytest.fixture
def site_env(tmp_path, migrated_sqlite):
    seed_static(tmp_path)
    shutil.copy(migrated_sqlite, tmp_path / migrated_sqlite.name)
    return command_env(tmp_path)


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
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode())
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    # A start that hangs must not outlive the test: its process group goes too.
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(15)
    proc.stderr.close()
    raise AssertionError(f"the site did not answer within {START_SECONDS} s")


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

        # Pages in brotli; scripts under hashed names, cached for good.
        with httpx.stream("GET", base + "/", headers={"Accept-Encoding": "br"}) as home:
            assert home.headers["content-encoding"] == "br"
            raw = b"".join(home.iter_raw())
        scripts = re.findall(rb'<script src="(/static/[^"]+)"', brotli.decompress(raw))
        assert scripts and all(re.search(rb"\.[0-9a-f]{12}\.js$", s) for s in scripts)
        script = httpx.get(base + scripts[0].decode())
        assert script.headers["cache-control"] == "max-age=315360000, public, immutable"
    finally:
        stop(proc)


@pytest.mark.parametrize("workers", ["0", "-3", "many"])
def test_serve_refuses_a_worker_count_that_is_not_a_positive_number(site_env, workers):
    done = subprocess.run(
        [AIRWAVES, "serve", "--workers", workers], env=site_env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "--workers" in done.stderr


def add_feed(site_env: dict, url: str) -> None:
    """Puts a feed in the site's database, as `airwaves add` would without fetching it."""
    subprocess.run(
        [
            AIRWAVES,
            "manage",
            "shell",
            "-c",
            "from airwaves.cli import ensure_database; ensure_database(); "
            "from airwaves.podcasts.feeds import find_or_create_feed; "
            f"find_or_create_feed({url!r})",
        ],
        env=site_env,
        check=True,
        capture_output=True,
    )


def test_serve_refreshes_due_feeds_in_the_background(site_env, feed_server):
    feed_server.route("/feed.xml", three_episode_feed("Background Show").xml())
    add_feed(site_env, feed_server.url("/feed.xml"))
    proc, base = start(site_env)
    try:
        deadline = time.monotonic() + START_SECONDS
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
    # In worker processes, which read the deadline from their own settings.
    proc, base = start(site_env, "--workers", "2")
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


# --- several server processes ---------------------------------------------------------


def tcp_inodes(*, local_port: int | None = None, remote_port: int | None = None) -> set[int]:
    """Socket inodes of the established TCP connections with these ports (/proc/net/tcp
    and tcp6); listening sockets are left out."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
            if state != "01":  # ESTABLISHED
                continue
            if local_port is not None and int(local.rsplit(":", 1)[1], 16) != local_port:
                continue
            if remote_port is not None and int(remote.rsplit(":", 1)[1], 16) != remote_port:
                continue
            if inode:
                inodes.add(inode)
    return inodes


def process_tree(pid: int) -> set[int]:
    """pid and its descendants."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree = {pid}
    while True:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        if not more:
            return tree
        tree |= more


def every_process() -> set[int]:
    return {int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()}


def socket_owners(inodes: set[int], pids: set[int]) -> set[int]:
    """Which of `pids` hold one of these sockets open."""
    owners = set()
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and int(target[8:-1]) in inodes:
                owners.add(pid)
    return owners


def healthz_on(sock: socket.socket) -> bytes:
    """One keep-alive GET /healthz on an open connection; the whole answer."""
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
        data = sock.recv(65536)
        assert data, answer
        answer += data
    return answer


def test_serve_with_two_workers_answers_from_two_processes(site_env):
    proc, base = start(site_env, "--workers", "2", "--no-crawl")
    port = int(base.rsplit(":", 1)[1])
    held: list[socket.socket] = []
    try:
        # Connections stay with the worker that accepted them: open them (each answering)
        # until two processes hold some, and see that the supervisor holds none.
        deadline = time.monotonic() + START_SECONDS
        while True:
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            held.append(sock)
            assert healthz_on(sock).startswith(b"HTTP/1.1 200")
            owners = socket_owners(tcp_inodes(local_port=port), process_tree(proc.pid))
            if len(owners) == 2:
                break
            assert time.monotonic() < deadline, f"only {owners} answered {len(held)} connections"
        assert proc.pid not in owners
        for sock in held:  # every connection still answers on its worker
            assert healthz_on(sock).startswith(b"HTTP/1.1 200")
    finally:
        for sock in held:
            sock.close()
        stop(proc)


def test_serve_with_two_workers_crawls_in_the_supervisor_only(site_env, feed_server):
    fetched_by: list[set[int]] = []

    def answer(request):
        # While this fetch is open: which process holds the connection to us?
        inodes = tcp_inodes(remote_port=feed_server_port)
        fetched_by.append(socket_owners(inodes, every_process()))
        return 200, {"Content-Type": "application/rss+xml"}, feed.xml()

    feed = three_episode_feed("Two Worker Show")
    feed_server.handle("/feed.xml", answer)
    feed_server_port = urlsplit(feed_server.base_url).port
    add_feed(site_env, feed_server.url("/feed.xml"))
    proc, base = start(site_env, "--workers", "2")
    try:
        deadline = time.monotonic() + START_SECONDS
        while httpx.get(base + "/podcasts/two-worker-show/").status_code != 200:
            assert time.monotonic() < deadline, "the feed was not refreshed"
            time.sleep(0.3)
        assert len(process_tree(proc.pid)) >= 3  # the supervisor and its two workers
    finally:
        stop(proc)
    assert [r.path for r in feed_server.requests] == ["/feed.xml"]
    assert fetched_by == [{proc.pid}]
