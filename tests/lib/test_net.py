"""The client factory: sync and async clients on the guarded transport, against real servers."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from airwaves.lib.net import (
    DEFAULT_USER_AGENT,
    BlockedAddressError,
    make_async_client,
    make_client,
)
from tests.feedserver import FeedServer
from tests.tls import make_certificates


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    # The guard must refuse loopback by default, so these tests run without the opt-in.
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS", raising=False)
    with FeedServer() as feed_server:
        feed_server.route("/feed.xml", "<rss/>")
        yield feed_server


def resolver_for(mapping: dict[str, str]):
    """A resolver that knows only the names in `mapping` (there is no DNS offline)."""

    def resolve(host: str, port: int) -> list[str]:
        if host not in mapping:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [mapping[host]]

    return resolve


def only(*addresses: str):
    allowed = {ipaddress.ip_address(address) for address in addresses}
    return lambda ip: ip in allowed


def test_it_refuses_to_connect_to_loopback_by_default(server: FeedServer) -> None:
    with make_client() as client:
        with pytest.raises(BlockedAddressError, match=r"127\.0\.0\.1 \(loopback address\)"):
            client.get(server.url("/feed.xml"))
    assert server.requests == []


def test_it_connects_to_loopback_when_private_addresses_are_allowed(server: FeedServer) -> None:
    with make_client(allow_private=True) as client:
        response = client.get(server.url("/feed.xml"))
    assert response.status_code == 200
    assert response.text == "<rss/>"


def test_it_reads_the_allow_private_setting_from_the_environment(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRWAVES_ALLOW_PRIVATE_URLS", "yes")
    with make_client() as client:
        assert client.get(server.url("/feed.xml")).status_code == 200


def test_it_refuses_a_name_that_resolves_to_loopback(server: FeedServer) -> None:
    resolver = resolver_for({"feeds.example": "127.0.0.1"})
    url = server.url("/feed.xml").replace("127.0.0.1", "feeds.example")
    with make_client(allow_private=False, resolver=resolver) as client:
        with pytest.raises(BlockedAddressError, match="for host feeds.example"):
            client.get(url)
    assert server.requests == []


def test_it_refuses_localhost_resolved_by_the_system(server: FeedServer) -> None:
    with make_client(allow_private=False) as client:
        with pytest.raises(BlockedAddressError, match="for host localhost"):
            client.get(server.url("/feed.xml").replace("127.0.0.1", "localhost"))


def test_it_connects_to_the_address_it_checked_without_resolving_again(
    server: FeedServer,
) -> None:
    # DNS rebinding: the first answer passes the check, later answers point elsewhere.
    answers = iter([["127.0.0.1"], ["10.0.0.1"], ["10.0.0.1"]])
    calls: list[str] = []

    def rebinding_resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    url = server.url("/feed.xml").replace("127.0.0.1", "rebind.example")
    with make_client(resolver=rebinding_resolver, is_allowed=only("127.0.0.1")) as client:
        response = client.get(url)
    assert response.status_code == 200
    assert calls == ["rebind.example"]
    assert server.requests[0].headers["Host"].startswith("rebind.example:")


def test_it_skips_refused_addresses_and_connects_to_an_allowed_one(server: FeedServer) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["10.0.0.1", "127.0.0.1"]

    url = server.url("/feed.xml").replace("127.0.0.1", "mixed.example")
    with make_client(resolver=resolver, is_allowed=only("127.0.0.1")) as client:
        assert client.get(url).status_code == 200


def test_a_name_that_does_not_resolve_is_a_connect_error() -> None:
    with make_client(resolver=resolver_for({})) as client:
        with pytest.raises(httpx.ConnectError, match="could not resolve nowhere.example"):
            client.get("http://nowhere.example/feed.xml")


def test_the_client_identifies_itself_and_does_not_follow_redirects(server: FeedServer) -> None:
    server.route("/moved", status=301, headers={"Location": "/feed.xml"})
    with make_client(allow_private=True) as client:
        response = client.get(server.url("/moved"))
    assert response.status_code == 301
    assert server.requests[0].headers["User-Agent"] == DEFAULT_USER_AGENT


def test_a_given_transport_is_used_as_is() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="mocked")

    client = make_client(transport=httpx.MockTransport(handler), user_agent="Test/1")
    with client:
        assert client.get("http://127.0.0.1/feed").text == "mocked"
    assert seen[0].headers["User-Agent"] == "Test/1"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test CA and a certificate for feeds.example signed by it (no IP in it)."""
    return make_certificates(tmp_path_factory.mktemp("tls"), "feeds.example")


def test_https_uses_the_host_name_for_sni_and_certificate_checks(certificates: Path) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(certificates / "leaf.pem", certificates / "leaf.key")
    sni_names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, context: sni_names.append(name)
    client_context = ssl.create_default_context(cafile=str(certificates / "ca.pem"))

    with FeedServer(ssl_context=server_context) as tls_server:
        tls_server.route("/feed.xml", "<rss/>")
        url = tls_server.url("/feed.xml").replace("127.0.0.1", "feeds.example")
        resolver = resolver_for({"feeds.example": "127.0.0.1"})
        with make_client(allow_private=True, resolver=resolver, verify=client_context) as client:
            response = client.get(url)

    assert response.text == "<rss/>"
    assert sni_names == ["feeds.example"]


def test_the_async_client_uses_the_host_name_for_sni_and_certificate_checks(
    certificates: Path,
) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(certificates / "leaf.pem", certificates / "leaf.key")
    sni_names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, context: sni_names.append(name)
    client_context = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
    resolver = resolver_for({"feeds.example": "127.0.0.1", "other.example": "127.0.0.1"})

    async def get(url: str) -> httpx.Response:
        async with make_async_client(
            allow_private=True, resolver=resolver, verify=client_context
        ) as client:
            return await client.get(url)

    with FeedServer(ssl_context=server_context) as tls_server:
        tls_server.route("/feed.xml", "<rss/>")
        url = tls_server.url("/feed.xml").replace("127.0.0.1", "feeds.example")
        assert asyncio.run(get(url)).text == "<rss/>"
        # The certificate names feeds.example only: another name is refused.
        with pytest.raises(httpx.ConnectError, match="certificate"):
            asyncio.run(get(url.replace("feeds.example", "other.example")))
    assert sni_names[0] == "feeds.example"


def test_the_async_client_refuses_loopback_by_default(server: FeedServer) -> None:
    async def get() -> None:
        async with make_async_client() as client:
            await client.get(server.url("/feed.xml"))

    with pytest.raises(BlockedAddressError, match="loopback"):
        asyncio.run(get())


def test_the_async_client_refuses_a_name_that_resolves_to_loopback(server: FeedServer) -> None:
    resolver = resolver_for({"feeds.example": "127.0.0.1"})
    url = server.url("/feed.xml").replace("127.0.0.1", "feeds.example")

    async def get() -> None:
        async with make_async_client(allow_private=False, resolver=resolver) as client:
            await client.get(url)

    with pytest.raises(BlockedAddressError, match="for host feeds.example"):
        asyncio.run(get())


def test_the_async_client_connects_when_private_addresses_are_allowed(
    server: FeedServer,
) -> None:
    async def get() -> httpx.Response:
        async with make_async_client(allow_private=True) as client:
            return await client.get(server.url("/feed.xml"))

    assert asyncio.run(get()).text == "<rss/>"
