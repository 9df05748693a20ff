"""The parsed feed as JSON, for `airwaves parse --json`, and the checks a podcaster wants.

The document is built from the dataclasses in crawler/types.py field by field, so a field
added there appears in the output with no change here; docs/feed-json.md describes each.
Besides what the parser itself noted (`ParsedFeed.warnings`: items left out, repaired XML),
`lint_feed` lists what apps and directories will get wrong about the feed.
"""

from __future__ import annotations

import dataclasses
import json
import operator
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from airwaves.crawler.errors import CrawlError
from airwaves.crawler.types import ParsedEpisode, ParsedFeed

# Bookkeeping for refreshes (item digests), not something the feed says.
_INTERNAL_FIELDS = frozenset({"fingerprint", "unchanged"})

# Apple Podcasts refuses show artwork smaller than this (square, in pixels).
APPLE_MIN_IMAGE_PIXELS = 1400

# A date a little ahead is a clock or a time zone off; past this it is a mistake (or an
# episode scheduled in the feed before its audio is out, which apps show anyway).
FUTURE_TOLERANCE = timedelta(days=1)

# Each kind of problem names at most this many episodes, so a 10,000-item feed with the
# same mistake everywhere gives one readable line, not 10,000.
_EXAMPLES = 3


def json_default(value: Any) -> Any:
    """What json.dumps cannot write itself, one level down: a dataclass as an object of
    its fields (without internal ones), a datetime as ISO 8601 in UTC, a set as a list,
    anything else as its str(). json.dumps calls it for each such value it meets, so a
    feed is written in one pass without a converted copy of it (a 10,000-episode feed is
    about a million values)."""
    read = _READERS.get(type(value))
    if read is not None:
        return read(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _reader(type(value))(value)
    if isinstance(value, set | frozenset):
        return list(value)
    return str(value)


# Per dataclass, a function giving its document: its fields are listed once per class
# and read with one call.
_READERS: dict[type, Callable[[Any], dict[str, Any]]] = {}


def _reader(kind: type) -> Callable[[Any], dict[str, Any]]:
    names = tuple(f.name for f in dataclasses.fields(kind) if f.name not in _INTERNAL_FIELDS)
    if len(names) == 1:
        name = names[0]
        read: Callable[[Any], dict[str, Any]] = lambda value: {name: getattr(value, name)}  # noqa: E731
    else:
        values = operator.attrgetter(*names)
        read = lambda value: dict(zip(names, values(value), strict=True))  # noqa: E731
    _READERS[kind] = read
    return read


def to_json(value: Any) -> Any:
    """`value` as plain JSON values (dicts, lists, str, numbers, bools, None), converted
    as json_default does."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return to_json(json_default(value))


def _shallow_document(source: str, feed: ParsedFeed, now: datetime | None) -> dict[str, Any]:
    document: dict[str, Any] = {"source": source}
    document.update(json_default(feed))
    document["warnings"] = [*feed.warnings, *lint_feed(feed, now)]
    return document


def feed_document(source: str, feed: ParsedFeed, now: datetime | None = None) -> dict[str, Any]:
    """One line of `airwaves parse --json`, as plain values: the source, then the feed's
    fields."""
    return to_json(_shallow_document(source, feed, now))


# orjson writes dataclasses itself, far faster than json.dumps calls json_default for
# them; datetimes are left to json_default, so they read as they always did.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def feed_line(source: str, feed: ParsedFeed, now: datetime | None = None) -> bytes:
    """feed_document as the line `airwaves parse --json` prints: compact JSON in UTF-8,
    without its newline."""
    document = _shallow_document(source, feed, now)
    # The episodes are the dataclasses with internal fields, which orjson would write.
    document["episodes"] = [json_default(episode) for episode in feed.episodes]
    try:
        return orjson.dumps(document, default=json_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        # What orjson refuses (a lone surrogate, an integer past 64 bits), the json module
        # writes, in the same compact form.
        return compact_json(document).encode("utf-8", "backslashreplace")


def compact_json(document: Any) -> str:
    """A document as json.dumps writes it with no spaces between tokens, as orjson does."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=json_default)


def error_document(source: str, error: BaseException, kind: str = "") -> dict[str, Any]:
    """The line of a source that failed. Its `type` is `kind` when given ("SourceError":
    the source could not be read at all), else the CrawlError subclass (errors.py), else
    "InternalError": a bug, which costs that source only."""
    if kind:
        message = str(error)
    elif isinstance(error, CrawlError):
        kind, message = type(error).__name__, str(error)
    else:
        kind, message = "InternalError", f"{type(error).__name__}: {error}"
    return {"source": source, "error": {"type": kind, "message": message}}


def lint_feed(feed: ParsedFeed, now: datetime | None = None) -> list[str]:
    """What a podcaster should fix: each a sentence naming the problem and its cure."""
    now = now or datetime.now(UTC)
    warnings: list[str] = []
    untyped = [e for e in feed.episodes if e.enclosure_url and not e.enclosure_type]
    if untyped:
        warnings.append(
            f"{_count(untyped)} an enclosure without a type ({_titles(untyped)}): "
            'add type="audio/mpeg" (or the file\'s type) so apps know it is playable'
        )
    guids = Counter(e.guid for e in feed.episodes if e.guid)
    shared = [guid for guid, count in guids.items() if count > 1]
    if shared:
        examples = ", ".join(_quoted(g) for g in shared[:_EXAMPLES])
        more = f" and {len(shared) - _EXAMPLES:,} more" if len(shared) > _EXAMPLES else ""
        warnings.append(
            f"{len(shared):,} GUID(s) used by more than one episode ({examples}{more}): "
            "apps keep only one of them; give every episode its own guid"
        )
    limit = now + FUTURE_TOLERANCE
    future = [e for e in feed.episodes if e.published and e.published > limit]
    if future:
        warnings.append(
            f"{_count(future)} a publication date in the future ({_titles(future)}): "
            "apps sort them first or hide them until then"
        )
    size = [n for n in (feed.image_width, feed.image_height) if n]
    if size and min(size) < APPLE_MIN_IMAGE_PIXELS:
        shape = "×".join(str(n) for n in size)
        warnings.append(
            f"the show's image is {shape} px: Apple Podcasts requires at least "
            f"{APPLE_MIN_IMAGE_PIXELS}×{APPLE_MIN_IMAGE_PIXELS} (add an itunes:image that size)"
        )
    return warnings


def _count(episodes: list[ParsedEpisode]) -> str:
    return "1 episode has" if len(episodes) == 1 else f"{len(episodes):,} episodes have"


def _titles(episodes: list[ParsedEpisode]) -> str:
    names = ", ".join(_quoted(e.title or e.guid or e.enclosure_url) for e in episodes[:_EXAMPLES])
    more = len(episodes) - _EXAMPLES
    return f"{names} and {more:,} more" if more > 0 else names


def _quoted(text: str) -> str:
    return f'"{text[:80]}"'
