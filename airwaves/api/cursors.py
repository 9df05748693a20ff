"""Opaque `next` cursors for keyset pagination.

A cursor holds the sort key of the last row of a page (and the list it belongs to),
signed so that it cannot be forged into something else: the next page starts after that
key, read off the same index as the first, so it costs the same wherever it is and stays
stable while rows are inserted (a new row lands before or after the key, never shifting
what follows). No list is paged with OFFSET over the catalogue; search alone pages by
position, within the CANDIDATES matches the engine ranks (search/engine.py).
"""

from __future__ import annotations

from datetime import datetime

from django.core import signing

from airwaves.api.errors import ApiError

SALT = "airwaves.api.cursor"
MAX_CURSOR_CHARS = 512


def encode(list_name: str, *key) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    return signing.dumps([list_name, values], salt=SALT, compress=True)


def decode(cursor: str | None, list_name: str) -> list | None:
    """The key a cursor holds, or None without one; ApiError for anything else."""
    if not cursor:
        return None
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise signing.BadSignature
        name, values = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise ApiError(
            400,
            "invalid_cursor",
            "This cursor was not made by this list: pass the `next` value of the previous "
            "page as it was, or leave it out to start from the first page.",
            "cursor",
        ) from None
    if name != list_name or not isinstance(values, list):
        raise ApiError(400, "invalid_cursor", "This cursor belongs to another list.", "cursor")
    return values


def as_datetime(value) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
