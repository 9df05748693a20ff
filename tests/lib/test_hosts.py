"""The hosts the site answers to, from AIRWAVES_SITE_URL, AIRWAVES_ALLOWED_HOSTS and --host."""

from __future__ import annotations

import pytest

from airwaves.lib.hosts import allowed_hosts, describe_hosts, host_entry, with_served_host

LOOPBACK = ["localhost", "127.0.0.1", "[::1]"]


def test_with_no_configuration_only_loopback_names_are_answered():
    assert allowed_hosts("", "") == LOOPBACK


def test_the_site_urls_host_is_answered():
    assert allowed_hosts("https://Radio.Example.org:8443/base", "") == [
        *LOOPBACK,
        "radio.example.org",
    ]


def test_explicit_hosts_are_added_to_the_site_urls():
    hosts = allowed_hosts("https://radio.example.org", " cdn.example.org, .example.net ,,")
    assert hosts == [*LOOPBACK, "radio.example.org", "cdn.example.org", ".example.net"]


def test_an_explicit_star_is_kept():
    assert "*" in allowed_hosts("", "*")


@pytest.mark.parametrize(
    ("host", "entry"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("192.168.1.20", "192.168.1.20"),
        ("::1", "[::1]"),
        ("[2001:DB8::1]", "[2001:db8::1]"),
        ("My-Laptop.local", "my-laptop.local"),
        ("0.0.0.0", None),  # every interface: no client sends it as its Host
        ("::", None),
        ("", None),
    ],
)
def test_host_entries(host, entry):
    assert host_entry(host) == entry


def test_serve_adds_its_own_address_once():
    assert with_served_host(LOOPBACK, "192.168.1.20") == [*LOOPBACK, "192.168.1.20"]
    assert with_served_host(LOOPBACK, "127.0.0.1") == LOOPBACK
    assert with_served_host(LOOPBACK, "0.0.0.0") == LOOPBACK


def test_the_start_up_line_names_the_hosts():
    assert describe_hosts(LOOPBACK).startswith(
        "Answering to the host names localhost, 127.0.0.1, [::1]; others get 400"
    )
    assert "every host" in describe_hosts(["*"])
