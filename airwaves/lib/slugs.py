"""Readable, unique, length-bounded slugs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MAX_WORDS_LENGTH = 80


def slugify(text: str, max_length: int = MAX_WORDS_LENGTH) -> str:
    """ASCII slug cut at a word boundary: "My new book - Root cause" -> "my-new-book-root-cause"."""
    text = re.sub(r"(?<=\w)['’](?=\w)", "", text)  # "keeper's" -> "keepers"
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:max_length]
    return slug.strip("-")


def unique_slug(text: str, taken: Callable[[str], bool], fallback: str = "item") -> str:
    """The slug of `text`, with -2, -3, ... appended until `taken(slug)` is False."""
    base = slugify(text) or fallback
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate
