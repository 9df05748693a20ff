"""The one redirect follower (lib/redirects.py), hop by hop, without a network.

The crawler's fetch and radio stream resolving follow real redirects through it in
tests/crawler/test_fetch.py and tests/radio/test_streams.py."""

from __future__ import annotations

import pytest

from airwaves.lib.guard import BlockedAddressError, UnsupportedURLError
from airwaves.lib.redirects import (
    MissingLocationError,
    RedirectChain,
    RedirectLoopError,
    TooManyRedirectsError,
)


def follow(chain: RedirectChain, *hops: tuple[int, str]) -> list[str | None]:
    """The URL each hop leads to (None for an answer), starting the chain first."""
    chain.start()
    out: list[str | None] = []
    for status, location in hops:
        target = chain.next(status, location)
        out.append(None if target is None else str(target))
    return out


def test_relative_and_absolute_locations_are_joined_to_the_current_url() -> None:
    chain = RedirectChain("https://feeds.example/show/feed")
    assert follow(chain, (302, "rss.xml"), (307, "/v2/rss.xml"), (301, "//cdn.example/x")) == [
        "https://feeds.example/show/rss.xml",
        "https://feeds.example/v2/rss.xml",
        "https://cdn.example/x",
    ]
    assert chain.url == "https://cdn.example/x"
    assert chain.hops == 3


@pytest.mark.parametrize("status", [200, 204, 300, 304, 305, 404, 500])
def test_other_statuses_are_the_answer(status: int) -> None:
    chain = RedirectChain("https://feeds.example/feed")
    assert follow(chain, (status, "https://elsewhere.example/")) == [None]
    assert (chain.url, chain.hops) == ("https://feeds.example/feed", 0)


def test_permanent_hops_from_the_start_set_the_permanent_url() -> None:
    chain = RedirectChain("https://a.example/")
    follow(chain, (301, "https://b.example/"), (308, "https://c.example/"), (200, ""))
    assert chain.permanent_url == "https://c.example/"


def test_the_permanent_url_stops_at_the_first_temporary_hop() -> None:
    chain = RedirectChain("https://a.example/")
    follow(chain, (301, "https://b.example/"), (302, "https://c.example/"), (301, "/d"))
    assert chain.permanent_url == "https://b.example/"
    temporary_first = RedirectChain("https://a.example/")
    follow(temporary_first, (307, "https://b.example/"), (301, "https://c.example/"))
    assert temporary_first.permanent_url == ""


def test_the_hop_limit_allows_exactly_max_redirects() -> None:
    chain = RedirectChain("https://a.example/0", max_redirects=3)
    follow(chain, (302, "/1"), (302, "/2"), (302, "/3"))
    with pytest.raises(TooManyRedirectsError, match=r"^more than 3 redirects, last to .*/4$"):
        chain.next(302, "/4")


def test_a_loop_is_refused_even_through_a_fragment() -> None:
    chain = RedirectChain("https://a.example/feed")
    follow(chain, (302, "/other"))
    with pytest.raises(
        RedirectLoopError, match=r"^redirect loop: .*/other leads back to .*/feed#x$"
    ):
        chain.next(301, "/feed#x")


@pytest.mark.parametrize("location", ["", "   "])
def test_a_redirect_without_a_location_is_refused(location: str) -> None:
    chain = RedirectChain("https://a.example/feed")
    chain.start()
    with pytest.raises(MissingLocationError, match="HTTP 302 redirect without a Location from"):
        chain.next(302, location)


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "ftp://a.example/x", "javascript:alert(1)", "gopher://a.example/"],
)
def test_a_hop_to_another_scheme_is_refused(location: str) -> None:
    chain = RedirectChain("https://a.example/feed")
    chain.start()
    with pytest.raises(UnsupportedURLError, match="only http and https URLs can be fetched"):
        chain.next(302, location)


@pytest.mark.parametrize("location", ["http://[::1/x", "http://a.example:port/", "h" * 70_000])
def test_a_location_that_is_no_url_is_refused_briefly(location: str) -> None:
    chain = RedirectChain("https://a.example/feed")
    chain.start()
    with pytest.raises(UnsupportedURLError, match="^refused ") as raised:
        chain.next(302, location)
    assert len(str(raised.value)) < 500  # a hostile Location is not echoed whole


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/",
        "http://2130706433/",
        "http://0177.0.0.1/",
    ],
)
def test_a_hop_to_a_private_literal_is_refused_unless_allowed(location: str) -> None:
    chain = RedirectChain("https://a.example/feed")
    chain.start()
    with pytest.raises(BlockedAddressError, match="AIRWAVES_ALLOW_PRIVATE_URLS=1"):
        chain.next(302, location)
    assert chain.url == "https://a.example/feed"  # nothing was followed


@pytest.mark.parametrize("location", ["http://127.0.0.1/", "http://[::ffff:10.0.0.1]/"])
def test_allow_private_leaves_addresses_to_the_transport_guard(location: str) -> None:
    chain = RedirectChain("https://a.example/feed", allow_private=True)
    chain.start()
    assert chain.next(302, location) is not None


def test_the_first_url_is_checked_too() -> None:
    with pytest.raises(BlockedAddressError):
        RedirectChain("http://10.0.0.1/feed").start()
    with pytest.raises(UnsupportedURLError, match="only http and https"):
        RedirectChain("file:///etc/passwd").start()
    assert str(RedirectChain("  https://a.example/feed \n").start()) == "https://a.example/feed"
