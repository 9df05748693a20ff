"""Page benchmark: how long the public pages take at directory size, and how many
episode pages a second the server gives next to a static file from the same server.

    .venv/bin/python bench/catalogue.py --shows 50000 --episodes 1000000 --big-show 20000
    .venv/bin/python bench/pages.py                       # SQLite under AIRWAVES_DATA_DIR
    .venv/bin/python bench/pages.py --postgres bench      # postgresql://postgres@127.0.0.1/bench

Starts `airwaves serve --no-crawl` on 127.0.0.1 against the database the environment
configures (as bench/catalogue.py does), then, with a small HTTP/1.1 client of its own
over asyncio (keep-alive connections, nothing but the request line, Host and Cookie):

1. latency: p50 and p99 of --requests sequential GETs of each page (home, show index
   first and deep page, category, first and last page of the longest show, an episode,
   search), for an anonymous and for a logged-in visitor;
2. throughput: responses a second with --connections concurrent connections for
   --seconds, for the episode page and, as the reference, for a static file served by
   the same process (whitenoise).

With --against DIR (another checkout of Airwaves, e.g. `git archive main | tar -x -C DIR`),
a second server is started from DIR on the same database, and step 1 is replaced by the
logged-in latency of both side by side: each request goes to one server, then the same
to the other (in turn which first), so that both are measured under the same load.

Prints a Markdown table for docs/benchmarks.md. Not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Connection:
    """One keep-alive HTTP/1.1 connection; GET only, bodies by Content-Length."""

    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookie = port, cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        cookie = f"Cookie: {self.cookie}\r\n" if self.cookie else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            body = 0
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                body += size
                if size == 0:
                    break
            return status, body
        await self.reader.readexactly(length)
        return status, length

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def latencies(port: int, path: str, requests: int, cookie: str) -> list[float]:
    connection = Connection(port, cookie)
    status, _ = await connection.get(path)  # warm: the first view fills caches
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        await connection.get(path)
        times.append((time.perf_counter() - started) * 1000)
    await connection.close()
    return times


async def side_by_side(ports: dict[str, int], path: str, requests: int, cookie: str):
    """p50 of each server's answers to the same requests, sent to each in turn."""
    connections = {name: Connection(port, cookie) for name, port in ports.items()}
    for name, connection in connections.items():  # warm
        status, _ = await connection.get(path)
        if status != 200:
            raise SystemExit(f"{name}: {path} answered {status}")
    times: dict[str, list[float]] = {name: [] for name in connections}
    names = list(connections)
    for n in range(requests):
        for name in names if n % 2 == 0 else names[::-1]:
            started = time.perf_counter()
            await connections[name].get(path)
            times[name].append((time.perf_counter() - started) * 1000)
    for connection in connections.values():
        await connection.close()
    return {name: statistics.median(values) for name, values in times.items()}


