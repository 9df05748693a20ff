"""Following redirects by hand, one checked hop at a time.

The clients of lib/net.py never follow redirects: the callers that do (the crawler's
fetch, sync and async, and radio stream resolving) follow them here, so that the hop
limit, the check of every hop's URL and the recording of permanent redirects are one
piece of code:

    chain = RedirectChain(url, max_redirects=5, allow_private=False)
    target = chain.start()                      # the first URL, checked
    while True:
        response = send(target)
        target = chain.next(response.status_code, response.headers.get("Location", ""))
        if target is None:
            break                               # `response` is the answer, from chain.url
        response.close()

Each hop's URL goes through guard.check_url before it is returned (another scheme, no
host, or an IP-literal host that is not public is refused before any connection); the
guarded transport then checks the addresses a name resolves to while connecting.

Errors, each with a one-line message naming the URLs involved:

    RedirectError(Exception)
        MissingLocationError        a redirect status without a Location
        RedirectLoopError           a hop leads back to a URL already visited
        TooManyRedirectsError       more than max_redirects hops
    guard.UnsupportedURLError       a hop to another scheme, or a Location that is no URL
    guard.BlockedAddressError       a hop to a non-public IP literal (unless allowed)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from airwaves.lib.guard import UnsupportedURLError, check_url, shorten

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECT_STATUSES = frozenset({301, 308})


class RedirectError(Exception):
    """A redirect we will not follow."""


class MissingLocationError(RedirectError):
    """A redirect status without a Location header."""


class RedirectLoopError(RedirectError):
    """A hop leads back to a URL already visited."""


class TooManyRedirectsError(RedirectError):
    """More hops than the chain allows."""


def without_fragment(url: str) -> str:
    # Hop targets are normalised by httpx (see next), so a plain cut is enough to
    # recognise a URL seen before.
    return url.partition("#")[0]


@dataclass
class RedirectChain:
    """The hops of one fetch so far: where it is now, where it has been, and where a
    chain of permanent redirects from the start leads."""

    url: str
    max_redirects: int = 5
    # Passed to check_url for every hop; a caller whose client's guard decides on
    # addresses itself may pass True and still have schemes and hosts checked.
    allow_private: bool = False
    hops: int = 0
    # "" unless the chain began with permanent redirects (301/308): then the URL after
    # the last consecutive permanent hop from the start, which a feed should move to.
    permanent_url: str = ""
    _only_permanent: bool = True
    _visited: set[str] = field(default_factory=set)

    def start(self) -> httpx.URL:
        """The first URL to request, checked and parsed."""
        self.url = self.url.strip()
        parsed = check_url(self.url, allow_private=self.allow_private)
        self._visited.add(without_fragment(self.url))
        return parsed

    def next(self, status: int, location: str) -> httpx.URL | None:
        """The URL to request next, checked and parsed, if `status` is a redirect we
        follow; None if the response is the answer. Raises if it is a redirect we refuse."""
        if status not in REDIRECT_STATUSES:
            return None
        location = location.strip()
        if not location:
            raise MissingLocationError(f"HTTP {status} redirect without a Location from {self.url}")
        try:
            target = str(httpx.URL(self.url).join(location))
        except httpx.InvalidURL as exc:
            # check_url says why in the words it uses for any URL (an octal IP literal is
            # a refused address, not just a malformed URL); else, the parser's reason.
            try:
                joined = urljoin(self.url, location)
            except ValueError:  # "Invalid IPv6 URL"
                joined = ""
            if joined:
                check_url(joined, allow_private=self.allow_private)
            raise UnsupportedURLError(
                f"refused redirect from {self.url} to {shorten(location)!r}: {exc}"
            ) from exc
        if httpx.URL(target).scheme not in ("http", "https"):
            raise UnsupportedURLError(
                f"refused redirect from {self.url} to {shorten(target)}: "
                "only http and https URLs can be fetched"
            )
        key = without_fragment(target)
        if key in self._visited:
            raise RedirectLoopError(f"redirect loop: {self.url} leads back to {target}")
        if self.hops >= self.max_redirects:
            raise TooManyRedirectsError(
                f"more than {self.max_redirects} redirects, last to {target}"
            )
        parsed = check_url(target, allow_private=self.allow_private)
        self._visited.add(key)
        self.hops += 1
        if self._only_permanent and status in PERMANENT_REDIRECT_STATUSES:
            self.permanent_url = target
        else:
            self._only_permanent = False
        self.url = target
        return parsed
