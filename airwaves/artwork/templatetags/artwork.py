"""`{% artwork_thumbnail src width as art %}`: our thumbnail URLs for a publisher's image
URL, computed from the URL alone (no query); `{{ url|thumbnail:160 }}` for one JPEG."""

from __future__ import annotations

from django import template

from airwaves.artwork.keys import DEFAULT_WIDTH, ThumbnailURLs, thumbnail_urls

register = template.Library()


def _width(value: object) -> int:
    try:
        width = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return DEFAULT_WIDTH
    return width if width > 0 else DEFAULT_WIDTH


@register.simple_tag
def artwork_thumbnail(src: object, width: object = DEFAULT_WIDTH) -> ThumbnailURLs | None:
    if not src or not isinstance(src, str):
        return None
    return thumbnail_urls(src, _width(width))


@register.filter
def thumbnail(src: object, width: object = DEFAULT_WIDTH) -> str:
    """The JPEG thumbnail at least twice `width` wide ("" without an image), for places
    that take one URL: the player's lock-screen artwork, og:image."""
    if not src or not isinstance(src, str):
        return ""
    return thumbnail_urls(src, _width(width)).jpeg
