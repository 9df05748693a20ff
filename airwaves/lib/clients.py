"""Who is asking: the client's address behind trusted proxies, whether it asked over
HTTPS, and a daily client key.

The one answer to "who is the client" for every part of the site (log-in limits, clicks and
votes, connection caps): nothing else reads REMOTE_ADDR or X-Forwarded-For.

X-Forwarded-For is a list anybody can write to; only the entries added by our own
proxies can be believed. So:

1. if the connecting address (REMOTE_ADDR) is not one of AIRWAVES_TRUSTED_PROXIES, it is
   the client, whatever the header says;
2. otherwise walk X-Forwarded-For from the right (the entry our proxy appended) and
   skip addresses that are themselves trusted proxies; the first untrusted one is the
   client. Garbage in the header ends the walk at the last address we could trust.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """("10.0.0.1", "192.168.0.0/16") -> networks; raises ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(
                f"AIRWAVES_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range "
                "(example: 127.0.0.1,10.0.0.0/8)"
            ) from exc
    return tuple(networks)


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    # "[2001:db8::1]:443" and "203.0.113.7:51000" as some proxies write them.
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def client_address(remote_addr: str, forwarded_for: str, trusted: Iterable[str]) -> str:
    """The client's IP address as a string (see the module docstring)."""
    networks = parse_networks(tuple(trusted))
    remote = _parse_ip(remote_addr or "")
    if remote is None:
        return remote_addr or ""

    def is_trusted(ip) -> bool:
        return any(ip.version == net.version and ip in net for net in networks)

    if not networks or not is_trusted(remote):
        return str(remote)
    client = remote
    for entry in reversed([e for e in forwarded_for.split(",") if e.strip()]):
        ip = _parse_ip(entry)
        if ip is None:
            break
        client = ip
        if not is_trusted(ip):
            break
    return str(client)


def request_client_address(request, trusted: Iterable[str] | None = None) -> str:
    """The client address of a Django request; `trusted` defaults to the
    AIRWAVES_TRUSTED_PROXIES setting. "unknown" when the server gave no address."""
    if trusted is None:
        from django.conf import settings

        trusted = settings.TRUSTED_PROXIES
    address = client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        trusted,
    )
    return address or "unknown"


def from_trusted_proxy(remote_addr: str, trusted: Iterable[str]) -> bool:
    """Whether the connecting address is one of our own reverse proxies."""
    networks = parse_networks(tuple(trusted))
    remote = _parse_ip(remote_addr or "")
    return remote is not None and any(
        remote.version == net.version and remote in net for net in networks
    )


FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"


def believe_forwarded_proto(meta: dict, trusted: Iterable[str] | None = None) -> None:
    """Keeps X-Forwarded-Proto in a request's META only when one of our own proxies sent
    it: Django reads it (SECURE_PROXY_SSL_HEADER) to know the visitor came over HTTPS
    to a proxy that ends TLS, which decides HSTS, secure redirects and the CSRF origin
    check. From anyone else it is a claim anybody can make, and is dropped."""
    if FORWARDED_PROTO not in meta:
        return
    if trusted is None:
        from django.conf import settings

        trusted = settings.TRUSTED_PROXIES
    if not from_trusted_proxy(meta.get("REMOTE_ADDR", ""), trusted):
        del meta[FORWARDED_PROTO]


def client_key(address: str, day: date, secret: str) -> str:
    """A key that is the same for one address all day and says nothing about the address
    (keyed with the site's secret: the IPv4 space is small enough to hash exhaustively)."""
    message = f"{address}|{day.isoformat()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
