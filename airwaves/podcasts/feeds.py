"""Adding feeds to the directory, for every entry point (CLI, OPML import, admin)."""

from __future__ import annotations

from urllib.parse import urlsplit

from airwaves.podcasts.models import Podcast


class InvalidFeedURL(ValueError):
    pass


def normalize_feed_url(url: str) -> str:
    """The URL as it will be stored, or InvalidFeedURL saying what is wrong with it."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as error:
        raise InvalidFeedURL(f"{url!r} is not a valid URL: {error}") from None
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        raise InvalidFeedURL(f"{url!r} is not a feed URL: it must start with http:// or https://")
    if len(url) > 2048:
        raise InvalidFeedURL("feed URLs longer than 2048 characters are not supported")
    # Scheme and host are case-insensitive; the path is not.
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def find_or_create_feed(url: str) -> tuple[Podcast, bool]:
    """The podcast for this feed URL, created (due for its first fetch) if unknown.
    Raises InvalidFeedURL."""
    url = normalize_feed_url(url)
    return Podcast.objects.get_or_create(
        feed_url=url, defaults={"slug": Podcast.placeholder_slug(url)}
    )
