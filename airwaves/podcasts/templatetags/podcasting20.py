"""Filters for the Podcasting 2.0 tags stored as JSON (Podcast.p20, Episode.p20)."""

from __future__ import annotations

from datetime import datetime

from django import template

register = template.Library()

# The order a show's live items are listed in: on air first, then announced, then over.
_LIVE_ORDER = {"live": 0, "pending": 1, "ended": 2}
ENDED_LISTED = 5


@register.filter
def stored_datetime(value: object) -> datetime | None:
    """An ISO 8601 string from a p20 column as a datetime (None when unreadable)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@register.filter
def live_items(p20: object) -> list[dict]:
    """A show's live items to list: live, then pending (soonest first), then the
    latest few that ended."""
    items = p20.get("live_items") if isinstance(p20, dict) else None
    if not isinstance(items, list):
        return []
    known = [i for i in items if isinstance(i, dict) and i.get("status") in _LIVE_ORDER]
    known.sort(key=lambda i: (_LIVE_ORDER[i["status"]], str(i.get("start", ""))))
    ended = [i for i in known if i["status"] == "ended"][::-1][:ENDED_LISTED]
    return [i for i in known if i["status"] != "ended"] + ended


@register.filter
def people_of(episode: object, podcast: object) -> list[dict]:
    """An episode's people, else its show's (the spec: channel people apply to every
    item that names none); the show's alone where there is no episode."""
    for owner in (episode, podcast):
        p20 = getattr(owner, "p20", None)
        people = p20.get("persons") if isinstance(p20, dict) else None
        if people:
            return people
    return []
