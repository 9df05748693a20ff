"""Every caller that fetches a URL from a stranger, against the same hostile URLs.

A real server on 127.0.0.1 stands behind each URL: a refusal must come before any request
reaches it. Callers that take a client or transport get one with an injected resolver
(there is no DNS offline) and, for the redirect cases, a policy under which 127.0.0.1
stands for a public host ("public.example") and everything else counts as private. The
station importer and checker make their own clients from Django settings and the
system's resolver, so they meet the cases that need neither.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from airwaves.crawler.errors import BlockedURLError
from airwaves.crawler.fetch import afetch_feed, fetch_feed
from airwaves.lib.guard import BlockedAddressError, system_resolver
from airwaves.lib.net import make_async_client, make_async_transport, make_client
from airwaves.radio import checks, hub, importers
from airwaves.radio.streams import StreamError, check_stream, open_stream, resolve_stream
from tests.feedserver import FeedServer

NAMES = {
    "public.example": "127.0.0.1",
    "feeds.example": "127.0.0.1",
    "internal.example": "127.0.0.2",
}


def resolve(host: str, port: int) -> list[str]:
    """The names above, and the system's answer for any other ("localhost")."""
    if host in NAMES:
        return [NAMES[host]]
    return system_resolver(host, port)


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # requested on the server; {port} is the server's
    url: str
    reason: str  # a regex the refusal must match
    resolver: bool = False  # needs the injected resolver
    policy: bool = False  # needs the policy where 127.0.0.1 stands for public.example
    reached: tuple[str, ...] = ()  # paths the server may see (the first hop of a redirect)


CASES = [
    Case("loopback", "/feed.xml", "http://127.0.0.1:{port}/feed.xml", r"127\.0\.0\.1 \(loopback"),
    Case("private", "/feed.xml", "http://10.0.0.1:{port}/feed.xml", r"10\.0\.0\.1 \(private"),
    Case(
        "link-local",
        "/latest/meta-data/",
        "http://169.254.169.254:{port}/latest/meta-data/",
        r"169\.254\.169\.254 \(link-local",
    ),
    Case("ipv4-mapped", "/feed.xml", "http://[::ffff:127.0.0.1]:{port}/feed.xml", "loopback"),
    Case("decimal", "/feed.xml", "http://2130706433:{port}/feed.xml", r"127\.0\.0\.1 \(loopback"),
    # httpx itself refuses to parse an octal host; either way nothing is fetched.
    Case("octal", "/feed.xml", "http://0177.0.0.1:{port}/feed.xml", "loopback|Invalid IPv4"),
    Case(
        "localhost", "/feed.xml", "http://localhost:{port}/feed.xml", "loopback.*for host localhost"
    ),
    Case(
        "name-to-loopback",
        "/feed.xml",
        "http://feeds.example:{port}/feed.xml",
        r"127\.0\.0\.1 .*for host feeds\.example",
        resolver=True,
    ),
    Case(
        "redirect-to-private-name",
        "/moved",
        "http://public.example:{port}/moved",
        r"127\.0\.0\.2 .*for host internal\.example",
        resolver=True,
        policy=True,
        reached=("/moved",),
    ),
    Case(
        "redirect-to-metadata-address",
        "/to-metadata",
        "http://public.example:{port}/to-metadata",
        r"169\.254\.169\.254",
        resolver=True,
        policy=True,
        reached=("/to-metadata",),
    ),
]

# A caller gets a URL and the guard options to build its client with (None: it makes its
# own from settings) and returns the text of its refusal; it fails if the fetch succeeded.
Caller = Callable[[str, dict | None], str]


