"""Crawl benchmark: feeds/s for an all-unchanged pass (304s) and an all-changed pass
(parse + store into SQLite), next to bare async GET loops over the same farm (httpx's
default transport, Airwaves' own transport, raw asyncio sockets), and peak memory as the
farm grows.

    .venv/bin/python bench/bench_crawl.py                 # 1,000 and 10,000 feeds
    .venv/bin/python bench/bench_crawl.py --feeds 2000    # one size
    .venv/bin/python bench/bench_crawl.py --processes 2   # the crawler in two processes

Each size runs in a fresh process with a fresh SQLite database; the farm
(bench/feedfarm.py) runs in its own process on loopback, feeds spread over many
loopback addresses (127.0.0.1–127.0.0.250) so per-host limits behave as on the web.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOSTS = 250


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def feed_url(port: int, n: int) -> str:
    return f"http://127.0.0.{1 + n % HOSTS}:{port}/feeds/{n}.xml"


def reset_peak_rss() -> None:
    """Starts a new high-water mark of this process's resident memory (Linux), so the
    figure covers the crawl passes, not the benchmark's own setup."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # elsewhere the peak includes the setup


def rss_mb(status: str = "VmHWM") -> float:
    """This process's resident memory now (VmRSS) or at its peak since reset_peak_rss
    (VmHWM), or the peak of its largest crawler child if that is larger."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(status + ":"):
                own = int(line.split()[1])
    except OSError:
        pass
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


async def bare_loop(
    urls: list[str], etags: dict[str, str], concurrency: int, ours: bool = False
) -> float:
    """A bare conditional-GET loop: no database, no parsing, no claims, no checks. With
    `ours`, httpx requests sent straight to Airwaves' own transport (lib/http1.py, the
    crawler's wire, guard included); else through an httpx client over its default
    transport (httpcore), as anyone would write it."""
    import httpx

    from airwaves.lib.net import make_async_transport

    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = httpx.AsyncClient(limits=limits, trust_env=False)
    transport = make_async_transport(allow_private=True)

    async def get(url: str, headers: dict[str, str]) -> httpx.Response:
        if not ours:
            return await client.get(url, headers=headers)
        response = await transport.handle_async_request(httpx.Request("GET", url, headers=headers))
        await response.aread()
        return response

    async with client, transport:

        async def one(url: str) -> None:
            async with sem:
                r = await get(url, {"If-None-Match": etags.get(url, "")})
                etags[url] = r.headers.get("etag", "")

        started = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        return time.perf_counter() - started


class _RawConnection(asyncio.Protocol):
    """Just enough HTTP for 304s with no body: wait for the end of the head."""

    def __init__(self) -> None:
        self.buffer = b""
        self.waiter: asyncio.Future | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end >= 0 and self.waiter is not None and not self.waiter.done():
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            self.waiter.set_result(head)


async def raw_loop(urls: list[str], etags: dict[str, str], concurrency: int) -> float:
    """The floor for Python on this machine: asyncio sockets, a keep-alive connection per
    host, the request written by hand, the answer's head found and nothing parsed."""
    loop = asyncio.get_running_loop()
    idle: dict[tuple[str, int], list[_RawConnection]] = {}
    sem = asyncio.Semaphore(concurrency)

    async def one(url: str) -> None:
        _, _, authority, path = url.split("/", 3)
        host, port = authority.split(":")
        async with sem:
            pool = idle.setdefault((host, int(port)), [])
            if pool:
                conn = pool.pop()
            else:
                _, conn = await loop.create_connection(_RawConnection, host, int(port))
            conn.waiter = loop.create_future()
            conn.transport.write(
                f"GET /{path} HTTP/1.1\r\nHost: {authority}\r\n"
                f"If-None-Match: {etags[url]}\r\nAccept-Encoding: gzip\r\n\r\n".encode()
            )
            head = await conn.waiter
            assert head.startswith(b"HTTP/1.1 304"), head[:40]
            pool.append(conn)

    started = time.perf_counter()
    await asyncio.gather(*(one(u) for u in urls))
    elapsed = time.perf_counter() - started
    for pool in idle.values():
        for conn in pool:
            conn.transport.close()
    return elapsed


