"""Podcast and episode URLs as the sync API stores them. No Django here.

Clients name podcasts and episodes by URL, and each app writes the same URL a little
differently: stray whitespace, upper-case schemes and hosts, explicit default ports,
podcast-app schemes (feed://, itpc://), and AntennaPod's `%3A` for a colon. They are
rewritten the way gpodder.net does, so one show is one URL, and the client is told of
every rewrite in `update_urls`. URLs that are not http(s) (AntennaPod's local folders,
content:// files) cannot be fetched by anybody else and are left out, and reported.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from airwaves.listeners.opml import feed_url

# Podcast.feed_url and EpisodeAction's URL columns hold this much.
MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}


def sanitize_url(raw: str) -> str | None:
    """The URL as stored, or None when it is not an http(s) URL we can keep."""
    if len(raw) > 2 * MAX_URL_LENGTH:
        return _sanitize(raw)  # kept out of the cache, which would keep it alive
    return _sanitize_cached(raw)


def _sanitize(raw: str) -> str | None:
    url = feed_url(raw.strip())
    if not url or len(url) > MAX_URL_LENGTH or any(ord(c) < 0x20 for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not hostname:
        return None
    netloc = hostname if ":" not in hostname else f"[{hostname}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    if "@" in parts.netloc:
        # Lower case, as the directory stores feed URLs (podcasts/feeds.py).
        netloc = parts.netloc.rsplit("@", 1)[0].lower() + "@" + netloc
    path = parts.path.replace("%3A", ":").replace("%3a", ":")
    # The fragment never reaches the server that serves the feed.
    return urlunsplit((scheme, netloc, path, parts.query, ""))


# An upload names the same few podcast URLs again and again (30 actions of one show).
_sanitize_cached = lru_cache(maxsize=4096)(_sanitize)
