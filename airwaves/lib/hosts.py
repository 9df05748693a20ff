"""Which Host headers the site answers to (Django's ALLOWED_HOSTS), from its configuration.

A Host header is whatever the client wrote. Links the site sends away (password-reset
e-mails) are built from it when no AIRWAVES_SITE_URL is set, so a host the operator did not
configure must be refused before any view runs: otherwise anybody can have the site e-mail
a listener a link to their own server. The allowed hosts are:

- the host of AIRWAVES_SITE_URL, and every entry of AIRWAVES_ALLOWED_HOSTS;
- loopback names and addresses, so a laptop install answers with no configuration (a link
  to localhost leads nobody anywhere);
- for `airwaves serve`, the address given to --host.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def host_entry(host: str) -> str | None:
    """A --host value or URL host as an ALLOWED_HOSTS entry: IPv6 addresses in brackets,
    names in lower case; None for an address meaning "every interface", which no client
    sends as its Host."""
    host = host.strip().lower().strip("[]")
    if not host:
        return None
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if ip.is_unspecified:
        return None
    return f"[{ip}]" if ip.version == 6 else str(ip)


def allowed_hosts(site_url: str, explicit: str) -> list[str]:
    """ALLOWED_HOSTS from AIRWAVES_SITE_URL and AIRWAVES_ALLOWED_HOSTS (comma-separated)."""
    hosts = list(LOOPBACK)
    site_host = urlsplit(site_url).hostname if site_url else None
    for entry in [site_host or "", *explicit.split(",")]:
        entry = entry.strip().lower()
        # "*" (every host) and ".example.org" (a domain and its subdomains) are Django's
        # own patterns, kept as the operator wrote them.
        if entry != "*" and not entry.startswith("."):
            entry = host_entry(entry) or ""
        if entry and entry not in hosts:
            hosts.append(entry)
    return hosts


def with_served_host(hosts: list[str], host: str) -> list[str]:
    """`hosts` plus the address `airwaves serve --host` listens on."""
    entry = host_entry(host)
    return hosts if entry is None or entry in hosts else [*hosts, entry]


def describe_hosts(hosts: list[str]) -> str:
    """The start-up line saying which hosts are answered."""
    if "*" in hosts:
        return "Answering to every host name (AIRWAVES_ALLOWED_HOSTS=*)"
    return (
        f"Answering to the host names {', '.join(hosts)}; others get 400 "
        "(add yours with AIRWAVES_SITE_URL or AIRWAVES_ALLOWED_HOSTS)"
    )
