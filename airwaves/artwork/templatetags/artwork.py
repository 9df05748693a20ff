"""`{% artwork src alt width size %}`: a picture of our thumbnails for a publisher's image
URL, or a lettered placeholder; `{% artwork_thumbnail src width as art %}`: the thumbnail
URLs alone, computed from the URL (no query); `{{ url|thumbnail:160 }}` for one JPEG."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

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


@register.simple_tag
def artwork(
    src: object, alt: object = "", width: object = DEFAULT_WIDTH, size: object = ""
) -> SafeString:
    """The artwork of a row, a grid or a page: our WebP and JPEG thumbnails at least twice
    `width` wide, or a placeholder with alt's first letter where there is no image. (A
    tag, not an included template: a page of listings shows a hundred of them. It ends
    with the line break the template it replaced ended with.)"""
    alt = "" if alt is None else str(alt)
    size = size or ""
    art = artwork_thumbnail(src, width)
    if art:
        return format_html(
            '<picture class="artwork-picture"><source type="image/webp" srcset="{}">'
            '<img class="artwork {}" src="{}" alt="{}" loading="lazy" decoding="async" '
            'width="{}" height="{}"></picture>\n',
            art.webp,
            size,
            art.jpeg,
            alt,
            art.width,
            art.width,
        )
    return format_html(
        '<div class="artwork placeholder {}" role="img" aria-label="{}"><span>{}</span></div>\n',
        size,
        alt,
        alt[:1].upper(),
    )