async def throughput(port: int, path: str, connections: int, seconds: float, cookie: str):
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker():
        nonlocal done, errors
        connection = Connection(port, cookie)
        while time.perf_counter() < deadline:
            status, _ = await connection.get(path)
            if status == 200:
                done += 1
            else:
                errors += 1
        await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return done / (time.perf_counter() - started), errors


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def pages_to_measure() -> dict[str, str]:
    """Paths of the measured pages, read from the benchmark database."""
    from airwaves.podcasts.models import Category, Episode, Podcast, Total

    # catalogue.py's --big-show, else the longest show.
    big = Podcast.objects.filter(slug="the-long-running-show").first()
    big = big or Podcast.objects.order_by("-episode_count").first()
    if big is None:
        raise SystemExit("the database holds no shows: run bench/catalogue.py first")
    category = Category.objects.filter(parent=None, in_tree=True).order_by("-show_count").first()
    episode = Episode.objects.filter(podcast=big).order_by("-pk").values_list("slug", flat=True)[0]
    last = max(1, -(-big.episode_count // 20))
    deep = min(500, max(1, -(-Total.listed_shows() // 48)))
    return {
        "home": "/",
        "show index": "/podcasts/",
        f"show index, page {deep}": f"/podcasts/?page={deep}",
        f"category ({category.name})": category.get_absolute_url(),
        f"show, first page ({big.episode_count:,} episodes)": big.get_absolute_url(),
        f"show, last page ({last})": f"{big.get_absolute_url()}?page={last}",
        "episode": f"{big.get_absolute_url()}{episode}/",
        "search (kernel)": "/search?q=kernel",
    }


def logged_in_cookie() -> str:
    """A session cookie of a benchmark user, made through Django's own log-in."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    user, _ = User.objects.get_or_create(username="bench-visitor")
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def wait_for_server(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("airwaves serve exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("airwaves serve did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="DB", help="postgresql://postgres@127.0.0.1/DB")
    parser.add_argument("--requests", type=int, default=200, help="per page and visitor")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=1, help="airwaves serve --workers N")
    parser.add_argument(
        "--throughput-only", action="store_true", help="skip the latencies (step 1)"
    )
    parser.add_argument(
        "--against",
        metavar="DIR",
        help="another checkout: logged-in latencies of its server and this one's, side by side",
    )
    args = parser.parse_args(argv)
    if args.postgres:
        os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{args.postgres}"
    if args.against:
        # One secret key for both servers, so that one session cookie logs in to both.
        os.environ.setdefault("AIRWAVES_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")
    import django

    django.setup()
    from django.db import connection

    pages = pages_to_measure()
    cookie = logged_in_cookie()
    connection.close()

    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "airwaves.cli", "serve", "--no-crawl"),
            *("--port", str(port), "--workers", str(args.workers)),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    other = None
    if args.against:
        other_port = free_port()
        # A data directory of its own: its static files are collected from its sources.
        other_data = Path(os.environ.get("AIRWAVES_DATA_DIR") or tempfile.gettempdir()) / "against"
        other = subprocess.Popen(
            [
                *(sys.executable, "-m", "airwaves.cli", "serve", "--no-crawl"),
                *("--port", str(other_port), "--workers", str(args.workers)),
            ],
            cwd=args.against,
            env={**os.environ, "AIRWAVES_DATA_DIR": str(other_data)},
        )
    try:
        wait_for_server(port, server)
        if other is not None:
            wait_for_server(other_port, other)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"\nlogged in, p50 of {args.requests} each, load average before: {load}\n")
            print(f"| page | {args.against} | this checkout |")
            print("| --- | ---: | ---: |")
            for name, path in pages.items():
                ports = {"against": other_port, "this": port}
                p50 = asyncio.run(side_by_side(ports, path, args.requests, cookie))
                print(f"| {name} | {p50['against']:.1f} ms | {p50['this']:.1f} ms |", flush=True)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"\nload average after: {load}")
            return 0
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"\n{connection.vendor}, {args.requests} requests a page (search: fewer),"
            f" load average before: {load}\n"
        )
        print(f"{args.workers} server process(es)\n")
        print("| page | anonymous p50 | p99 | logged in p50 | p99 |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, path in ({} if args.throughput_only else pages).items():
            row = [name]
            # Search is slow today and not what this benchmark is about: fewer runs.
            requests = min(args.requests, 40) if path.startswith("/search") else args.requests
            for visitor in ("", cookie):
                times = asyncio.run(latencies(port, path, requests, visitor))
                row += [f"{statistics.median(times):.1f} ms", f"{percentile(times, 0.99):.1f} ms"]
            print("| " + " | ".join(row) + " |", flush=True)
        print(f"\n{args.connections} connections for {args.seconds:.0f} s\n")
        print("| what | responses/s anonymous | logged in |")
        print("| --- | ---: | ---: |")
        targets = {
            "episode page": pages["episode"],
            "static file (reference)": "/static/airwaves/site.css",
        }
        for name, path in targets.items():
            row = [name]
            for visitor in ("", cookie):
                rate, errors = asyncio.run(
                    throughput(port, path, args.connections, args.seconds, visitor)
                )
                row.append(f"{rate:,.0f}" + (f" ({errors} errors)" if errors else ""))
            print("| " + " | ".join(row) + " |", flush=True)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\nload average after: {load}")
    finally:
        for process in (server, other):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
