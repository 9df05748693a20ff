"""The SSRF guard: which addresses an outbound fetch may reach, and for how long.

Feed and station URLs come from strangers, so a fetch must never reach the machine it runs
on or its private network (a cloud metadata service, an admin panel, a database). Checking
the URL is not enough: a public-looking name can resolve to 127.0.0.1, and any redirect hop
can point anywhere. So the guard has two halves, both used by the one transport
(lib/http1.py) under every client lib/net.py makes:

1. `check_url`, before a request: only http(s) URLs with a host, and no IP-literal host
   that is not public (including the odd forms resolvers accept: "2130706433",
   "0177.0.0.1", "[::ffff:127.0.0.1]");
2. `AddressGuard`, while connecting: resolves the host itself and keeps only the addresses
   the policy allows; the transport connects to one of those, so there is no second DNS
   lookup an attacker could answer differently (DNS rebinding).

`io_deadline` bounds all socket I/O inside a block, whichever thread the transport runs it
on (httpx has per-operation timeouts only, so a server dripping a byte every second would
never time out otherwise).

Errors raised here (they reach the caller of `client.get()` unwrapped: httpx passes
through exceptions it does not know):

    UnsupportedURLError(ValueError)   not an http(s) URL, or no host
    BlockedAddressError(Exception)    the host is, or resolves only to, non-public addresses
    UnresolvableHostError(OSError)    the name has no address (raised as httpx.ConnectError)

Set AIRWAVES_ALLOW_PRIVATE_URLS=1 to allow private addresses (tests serving from 127.0.0.1,
a directory of feeds on a home network).

A service this process starts itself on a loopback address (the demo station's
broadcaster, airwaves/demo/broadcaster.py) registers its exact origin with
`allow_local_origin`: that scheme, IP literal and port pass both halves, and every other
port and address stays refused.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import socket
import time
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import unquote, urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> IP addresses as strings; injectable so tests can map names without DNS.
Resolver = Callable[[str, int], list[str]]
# Which resolved addresses may be connected to; the default is "public unless allowed".
AddressPolicy = Callable[[IPAddress], bool]

ALLOW_PRIVATE_ENV = "AIRWAVES_ALLOW_PRIVATE_URLS"
ALLOWED_SCHEMES = ("http", "https")


class UnsupportedURLError(ValueError):
    """The URL is not something we fetch (wrong scheme, no host, malformed)."""


class BlockedAddressError(Exception):
    """The guard refused to connect to a non-public address."""


class UnresolvableHostError(OSError):
    """The host name has no address (the transport raises it as httpx.ConnectError)."""


# Ranges that `ipaddress` does not flag consistently across Python 3.12 patch releases,
# or that it considers global although nobody should fetch feeds from them.
_NOT_PUBLIC: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]] = [
    (ipaddress.ip_network("0.0.0.0/8"), '"this network" address'),
    (ipaddress.ip_network("100.64.0.0/10"), "shared (carrier-grade NAT) address"),
    (ipaddress.ip_network("192.0.0.0/24"), "IETF protocol address"),
    (ipaddress.ip_network("192.0.2.0/24"), "documentation address"),
    (ipaddress.ip_network("198.18.0.0/15"), "benchmarking address"),
    (ipaddress.ip_network("198.51.100.0/24"), "documentation address"),
    (ipaddress.ip_network("203.0.113.0/24"), "documentation address"),
    (ipaddress.ip_network("240.0.0.0/4"), "reserved address"),
    (ipaddress.ip_network("100::/64"), "discard-only address"),
    (ipaddress.ip_network("64:ff9b:1::/48"), "local NAT64 address"),
    (ipaddress.ip_network("2001:db8::/32"), "documentation address"),
    (ipaddress.ip_network("3fff::/20"), "documentation address"),
    (ipaddress.ip_network("fec0::/10"), "site-local address"),
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, when traffic to it ends up there."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if int(ip) >> 32 == 0 and int(ip) > 1:  # IPv4-compatible ::a.b.c.d (not :: or ::1)
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@functools.lru_cache(maxsize=4096)
def why_not_public(ip: IPAddress) -> str | None:
    """A short reason ("loopback address") if `ip` is not a public unicast address, else None."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return why_not_public(embedded)
        # 6to4 and Teredo tunnel to an embedded IPv4 address: judge that one too.
        tunnelled = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        reason = why_not_public(tunnelled) if tunnelled is not None else None
        if reason:
            return f"tunnel to a {reason}"
    checks = [
        (ip.is_loopback, "loopback address"),
        (ip.is_unspecified, "unspecified address"),
        (ip.is_link_local, "link-local address"),
        (ip.is_multicast, "multicast address"),
        (ip.is_private, "private address"),
        (ip.is_reserved, "reserved address"),
    ]
    for flagged, reason in checks:
        if flagged:
            return reason
    for network, reason in _NOT_PUBLIC:
        if ip.version == network.version and ip in network:
            return reason
    return None if ip.is_global else "non-global address"


def is_public_ip(ip: IPAddress) -> bool:
    return why_not_public(ip) is None


def allow_private_from_env() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _blocked(ip: IPAddress, reason: str, host: str) -> BlockedAddressError:
    target = f" for host {host}" if host != str(ip) else ""
    return BlockedAddressError(
        f"refused to connect to {ip} ({reason}){target}; "
        f"set {ALLOW_PRIVATE_ENV}=1 to allow private addresses"
    )


