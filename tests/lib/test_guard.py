"""The SSRF guard on its own: address policy, URL checks, resolving, deadlines.

What every caller does with it (clients, crawler, radio) is tested in tests/test_ssrf.py.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

from airwaves.lib.guard import (
    AddressGuard,
    BlockedAddressError,
    UnresolvableHostError,
    UnsupportedURLError,
    check_url,
    deadline_left,
    io_deadline,
    is_public_ip,
    parse_ip_host,
)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.10",
        "198.51.100.7",
        "203.0.113.9",
        "198.18.0.1",
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
    ],
)
def test_it_says_non_public_addresses_are_not_public(address: str) -> None:
    assert not is_public_ip(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",  # just past 172.16/12
        "100.128.0.1",  # just past 100.64/10
        "2606:4700:4700::1111",
        "2a00:1450:4001:81b::200e",
        "::ffff:8.8.8.8",  # IPv4-mapped public address
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8
        "2002:808:808::1",  # 6to4 of 8.8.8.8
    ],
)
def test_it_says_public_addresses_are_public(address: str) -> None:
    assert is_public_ip(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://2130706433/feed",  # decimal 127.0.0.1
        "http://0177.0.0.1/feed",  # octal
        "http://0x7f.0.0.1/feed",  # hex
        "http://0x7f000001/feed",
        "http://127.1/feed",  # short form
        "http://[::1]:8080/feed",
        "http://[::ffff:127.0.0.1]/feed",
        "http://[::ffff:7f00:1]/feed",
        "https://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:8000/",
        "http://[fd00::1]/",
        "http://user:password@10.0.0.1/feed",
    ],
)
def test_check_url_refuses_non_public_ip_literals(url: str) -> None:
    with pytest.raises(BlockedAddressError, match="AIRWAVES_ALLOW_PRIVATE_URLS=1"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/feed", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/", "/feed"],
)
def test_check_url_refuses_schemes_other_than_http(url: str) -> None:
    with pytest.raises(UnsupportedURLError, match="only http and https"):
        check_url(url, allow_private=True)


def test_check_url_refuses_urls_without_a_host() -> None:
    with pytest.raises(UnsupportedURLError, match="no host"):
        check_url("http:///feed.xml", allow_private=True)


@pytest.mark.parametrize("url", ["http://[::1/feed", "http://example.com:port/feed"])
def test_check_url_refuses_malformed_urls(url: str) -> None:
    with pytest.raises(UnsupportedURLError):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/feed.xml",
        "http://user:secret@feeds.example.org/private.rss",  # credentials are fine
        "HTTPS://Example.COM./feed",
        "http://93.184.216.34/feed",
        "http://[2606:4700:4700::1111]/feed",
        "http://localhost/feed",  # a name: judged after DNS, by the guarded client
    ],
)
def test_check_url_accepts_public_and_named_hosts(url: str) -> None:
    check_url(url, allow_private=False)


def test_check_url_accepts_private_literals_when_allowed() -> None:
    check_url("http://127.0.0.1:8000/feed", allow_private=True)
    check_url("http://[::1]/feed", allow_private=True)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("%31%32%37.0.0.1", "127.0.0.1"),  # percent-encoded
    ],
)
def test_parse_ip_host_reads_the_forms_resolvers_accept(host: str, address: str) -> None:
    assert parse_ip_host(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.com", "1.2.3.4.5", "0x", "08.0.0.1", "feeds.127.0.0.1"])
def test_parse_ip_host_leaves_names_alone(host: str) -> None:
    assert parse_ip_host(host) is None


def resolver_for(mapping: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host not in mapping:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return mapping[host]

    return resolve


def test_the_guard_resolves_literals_without_asking_the_resolver() -> None:
    guard = AddressGuard(allow_private=False, resolver=resolver_for({}))
    assert guard.resolve("0x7f000001", 80) == ["127.0.0.1"]


def test_the_guard_keeps_public_addresses_in_resolver_order() -> None:
    guard = AddressGuard(allow_private=False)
    addresses = ["10.0.0.1", "93.184.216.34", "::1", "2606:4700:4700::1111"]
    assert guard.filter("mixed.example", addresses) == ["93.184.216.34", "2606:4700:4700::1111"]


def test_the_guard_names_the_first_refused_address_when_none_is_left() -> None:
    guard = AddressGuard(allow_private=False)
    with pytest.raises(BlockedAddressError) as raised:
        guard.filter("internal.example", ["169.254.169.254", "10.0.0.1"])
    assert str(raised.value) == (
        "refused to connect to 169.254.169.254 (link-local address) for host internal.example; "
        "set AIRWAVES_ALLOW_PRIVATE_URLS=1 to allow private addresses"
    )


def test_allow_private_lets_every_address_through() -> None:
    guard = AddressGuard(allow_private=True)
    assert guard.filter("lan.example", ["127.0.0.1", "10.0.0.1"]) == ["127.0.0.1", "10.0.0.1"]


def test_a_policy_replaces_allow_private() -> None:
    guard = AddressGuard(allow_private=True, is_allowed=lambda ip: ip.version == 6)
    assert guard.filter("dual.example", ["127.0.0.1", "::1"]) == ["::1"]
    with pytest.raises(BlockedAddressError, match="address not allowed"):
        guard.filter("v4.example", ["127.0.0.1"])


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({}, "could not resolve nowhere.example: .*Name or service not known"),
        ({"nowhere.example": []}, "could not resolve nowhere.example: no addresses"),
    ],
)
def test_a_name_without_addresses_is_unresolvable(mapping: dict, message: str) -> None:
    guard = AddressGuard(allow_private=False, resolver=resolver_for(mapping))
    with pytest.raises(UnresolvableHostError, match=message):
        guard.filter("nowhere.example", guard.resolve("nowhere.example", 80))


def test_a_name_too_long_for_idna_is_unresolvable() -> None:
    guard = AddressGuard(allow_private=False)
    with pytest.raises(UnresolvableHostError, match="could not resolve"):
        guard.resolve("a" * 300 + ".example", 80)


def test_io_deadline_counts_down_and_nests_to_the_earlier_end() -> None:
    assert deadline_left() is None
    with io_deadline(10):
        outer = deadline_left()
        assert outer is not None and 9 < outer <= 10
        with io_deadline(60):  # an inner block cannot extend the outer one
            inner = deadline_left()
            assert inner is not None and inner <= outer
        with io_deadline(0.5):
            inner = deadline_left()
            assert inner is not None and inner <= 0.5
    assert deadline_left() is None
