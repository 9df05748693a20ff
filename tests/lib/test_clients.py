"""Who the client is: X-Forwarded-For is believed only as far as our own proxies wrote it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from airwaves.lib.clients import client_address, request_client_address

PROXY = "10.0.0.1"
TRUSTED = ["10.0.0.1", "10.1.0.0/16"]


def test_without_trusted_proxies_the_connecting_address_is_the_client():
    assert client_address("203.0.113.9", "198.51.100.1", []) == "203.0.113.9"


def test_forwarded_for_from_an_untrusted_address_is_ignored():
    # Somebody connecting directly writes the header themselves.
    assert client_address("203.0.113.9", "198.51.100.1", TRUSTED) == "203.0.113.9"
    assert client_address("10.0.0.2", "198.51.100.1", TRUSTED) == "10.0.0.2"


def test_behind_a_trusted_proxy_the_forwarded_client_is_used():
    assert client_address(PROXY, "198.51.100.7", TRUSTED) == "198.51.100.7"


def test_spoofed_left_most_entries_are_ignored():
    # The client sent "1.2.3.4, 5.6.7.8"; our proxy appended the address it saw.
    header = "1.2.3.4, 5.6.7.8, 198.51.100.7"
    assert client_address(PROXY, header, TRUSTED) == "198.51.100.7"


def test_a_chain_of_trusted_proxies_is_walked_through():
    header = "1.2.3.4, 198.51.100.7, 10.1.2.3, 10.1.9.9"
    assert client_address(PROXY, header, TRUSTED) == "198.51.100.7"


@pytest.mark.parametrize(
    ("header", "client"),
    [
        ("", PROXY),  # the proxy itself asked
        (" , ,", PROXY),
        ("not-an-ip", PROXY),
        ("unknown", PROXY),
        ("198.51.100.7, not-an-ip", PROXY),  # garbage where our proxy writes: stop there
        ("not-an-ip, 198.51.100.7", "198.51.100.7"),  # garbage the client wrote: ignored
        ("not-an-ip, 10.1.0.5", "10.1.0.5"),  # the last address we could trust
        ("1.2.3.4.5, 198.51.100.7", "198.51.100.7"),
        ("x" * 10_000 + ", 198.51.100.7", "198.51.100.7"),
        (", ".join(["1.2.3.4"] * 10_000) + ", 198.51.100.7", "198.51.100.7"),
    ],
)
def test_garbage_in_forwarded_for(header, client):
    assert client_address(PROXY, header, TRUSTED) == client


def test_ipv6_and_ports_are_understood():
    trusted = ["::1", "2001:db8:ffff::/48"]
    assert client_address("::1", "[2001:db8::5]:4711", trusted) == "2001:db8::5"
    assert client_address("::1", "2001:db8::5", trusted) == "2001:db8::5"
    assert client_address("::1", "192.0.2.8:51000", trusted) == "192.0.2.8"
    assert client_address("2001:db8:ffff::1", "2001:DB8::5", trusted) == "2001:db8::5"
    # An IPv4 client written as IPv6 by a dual-stack proxy is the same client.
    assert client_address("::1", "::ffff:192.0.2.8", trusted) == "192.0.2.8"


def test_a_trusted_proxy_connecting_over_ipv4_mapped_ipv6_is_recognised():
    assert client_address("::ffff:10.0.0.1", "198.51.100.7", TRUSTED) == "198.51.100.7"


def test_a_bad_trusted_proxy_setting_says_what_is_wrong():
    with pytest.raises(ValueError, match="AIRWAVES_TRUSTED_PROXIES: 'proxy.local'"):
        client_address("10.0.0.1", "", ["proxy.local"])


def test_a_request_uses_the_trusted_proxies_setting(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    settings.TRUSTED_PROXIES = []
    assert request_client_address(request) == PROXY
    settings.TRUSTED_PROXIES = TRUSTED
    assert request_client_address(request) == "198.51.100.7"


def test_other_headers_naming_a_client_are_ignored(settings):
    settings.TRUSTED_PROXIES = TRUSTED
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="203.0.113.9",
        HTTP_FORWARDED="for=198.51.100.1",
        HTTP_X_REAL_IP="198.51.100.2",
        HTTP_CLIENT_IP="198.51.100.3",
    )
    assert request_client_address(request) == "203.0.113.9"


def test_a_request_without_an_address_is_unknown(settings):
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert request_client_address(request) == "unknown"