def only_public_example(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip == ipaddress.ip_address("127.0.0.1")


def sync_client(url: str, options: dict | None) -> str:
    with make_client(**(options or {})) as client:
        with pytest.raises((BlockedAddressError, httpx.InvalidURL)) as raised:
            client.get(url, follow_redirects=True)  # httpx following: each hop guarded
    return str(raised.value)


def async_client(url: str, options: dict | None) -> str:
    async def get() -> None:
        async with make_async_client(**(options or {})) as client:
            await client.get(url, follow_redirects=True)

    with pytest.raises((BlockedAddressError, httpx.InvalidURL)) as raised:
        asyncio.run(get())
    return str(raised.value)


def crawler_fetch_feed(url: str, options: dict | None) -> str:
    with make_client(**(options or {})) as client:
        with pytest.raises(BlockedURLError) as raised:
            fetch_feed(url, client=client)
    return str(raised.value)


def crawler_afetch_feed(url: str, options: dict | None) -> str:
    async def get() -> None:
        async with make_async_transport(**(options or {})) as transport:
            await afetch_feed(url, transport=transport)

    with pytest.raises(BlockedURLError) as raised:
        asyncio.run(get())
    return str(raised.value)


def radio_resolve_stream(url: str, options: dict | None) -> str:
    async def get() -> None:
        async with make_async_client(**(options or {})) as client:
            await resolve_stream(url, client=client)

    with pytest.raises(StreamError) as raised:
        asyncio.run(get())
    return str(raised.value)


def radio_check_stream(url: str, options: dict | None) -> str:
    async def get():
        async with make_async_client(**(options or {})) as client:
            return await check_stream(url, client=client)

    info = asyncio.run(get())
    assert not info.ok
    return info.error


def radio_open_stream(url: str, options: dict | None) -> str:
    # What the stream proxy and the now-playing hub open upstream.
    async def get() -> None:
        async with make_async_client(**(options or {})) as client:
            async with open_stream(url, client=client):
                pass

    with pytest.raises(StreamError) as raised:
        asyncio.run(get())
    return str(raised.value)


def radio_proxy_client(url: str, options: dict | None) -> str:
    # The stream proxy's and the hub's own client, made from settings.
    assert options is None

    async def get() -> None:
        async with hub.default_client() as client:
            async with open_stream(url, client=client, metadata=False):
                pass

    with pytest.raises(StreamError) as raised:
        asyncio.run(get())
    return str(raised.value)


def radio_station_checks(url: str, options: dict | None) -> str:
    assert options is None
    [info] = asyncio.run(checks.probe([url]))
    assert not info.ok
    return info.error


def station_import_resolving(url: str, options: dict | None) -> str:
    assert options is None
    warnings: list[tuple[int, str]] = []
    record = importers.StationRecord(line=1, name="Hostile", url=url)
    importers.resolve_records([record], warnings)
    assert record.url_resolved == ""
    [(line, message)] = warnings
    return message


CALLERS: dict[str, tuple[Caller, bool]] = {  # name: (caller, takes a client or transport)
    "sync client": (sync_client, True),
    "async client": (async_client, True),
    "fetch_feed": (crawler_fetch_feed, True),
    "afetch_feed": (crawler_afetch_feed, True),
    "resolve_stream": (radio_resolve_stream, True),
    "check_stream": (radio_check_stream, True),
    "open_stream": (radio_open_stream, True),
    "proxy and hub client": (radio_proxy_client, False),
    "station checks": (radio_station_checks, False),
    "station import": (station_import_resolving, False),
}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[FeedServer]:
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS", raising=False)
    settings.ALLOW_PRIVATE_URLS = False
    with FeedServer() as feed_server:
        for case in CASES:
            feed_server.route(case.path, "<rss/>")
        port = feed_server.base_url.rsplit(":", 1)[1]
        feed_server.route(
            "/moved", status=302, headers={"Location": f"http://internal.example:{port}/feed.xml"}
        )
        feed_server.route(
            "/to-metadata",
            status=301,
            headers={"Location": "http://169.254.169.254/latest/meta-data/"},
        )
        yield feed_server


@pytest.mark.parametrize(
    ("caller_name", "case"),
    [
        pytest.param(name, case, id=f"{name}-{case.name}")
        for name, (_, takes_client) in CALLERS.items()
        for case in CASES
        if takes_client or not case.resolver
    ],
)
def test_every_caller_refuses_every_hostile_url(
    server: FeedServer, caller_name: str, case: Case
) -> None:
    caller, takes_client = CALLERS[caller_name]
    port = server.base_url.rsplit(":", 1)[1]
    options = None
    if takes_client:
        options = {"allow_private": False, "resolver": resolve}
        if case.policy:
            options["is_allowed"] = only_public_example
    message = caller(case.url.format(port=port), options)
    assert re.search(case.reason, message), message
    assert [request.path for request in server.requests] == list(case.reached)


@pytest.mark.parametrize("caller_name", [name for name, (_, takes) in CALLERS.items() if takes])
def test_the_public_stand_in_is_reachable_so_refusals_are_not_accidents(
    server: FeedServer, caller_name: str
) -> None:
    # The same set-up fetches a URL the policy allows: the cases above fail for the
    # reason they name, not because nothing could be reached.
    mp3_frames = (b"\xff\xfb\x90\x00" + bytes(413)) * 40  # MPEG-1 layer III, 128 kbit/s
    server.route("/ok.xml", mp3_frames, headers={"Content-Type": "audio/mpeg"})
    port = server.base_url.rsplit(":", 1)[1]
    url = f"http://public.example:{port}/ok.xml"
    options = {"allow_private": False, "resolver": resolve, "is_allowed": only_public_example}

    async def async_get() -> int:
        async with make_async_client(**options) as client:
            return (await client.get(url)).status_code

    async def afetch() -> int:
        async with make_async_transport(**options) as transport:
            return (await afetch_feed(url, transport=transport)).status

    async def resolved() -> str:
        async with make_async_client(**options) as client:
            return (await resolve_stream(url, client=client))[0]

    async def checked() -> bool:
        async with make_async_client(**options) as client:
            info = await check_stream(url, client=client, read_bytes=4096)
        assert info.error == ""
        return info.ok

    async def opened() -> int:
        async with make_async_client(**options) as client:
            async with open_stream(url, client=client) as stream:
                async for audio, _ in stream.chunks():
                    return len(audio)
        return 0

    def sync_get() -> int:
        with make_client(**options) as client:
            return client.get(url).status_code

    def fetch() -> int:
        with make_client(**options) as client:
            return fetch_feed(url, client=client).status

    outcomes = {
        "sync client": lambda: sync_get() == 200,
        "async client": lambda: asyncio.run(async_get()) == 200,
        "fetch_feed": lambda: fetch() == 200,
        "afetch_feed": lambda: asyncio.run(afetch()) == 200,
        "resolve_stream": lambda: asyncio.run(resolved()) == url,
        "check_stream": lambda: asyncio.run(checked()),
        "open_stream": lambda: asyncio.run(opened()) > 0,
    }
    assert outcomes[caller_name]()
    assert server.requests[-1].path == "/ok.xml"
