"""Keyset pages: the rows after a cursor's key, and the cursor after a page."""

from __future__ import annotations

from django.db.models import Q

from airwaves.api import cursors

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def after(fields: tuple[str, ...], key: list) -> Q:
    """Rows after `key` in the order of `fields` (each "-name" for descending), the
    last field unique: (a < x) OR (a = x AND b < y) for ("-a", "-b")."""
    condition = Q()
    equal = Q()
    for field, value in zip(fields, key, strict=True):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{op}": value})
        equal &= Q(**{name: value})
    return condition


def page(rows, list_name: str, fields: tuple[str, ...], cursor: str | None, limit: int):
    """(the page's rows, the next cursor or None) for a queryset with no ordering yet."""
    key = cursors.decode(cursor, list_name)
    if key is not None:
        if len(key) != len(fields):
            raise cursors_error()
        key = [
            cursors.as_datetime(v) if _is_time(f) else v for f, v in zip(fields, key, strict=True)
        ]
        rows = rows.filter(after(fields, key))
    found = list(rows.order_by(*fields)[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    following = None
    if more:
        last = found[-1]
        following = cursors.encode(list_name, *(getattr(last, f.lstrip("-")) for f in fields))
    return found, following


def _is_time(field: str) -> bool:
    return field.lstrip("-").endswith("_at")


def cursors_error():
    from airwaves.api.errors import ApiError

    return ApiError(400, "invalid_cursor", "This cursor belongs to another list.", "cursor")
