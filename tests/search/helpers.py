"""Rows for the search tests, written through the ORM like the rest of the site."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from airwaves.podcasts.models import Podcast

_numbers = itertools.count(1)


def make_show(title: str = "A Show", **fields) -> Podcast:
    n = next(_numbers)
    fields.setdefault("slug", f"show-{n}")
    return Podcast.objects.create(
        title=title, feed_url=f"https://feeds.example.org/{n}.xml", **fields
    )


def make_episode(show: Podcast, title: str, *, published: str = "2026-01-01", **fields):
    n = next(_numbers)
    return show.episodes.create(
        title=title,
        slug=f"episode-{n}",
        guid=f"guid-{n}",
        published_at=datetime.fromisoformat(published).replace(tzinfo=UTC),
        **fields,
    )
