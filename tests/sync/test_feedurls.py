from __future__ import annotations

import pytest

from airwaves.sync.feedurls import sanitize_url


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("https://example.org/feed.xml", "https://example.org/feed.xml"),
        ("  https://example.org/feed.xml\n", "https://example.org/feed.xml"),
        ("HTTPS://Example.ORG/Feed.xml", "https://example.org/Feed.xml"),
        ("http://example.org:80/feed", "http://example.org/feed"),
        ("https://example.org:443/feed", "https://example.org/feed"),
        ("https://example.org:8443/feed", "https://example.org:8443/feed"),
        ("feed://example.org/feed", "http://example.org/feed"),
        ("itpc://example.org/feed", "http://example.org/feed"),
        ("https://example.org/a%3Ab", "https://example.org/a:b"),
        ("https://example.org/feed#top", "https://example.org/feed"),
        ("https://example.org/feed?id=1&x=2", "https://example.org/feed?id=1&x=2"),
        ("https://User:Pw@Example.org/private", "https://user:pw@example.org/private"),
    ],
)
def test_it_normalises_urls_the_way_gpodder_does(raw, stored):
    assert sanitize_url(raw) == stored


def test_long_urls_are_kept():
    url = "https://example.org/" + "a" * 900
    assert sanitize_url(url) == url


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "antennapod_local:content://com.android.externalstorage.documents/tree/x",
        "file:///sdcard/podcasts",
        "content://media/external/audio/1",
        "ftp://example.org/feed",
        "https://",
        "https://example.org:99999/feed",
        "https://example.org/" + "a" * 3000,
        "https://example.org/\x00",
    ],
)
def test_what_nobody_else_can_fetch_is_left_out(raw):
    assert sanitize_url(raw) is None
