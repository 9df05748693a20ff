"""The one place outbound HTTP clients are made.

Every client and transport made here runs on the guarded HTTP/1.1 transport of
lib/http1.py, sync callers included (`airwaves add`, `refresh_feed` in Celery workers):
one wire, one SSRF guard (lib/guard.py), one set of deadlines. The clients never follow
redirects; callers that do follow them use lib/redirects.py, which checks every hop.

    make_client()            httpx.Client for sync code
    make_async_client()      httpx.AsyncClient
    make_async_transport()   the bare async transport, for callers that build their own
                             requests (the crawler)

The guard's errors are re-exported here, since they are what a client's `get()` raises
for a refused address (see lib/guard.py for the tree).
"""

from __future__ import annotations

import functools
import ssl
import typing

import httpx

from airwaves.lib.guard import (
    AddressGuard,
    AddressPolicy,
    BlockedAddressError,
    Resolver,
    UnresolvableHostError,
    UnsupportedURLError,
    allow_private_from_env,
    check_url,
    io_deadline,
)
from airwaves.lib.http1 import AsyncHTTP1Transport, HTTP1Transport

__all__ = [
    "DEFAULT_USER_AGENT",
    "BlockedAddressError",
    "UnresolvableHostError",
    "UnsupportedURLError",
    "check_url",
    "io_deadline",
    "make_async_client",
    "make_async_transport",
    "make_client",
]

DEFAULT_USER_AGENT = (
    "Airwaves/0.1 (+https://github.com/airwaves-fm/airwaves; podcast and radio directory)"
)


def _guard(
    allow_private: bool | None, resolver: Resolver | None, is_allowed: AddressPolicy | None
) -> AddressGuard:
    if allow_private is None:
        allow_private = allow_private_from_env()
    return AddressGuard(allow_private=allow_private, resolver=resolver, is_allowed=is_allowed)


def _client_options(timeout: float, user_agent: str, kwargs: dict[str, typing.Any]) -> dict:
    return {
        "timeout": timeout,
        # Proxies from the environment would connect on our behalf, past the guard.
        "trust_env": False,
        # Callers follow redirects themselves (lib/redirects.py), checking every hop.
        "follow_redirects": False,
        **kwargs,
        "headers": {"User-Agent": user_agent, **kwargs.get("headers", {})},
    }


@functools.cache
def _default_tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes ~20 ms; a crawler makes clients often, so once will do.
    return ssl.create_default_context()


def _tls_context(verify: ssl.SSLContext | bool) -> ssl.SSLContext:
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify:
        return _default_tls_context()
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def make_client(
    *,
    allow_private: bool | None = None,
    timeout: float = 20.0,
    user_agent: str = DEFAULT_USER_AGENT,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver | None = None,
    is_allowed: AddressPolicy | None = None,
    verify: ssl.SSLContext | bool = True,
    **kwargs: typing.Any,
) -> httpx.Client:
    """An httpx.Client for untrusted URLs.

    allow_private=None reads AIRWAVES_ALLOW_PRIVATE_URLS. `transport` (e.g. an
    httpx.MockTransport) is used as is, without the guard. `resolver` replaces DNS and
    `is_allowed` replaces the public-address policy (and allow_private); both exist for
    tests. `verify` is passed to the transport (an SSLContext trusting a test CA, say).
    """
    if transport is None:
        guard = _guard(allow_private, resolver, is_allowed)
        transport = HTTP1Transport(guard, _tls_context(verify))
    return httpx.Client(transport=transport, **_client_options(timeout, user_agent, kwargs))


def make_async_client(
    *,
    allow_private: bool | None = None,
    timeout: float = 20.0,
    user_agent: str = DEFAULT_USER_AGENT,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
    is_allowed: AddressPolicy | None = None,
    verify: ssl.SSLContext | bool = True,
    **kwargs: typing.Any,
) -> httpx.AsyncClient:
    """The async twin of make_client."""
    if transport is None:
        transport = make_async_transport(
            allow_private=allow_private, resolver=resolver, is_allowed=is_allowed, verify=verify
        )
    return httpx.AsyncClient(transport=transport, **_client_options(timeout, user_agent, kwargs))


def make_async_transport(
    *,
    allow_private: bool | None = None,
    resolver: Resolver | None = None,
    is_allowed: AddressPolicy | None = None,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncBaseTransport:
    """The guarded transport under make_async_client, for callers that build their own
    requests (the crawler: it follows redirects itself and keeps no cookies). Requests
    sent through it carry only the headers and timeouts the caller gives them."""
    guard = _guard(allow_private, resolver, is_allowed)
    return AsyncHTTP1Transport(guard, _tls_context(verify))
