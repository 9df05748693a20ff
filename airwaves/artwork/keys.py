"""The public name of an image: derived from its URL alone, so that a template can
write a thumbnail's address without a database query, and a page showing fifty shows
costs no more than one showing none.

The key is a keyed BLAKE2b digest of the URL exactly as stored (`image_url`, `favicon`).
The key is a constant, not the site's secret: it names this scheme (a new scheme gets
a new constant, so a change of thumbnails gets new URLs), and it must not change when an
operator rotates AIRWAVES_SECRET_KEY, or every stored thumbnail would be orphaned.
The URL is public anyway (it is in the feed); the digest only keeps it out of our paths.
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

from airwaves.artwork.images import SHARE_SIZE, SIZES

SCHEME = b"airwaves-artwork-1"
KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")
DEFAULT_WIDTH = 160


def artwork_key(url: str) -> str:
    return hashlib.blake2b(
        url.encode("utf-8", "surrogatepass"), key=SCHEME, digest_size=16
    ).hexdigest()


def size_for(width: int) -> int:
    """The smallest stored size at least twice `width` (HiDPI screens), else the largest."""
    for size in SIZES:
        if size >= 2 * width:
            return size
    return SIZES[-1]


class ThumbnailURLs(NamedTuple):
    webp: str
    jpeg: str
    size: int  # of the stored image, in pixels
    width: int  # as displayed, in CSS pixels (the <img> width and height)


def thumbnail_urls(url: str, width: int = DEFAULT_WIDTH) -> ThumbnailURLs:
    key = artwork_key(url)
    size = size_for(width)
    base = f"/artwork/{key}/{size}"
    return ThumbnailURLs(f"{base}.webp", f"{base}.jpg", size, width)


def share_image_url(url: str) -> str:
    """The JPEG of at least 1200 px that link previews (og:image, twitter:image) show."""
    return f"/artwork/{artwork_key(url)}/{SHARE_SIZE}.jpg"