def run_size(feeds: int, concurrency: int, processes: int) -> dict:
    """Runs in a child process: everything for one farm size."""
    data_dir = tempfile.mkdtemp(prefix="airwaves-bench-")
    os.environ.update(
        AIRWAVES_DATA_DIR=data_dir,
        AIRWAVES_ALLOW_PRIVATE_URLS="1",
        AIRWAVES_CRAWL_CONCURRENCY=str(concurrency),
        DJANGO_SETTINGS_MODULE="airwaves.settings",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from airwaves.crawler.jobs import crawl_pass_in_processes
    from airwaves.podcasts.models import Podcast

    call_command("migrate", verbosity=0)
    port = free_port()
    farm = subprocess.Popen(
        [sys.executable, str(HERE / "feedfarm.py"), "--feeds", str(feeds), "--port", str(port)],
        stdout=subprocess.PIPE,
    )
    farm.stdout.readline()
    try:
        urls = [feed_url(port, n) for n in range(feeds)]
        for start in range(0, feeds, 1000):  # a thousand model instances alive at a time
            Podcast.objects.bulk_create(
                Podcast(feed_url=u, slug=f"feed-{n}", host=u.split("/")[2].split(":")[0])
                for n, u in enumerate(urls[start : start + 1000], start)
            )
        gc.collect()
        results: dict = {"feeds": feeds, "start_rss_mb": rss_mb("VmRSS")}
        reset_peak_rss()

        started = time.perf_counter()
        first = crawl_pass_in_processes(processes)
        results["initial_s"] = time.perf_counter() - started
        results["initial"] = dict(first.statuses)

        started = time.perf_counter()
        unchanged = crawl_pass_in_processes(processes, include_all=True)
        results["unchanged_s"] = time.perf_counter() - started
        results["unchanged"] = dict(unchanged.statuses)

        import httpx

        httpx.post(f"http://127.0.0.1:{port}/generation")
        started = time.perf_counter()
        changed = crawl_pass_in_processes(processes, include_all=True)
        results["changed_s"] = time.perf_counter() - started
        results["changed"] = dict(changed.statuses)
        results["peak_rss_mb"] = rss_mb()

        etags = {u: f'"{n}-2"' for n, u in enumerate(urls)}
        results["bare_s"] = asyncio.run(bare_loop(urls, dict(etags), concurrency))
        results["bare_ours_s"] = asyncio.run(bare_loop(urls, dict(etags), concurrency, True))
        results["raw_s"] = asyncio.run(raw_loop(urls, etags, concurrency))
    finally:
        farm.terminate()
        farm.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, action="append", help="farm size (repeatable)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--processes", type=int, default=1, help="crawler processes")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    if args.child:
        print(json.dumps(run_size(args.feeds[0], args.concurrency, args.processes)))
        return
    rows = []
    for size in args.feeds or [1_000, 10_000]:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--feeds",
                str(size),
                "--concurrency",
                str(args.concurrency),
                "--processes",
                str(args.processes),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"crawler processes: {args.processes}, each at concurrency {args.concurrency}")
    print(
        "all figures in feeds (or requests) per second; the three references are bare "
        "304 loops over the same farm; peak RSS is the crawl passes' (the process held "
        "the start figure before them)\n"
        f"{'feeds':>7} {'unchanged':>10} {'httpx':>7} {'ours':>7} {'raw':>7} "
        f"{'vs ours':>8} {'changed':>8} {'peak RSS':>9} {'start':>7}"
    )
    for r in rows:
        n = r["feeds"]
        rate = {key: n / r[key + "_s"] for key in ("unchanged", "bare", "bare_ours", "raw")}
        print(
            f"{n:>7} {rate['unchanged']:>10,.0f} {rate['bare']:>7,.0f} "
            f"{rate['bare_ours']:>7,.0f} {rate['raw']:>7,.0f} "
            f"{rate['unchanged'] / rate['bare_ours']:>8.0%} {n / r['changed_s']:>8,.0f} "
            f"{r['peak_rss_mb']:>6.0f} MB {r['start_rss_mb']:>4.0f} MB"
        )
        for key in ("initial", "unchanged", "changed"):
            print(f"{'':>9}{key} pass: {r[key]} in {r[key + '_s']:.1f} s")


if __name__ == "__main__":
    main()
