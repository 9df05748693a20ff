"""Counts the directory's pages show, kept up to date by database triggers.

The crawler writes episodes with plain SQL and listeners' hearts and plays come through
the website and the gPodder API, so the counts are kept where every one of those writes
passes: triggers on the tables themselves (migration 0005, one set for SQLite and one for
PostgreSQL). Pages read the counts and never count rows:

- Podcast.episode_count and Podcast.latest_episode_at, from the episode table;
- Category.show_count (shows in the category or a subcategory, each once), from the
  show-category table;
- Total.listed_shows() (shows that are titled and not merged), from the show table;
- Podcast.trending_score and ShowActivity, from hearts and play actions (trending.py).

`recount()` computes every one of them from the rows, for a database filled before the
triggers existed; tests compare it with what the triggers kept.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from airwaves.podcasts.models import LISTED_SHARDS

# Publish dates further ahead than this are not a show's "latest episode" (a feed's
# scheduled or mistyped dates would otherwise hold the top of "recently updated").
FUTURE_SLACK = timedelta(days=1)


def recount() -> None:
    """Sets every kept count from the rows it counts."""
    latest_limit = timezone.now() + FUTURE_SLACK
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE podcasts_podcast SET"
            " episode_count = (SELECT count(*) FROM podcasts_episode e"
            "  WHERE e.podcast_id = podcasts_podcast.id),"
            " latest_episode_at = (SELECT max(e.published_at) FROM podcasts_episode e"
            "  WHERE e.podcast_id = podcasts_podcast.id AND e.published_at <= %s),"
            " trending_score = COALESCE((SELECT sum(a.score) FROM podcasts_showactivity a"
            "  WHERE a.podcast_id = podcasts_podcast.id), 0)",
            [latest_limit],
        )
        cursor.execute(
            "UPDATE podcasts_category SET show_count = ("
            " SELECT count(DISTINCT m.podcast_id) FROM podcasts_podcast_categories m"
            " JOIN podcasts_category k ON k.id = m.category_id"
            " WHERE k.id = podcasts_category.id OR k.parent_id = podcasts_category.id)"
        )
        cursor.execute("DELETE FROM podcasts_total WHERE name LIKE 'listed_shows/%'")
        cursor.execute(
            "INSERT INTO podcasts_total (name, value)"
            f" SELECT 'listed_shows/' || (id % {LISTED_SHARDS}), count(*)"
            " FROM podcasts_podcast WHERE title <> '' AND moved_to_id IS NULL"
            f" GROUP BY id % {LISTED_SHARDS}"
        )
