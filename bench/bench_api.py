"""API benchmark: the JSON API's episode list and search at directory size, next to the
HTML pages of the same data, from the same server in the same run.

    .venv/bin/python bench/catalogue.py --shows 50000 --episodes 1000000 --big-show 20000
    .venv/bin/python bench/bench_api.py                     # SQLite under AIRWAVES_DATA_DIR
    .venv/bin/python bench/bench_api.py --postgres bench    # postgresql://postgres@127.0.0.1/bench

Starts `airwaves serve --no-crawl` (the API's rate limits lifted for the run) and, with
bench/pages.py's keep-alive HTTP/1.1 client, measures:

1. latency: p50 and p99 of --requests sequential GETs of the longest show's episode list
   (first page, and a page 10,000 episodes in reached by its cursor) and of an episode
   search, each next to the HTML page with the same rows (the show page's first and
   last page, /search?kind=episodes). HTML pages are measured for an anonymous visitor
   (served from the page cache) and a logged-in one (rendered each time); the API has
   no server-side cache, so its figure is the rendered one;
2. throughput: responses a second with --connections connections for --seconds, for
   the API's episode list and the show page (logged in).

Prints Markdown tables for docs/benchmarks.md. Not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import (  # noqa: E402
    free_port,
    latencies,
    logged_in_cookie,
    percentile,
    throughput,
    wait_for_server,
)

DEEP_EPISODES = 10_000


def cursor_after(port: int, path: str, episodes: int) -> str:
    """The `next` cursor after `episodes` episodes of the list, walked 100 at a time."""
    cursor, seen = "", 0
    while seen < episodes:
        url = f"http://127.0.0.1:{port}{path}?limit=100" + (f"&cursor={cursor}" if cursor else "")
        with urllib.request.urlopen(url) as answer:
            body = json.load(answer)
        seen += len(body["items"])
        cursor = body["next"]
        if not cursor:
            raise SystemExit(f"{path} has fewer than {episodes} episodes")
    return cursor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="DB", help="postgresql://postgres@127.0.0.1/DB")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    if args.postgres:
        os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{args.postgres}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")
    os.environ["AIRWAVES_API_REQUESTS_PER_MINUTE"] = str(10**9)
    os.environ["AIRWAVES_API_TOKEN_REQUESTS_PER_MINUTE"] = str(10**9)
    import django

    django.setup()
    from django.db import connection

    from airwaves.podcasts.models import Podcast

    big = Podcast.objects.filter(slug="the-long-running-show").first()
    big = big or Podcast.objects.order_by("-episode_count").first()
    if big is None:
        raise SystemExit("the database holds no shows: run bench/catalogue.py first")
    cookie = logged_in_cookie()
    connection.close()
    last = max(1, -(-big.episode_count // 20))
    deep_page = DEEP_EPISODES // 20 + 1
    episodes_path = f"/api/v1/shows/{big.slug}/episodes"

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "airwaves.cli", "serve", "--no-crawl", "--port", str(port)],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        wait_for_server(port, server)
        deep_cursor = cursor_after(port, episodes_path, DEEP_EPISODES)
        pairs = [
            (
                f"episode list, first page ({big.episode_count:,} episodes)",
                episodes_path,
                big.get_absolute_url(),
            ),
            (
                f"episode list, {DEEP_EPISODES:,} episodes in (cursor / ?page={deep_page})",
                f"{episodes_path}?cursor={deep_cursor}",
                f"{big.get_absolute_url()}?page={deep_page}",
            ),
            (
                f"episode list, last page (HTML ?page={last})",
                None,
                f"{big.get_absolute_url()}?page={last}",
            ),
            (
                "search episodes (kernel)",
                "/api/v1/search/episodes?q=kernel",
                "/search?q=kernel&kind=episodes",
            ),
        ]
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"\n{connection.vendor}, {args.requests} requests each, load average before: {load}\n"
        )
        print(
            "| data | API p50 | API p99 | HTML logged in p50 | p99 | HTML anonymous (cached) p50 | p99 |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, api_path, html_path in pairs:
            row = [name]
            if api_path:
                times = asyncio.run(latencies(port, api_path, args.requests, ""))
                row += [f"{statistics.median(times):.1f} ms", f"{percentile(times, 0.99):.1f} ms"]
            else:
                row += ["–", "–"]
            for visitor in (cookie, ""):
                times = asyncio.run(latencies(port, html_path, args.requests, visitor))
                row += [f"{statistics.median(times):.1f} ms", f"{percentile(times, 0.99):.1f} ms"]
            print("| " + " | ".join(row) + " |", flush=True)
        print(f"\n{args.connections} connections for {args.seconds:.0f} s\n")
        print("| what | responses/s | errors |")
        print("| --- | ---: | ---: |")
        targets = [
            ("API episode list, first page", episodes_path, ""),
            ("show page, first page (HTML, logged in)", big.get_absolute_url(), cookie),
            ("API episode search (kernel)", "/api/v1/search/episodes?q=kernel", ""),
            ("search page (HTML, logged in)", "/search?q=kernel&kind=episodes", cookie),
        ]
        for name, path, visitor in targets:
            rate, errors = asyncio.run(
                throughput(port, path, args.connections, args.seconds, visitor)
            )
            print(f"| {name} | {rate:,.0f} | {errors} |", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
