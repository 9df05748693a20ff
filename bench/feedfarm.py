"""A loopback feed farm for crawl benchmarks: N podcast feeds of realistic size, served
by a minimal asyncio HTTP/1.1 server that honours ETag (304) and keep-alive.

    python bench/feedfarm.py --feeds 10000 --port 8900

GET /feeds/<n>.xml answers feed n of the current generation; POST /generation bumps
the generation, so every feed has one new episode and a new ETag.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

EPISODES = 30
NOTES = (
    "<p>In this episode we talk about the week in backend engineering: connection pools, "
    "query planners, and the small configuration change that took a whole region down. "
    "Links and chapters below.</p><ul><li>00:00 Intro</li><li>04:12 The outage</li>"
    "<li>21:40 What we changed</li></ul>"
)


def feed_bytes(n: int, generation: int) -> bytes:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for i in range(EPISODES + generation - 1, generation - 2, -1):
        when = format_datetime(start + timedelta(days=7 * i))
        items.append(
            f"<item><title>Show {n} episode {i}</title><guid>show-{n}-ep-{i}</guid>"
            f"<pubDate>{when}</pubDate><itunes:duration>00:42:{i % 60:02d}</itunes:duration>"
            f"<description><![CDATA[{NOTES}]]></description>"
            f'<enclosure url="https://cdn.example.com/{n}/{i}.mp3" length="{4_000_000 + i}" '
            'type="audio/mpeg"/></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        f"<channel><title>Farm show {n}</title><link>https://example.com/{n}</link>"
        "<description>A show in the benchmark farm.</description>"
        '<itunes:author>Farm</itunes:author><itunes:category text="Technology"/>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class Farm:
    def __init__(self, feeds: int) -> None:
        self.feeds = feeds
        self.generation = 1
        self.cache: dict[int, tuple[bytes, bytes]] = {}

    def answer(self, n: int, etag_sent: bytes) -> bytes:
        etag = f'"{n}-{self.generation}"'.encode()
        if etag_sent == etag:
            return b"HTTP/1.1 304 Not Modified\r\nETag: " + etag + b"\r\nContent-Length: 0\r\n\r\n"
        cached = self.cache.get(n)
        if cached is None or cached[0] != etag:
            cached = (etag, feed_bytes(n, self.generation))
            self.cache[n] = cached
        body = cached[1]
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: "
            + etag
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )


class Protocol(asyncio.Protocol):
    def __init__(self, farm: Farm) -> None:
        self.farm = farm
        self.buffer = b""

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            method, path, _ = lines[0].split(b" ", 2)
            etag = b""
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"if-none-match":
                    etag = value.strip()
            if method == b"POST" and path == b"/generation":
                self.farm.generation += 1
                self.farm.cache.clear()
                self.transport.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            elif path.startswith(b"/feeds/") and path.endswith(b".xml"):
                n = int(path[7:-4])
                self.transport.write(self.farm.answer(n, etag))
            else:
                self.transport.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


async def serve(feeds: int, port: int) -> None:
    farm = Farm(feeds)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Protocol(farm), "0.0.0.0", port, backlog=4096)
    print(f"farm of {feeds} feeds on port {port} (pid {os.getpid()})", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8900)
    args = parser.parse_args()
    try:
        import uvloop  # noqa: F401

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    asyncio.run(serve(args.feeds, args.port))
