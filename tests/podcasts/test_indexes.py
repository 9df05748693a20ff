"""The episodes table keeps only the indexes its queries use: at 10,000,000 episodes
each index is a gigabyte or more, and every stored episode writes to all of them."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_an_episode_slug_is_indexed_only_with_its_show():
    # Every look-up by slug names the show too (the page, the API, the share card), which
    # the unique (podcast, slug) constraint serves; an index of the slug alone (and, on
    # PostgreSQL, its LIKE twin) would only be written.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "podcasts_episode")
    slug_alone = [
        name
        for name, about in constraints.items()
        if about["columns"] == ["slug"] and (about["index"] or about["unique"])
    ]
    assert slug_alone == []
    assert any(
        about["columns"] == ["podcast_id", "slug"] and about["unique"]
        for about in constraints.values()
    )
