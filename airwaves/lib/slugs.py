"""Readable, unique, length-bounded slugs.

Many items share a title ("Untitled episode", "Bonus", a show's name on every episode):
finding a free slug must not cost more as a title repeats. `SlugSet` (all taken slugs
known, one podcast's episodes) gives each new slug in constant time; `unique_slug`
(taken slugs asked one at a time, a database lookup each) asks about 2·log2(n) times
for the n-th copy of a title, not n times.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

MAX_WORDS_LENGTH = 80

_NUMBERED = re.compile(r"(.+)-([0-9]{1,9})")


def slugify(text: str, max_length: int = MAX_WORDS_LENGTH) -> str:
    """ASCII slug cut at a word boundary: "My new book - Root cause" -> "my-new-book-root-cause"."""
    text = re.sub(r"(?<=\w)['’](?=\w)", "", text)  # "keeper's" -> "keepers"
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:max_length]
    return slug.strip("-")


def numbered(base: str, n: int) -> str:
    """The n-th slug of a base: "base", "base-2", "base-3", ..."""
    return base if n == 1 else f"{base}-{n}"


def unique_slug(
    text: str,
    taken: Callable[[str], bool],
    fallback: str = "item",
    max_length: int = MAX_WORDS_LENGTH,
) -> str:
    """The slug of `text`, numbered (-2, -3, ...) when `taken(slug)` says it is in use.

    Galloping search: it asks about base, -2, -4, -8, ... until one is free, then
    halves the gap between the last taken and the first free. Where the numbers in use
    run without gaps (the usual case) the answer is the same as trying -2, -3, ... in
    turn; where there are gaps it is a free number inside one."""
    base = slugify(text, max_length) or fallback
    if not taken(base):
        return base
    low, high = 1, 2  # invariant: numbered(low) is taken, numbered(high) is free
    while taken(numbered(base, high)):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        if taken(numbered(base, middle)):
            low = middle
        else:
            high = middle
    return numbered(base, high)


class SlugSet:
    """Unique slugs among a set of slugs known in full, each new one in constant time
    however many share a title: per base, the next number to try is remembered."""

    def __init__(self, taken: Iterable[str], fallback: str = "item") -> None:
        self._taken = set(taken)
        self._fallback = fallback
        # Per base, the highest number seen in use; read from the taken slugs at the
        # first repeated title only, since most stores never repeat one.
        self._highest: dict[str, int] | None = None

    def __contains__(self, slug: str) -> bool:
        return slug in self._taken

    def add(self, text: str) -> str:
        """A free slug for `text`, which is then taken."""
        base = slugify(text) or self._fallback
        if base not in self._taken:
            self._taken.add(base)
            return base
        if self._highest is None:
            self._highest = highest_numbers(self._taken)
        n = self._highest.get(base, 1) + 1
        # Numbers taken since (a title that slugifies to "base-7") are skipped here.
        while numbered(base, n) in self._taken:
            n += 1
        self._highest[base] = n
        slug = numbered(base, n)
        self._taken.add(slug)
        return slug


def highest_numbers(slugs: Iterable[str]) -> dict[str, int]:
    """{"base": the highest n of the "base-n" slugs among `slugs`}."""
    highest: dict[str, int] = {}
    for slug in slugs:
        match = _NUMBERED.fullmatch(slug)
        if match is not None:
            base, n = match.group(1), int(match.group(2))
            if n > highest.get(base, 1):
                highest[base] = n
    return highest