# Hosts that inet_aton would read as an IPv4 address: "2130706433", "0177.0.0.1", "0x7f.1".
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def parse_ip_host(host: str) -> IPAddress | None:
    """The address a URL host names literally, including the odd forms resolvers accept.

    Cached: a crawler asks about the same few thousand hosts over and over."""
    host = unquote(host).strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


# (scheme, address, port) of local services this process runs itself; see the docstring.
_local_origins: set[tuple[str, str, int]] = set()


def _origin_key(scheme: str, host: str, port: int | None) -> tuple[str, str, int] | None:
    ip = parse_ip_host(host)
    if ip is None:
        return None
    return (scheme, str(ip), port or (443 if scheme == "https" else 80))


def allow_local_origin(origin: str) -> None:
    """Lets guarded clients reach exactly `origin` ("http://127.0.0.1:41234"), a service
    this process started. Only IP-literal hosts: a name could be made to resolve elsewhere."""
    parsed = httpx.URL(origin)
    key = _origin_key(parsed.scheme, parsed.raw_host.decode("ascii"), parsed.port)
    if key is None or parsed.path not in ("", "/"):
        raise ValueError(f"{origin!r} is not an origin with an IP address for a host")
    _local_origins.add(key)


def forget_local_origin(origin: str) -> None:
    parsed = httpx.URL(origin)
    _local_origins.discard(
        _origin_key(parsed.scheme, parsed.raw_host.decode("ascii"), parsed.port)  # type: ignore[arg-type]
    )


def is_local_origin(scheme: str, host: str, port: int | None) -> bool:
    """Whether (scheme, host, port) is an origin registered with allow_local_origin."""
    return bool(_local_origins) and _origin_key(scheme, host, port) in _local_origins


def check_url(url: str, *, allow_private: bool) -> httpx.URL:
    """Refuses URLs we never fetch, before any connection is made, and returns the URL as
    httpx parsed it (what a request to it will use).

    Raises UnsupportedURLError for a scheme other than http(s), a missing host or a URL
    httpx cannot parse; BlockedAddressError for an IP-literal host that is not public.
    Hostnames are checked later, after DNS, by the guarded network backend.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is not None and parsed.scheme in ALLOWED_SCHEMES and parsed.raw_host:
        host = parsed.raw_host.decode("ascii")
        if not is_local_origin(parsed.scheme, host, parsed.port):
            _check_literal(host, allow_private)
        return parsed
    _refuse(url, allow_private)


def _check_literal(host: str, allow_private: bool) -> None:
    ip = parse_ip_host(host)
    if ip is not None and not allow_private:
        reason = why_not_public(ip)
        if reason:
            raise _blocked(ip, reason, host)


def shorten(text: str, limit: int = 200) -> str:
    """`text` cut to `limit` characters for a message (URLs from strangers can be huge)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _refuse(url: str, allow_private: bool) -> typing.NoReturn:
    """The reason httpx could not take `url`, in words a feed's owner understands."""
    shown = shorten(url)
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError as exc:  # "Invalid IPv6 URL"
        raise UnsupportedURLError(f"refused {shown!r}: {exc}") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UnsupportedURLError(f"refused {shown!r}: only http and https URLs can be fetched")
    if not host:
        raise UnsupportedURLError(f"refused {shown!r}: the URL has no host name")
    # Hosts httpx refuses to parse but a resolver would read as an address ("0177.0.0.1").
    _check_literal(host, allow_private)
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UnsupportedURLError(f"refused {shown!r}: {shorten(str(exc))}") from exc
    raise UnsupportedURLError(f"refused {shown!r}: the URL has no host name")


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressGuard:
    """Resolves a host and keeps only the addresses we may connect to."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver | None = None,
        is_allowed: AddressPolicy | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver or system_resolver
        self.is_allowed = is_allowed

    def resolve(self, host: str, port: int) -> list[str]:
        literal = parse_ip_host(host)
        if literal is not None:
            return [str(literal)]
        try:
            return self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise UnresolvableHostError(f"could not resolve {host}: {exc}") from exc

    def filter(self, host: str, addresses: list[str]) -> list[str]:
        """The allowed addresses, in resolver order; raises if none is left."""
        allowed: list[str] = []
        refused: tuple[IPAddress, str] | None = None
        for address in addresses:
            ip = ipaddress.ip_address(address)
            reason = self._refusal(ip)
            if reason is None:
                allowed.append(address)
            elif refused is None:
                refused = (ip, reason)
        if not allowed:
            if refused is None:
                raise UnresolvableHostError(f"could not resolve {host}: no addresses")
            raise _blocked(refused[0], refused[1], host)
        return allowed

    def _refusal(self, ip: IPAddress) -> str | None:
        if self.is_allowed is not None:
            return None if self.is_allowed(ip) else "address not allowed"
        if self.allow_private:
            return None
        return why_not_public(ip)


# An optional deadline over all socket I/O in this thread or task: httpx has per-operation
# timeouts only, so a server dripping a byte every second would never time out.
_deadline: ContextVar[float | None] = ContextVar("airwaves_io_deadline", default=None)


@contextmanager
def io_deadline(seconds: float) -> Iterator[None]:
    """Bounds every connect, read and write of guarded clients inside the block.

    When time runs out the next socket operation raises an httpx timeout exception.
    """
    end = time.monotonic() + seconds
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(end, outer))
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline_left() -> float | None:
    """Seconds left before the io_deadline of this thread or task, or None if there is none."""
    end = _deadline.get()
    return None if end is None else end - time.monotonic()
