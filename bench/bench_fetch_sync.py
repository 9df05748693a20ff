"""Sync fetch benchmark: what one `fetch_feed` costs (`airwaves add`, `refresh_feed` in a
Celery worker), in CPU and wall time, against the feed farm in its own process.

    .venv/bin/python bench/bench_fetch_sync.py              # 300 fetches a figure
    .venv/bin/python bench/bench_fetch_sync.py --fetches 1000

Four figures: a changed feed (200, ~18 KB) and an unchanged one (304), each with a client
made for the fetch (as refresh_feed does) and with one client shared by all fetches
(connections reused). CPU time is this process's (every thread); the farm's is not in it.
Each figure is the median of five rounds.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(fetch: Callable[[], object], count: int) -> tuple[float, float]:
    """(median wall µs, median CPU µs) per fetch over five rounds."""
    wall, cpu = [], []
    for _ in range(5):
        started, started_cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            fetch()
        wall.append((time.perf_counter() - started) / count * 1e6)
        cpu.append((time.process_time() - started_cpu) / count * 1e6)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fetches", type=int, default=300, help="fetches per round")
    args = parser.parse_args()
    os.environ["AIRWAVES_ALLOW_PRIVATE_URLS"] = "1"
    from airwaves.crawler.fetch import fetch_feed
    from airwaves.lib.net import make_client

    port = free_port()
    farm = subprocess.Popen(
        [sys.executable, str(HERE / "feedfarm.py"), "--feeds", "10", "--port", str(port)],
        stdout=subprocess.PIPE,
    )
    try:
        assert farm.stdout is not None
        farm.stdout.readline()  # "farm of … feeds on port …": it is listening
        url = f"http://127.0.0.1:{port}/feeds/1.xml"
        etag = fetch_feed(url).etag
        print(f"{'fetch_feed':<32} {'wall µs':>8} {'CPU µs':>8}")
        figures = {
            "200, a client per fetch": lambda: fetch_feed(url),
            "304, a client per fetch": lambda: fetch_feed(url, etag=etag),
        }
        for name, fetch in figures.items():
            wall, cpu = measure(fetch, args.fetches)
            print(f"{name:<32} {wall:>8.0f} {cpu:>8.0f}")
        with make_client() as client:
            shared = {
                "200, one shared client": lambda: fetch_feed(url, client=client),
                "304, one shared client": lambda: fetch_feed(url, client=client, etag=etag),
            }
            for name, fetch in shared.items():
                wall, cpu = measure(fetch, args.fetches)
                print(f"{name:<32} {wall:>8.0f} {cpu:>8.0f}")
    finally:
        farm.kill()
        farm.wait()


if __name__ == "__main__":
    main()
