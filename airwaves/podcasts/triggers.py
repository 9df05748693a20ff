"""Database triggers that keep the directory's counts (counters.py), and the indexes
Django cannot declare on both engines.

SQLite has row triggers only; PostgreSQL gets statement triggers with transition
tables where one statement writes many rows (the crawler's episode inserts, COPY, a
show's categories), so a feed of 20,000 episodes updates its show once, not 20,000
times.

They are installed after every `migrate` by lib/triggers.py, not by a migration:
SQLite rebuilds a table for many schema changes (Django's _remake_table), which
drops that table's triggers and hand-made indexes, and refuses to rename a table that
another table's trigger names. So before a migrate that has work to do the SQLite
triggers are dropped; afterwards whatever is missing is created and, if anything was,
the counts are recounted (they may have moved while the triggers were away).
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from airwaves.lib.triggers import TriggerSet
from airwaves.podcasts.counters import recount
from airwaves.podcasts.models import LISTED_SHARDS

# A listed show: fetched, titled, not merged into another feed (models.LISTED).
LISTED_NEW = "(NEW.title <> '' AND NEW.moved_to_id IS NULL)"
LISTED_OLD = "(OLD.title <> '' AND OLD.moved_to_id IS NULL)"
# The count of listed shows is kept in LISTED_SHARDS rows ("listed_shows/0", ...), a
# show's changes going to the row of its id: one row would be locked by every
# transaction that lists a show until it commits, so crawler processes storing new
# feeds at once would wait for each other.
SHARD_NEW = f"'listed_shows/' || (NEW.id % {LISTED_SHARDS})"
SHARD_OLD = f"'listed_shows/' || (OLD.id % {LISTED_SHARDS})"
SQLITE_FUTURE = "strftime('%Y-%m-%d %H:%M:%f', 'now', '+1 day')"
SQLITE_WINDOW = "date('now', '-6 days')"  # trending.TRENDING_DAYS = 7, today included

SQLITE = [
    # Episodes per show, and the show's newest publish date.
    f"""CREATE TRIGGER podcasts_episode_added AFTER INSERT ON podcasts_episode
    BEGIN
      UPDATE podcasts_podcast SET episode_count = episode_count + 1,
        latest_episode_at = CASE
          WHEN NEW.published_at IS NULL OR NEW.published_at > {SQLITE_FUTURE}
            THEN latest_episode_at
          WHEN latest_episode_at IS NULL OR NEW.published_at > latest_episode_at
            THEN NEW.published_at
          ELSE latest_episode_at END
      WHERE id = NEW.podcast_id;
    END""",
    """CREATE TRIGGER podcasts_episode_removed AFTER DELETE ON podcasts_episode
    BEGIN
      UPDATE podcasts_podcast SET episode_count = episode_count - 1 WHERE id = OLD.podcast_id;
    END""",
    f"""CREATE TRIGGER podcasts_episode_redated AFTER UPDATE OF published_at ON podcasts_episode
    WHEN NEW.published_at IS NOT NULL AND NEW.published_at <= {SQLITE_FUTURE}
    BEGIN
      UPDATE podcasts_podcast SET latest_episode_at = NEW.published_at
      WHERE id = NEW.podcast_id
        AND (latest_episode_at IS NULL OR latest_episode_at < NEW.published_at);
    END""",
    """CREATE TRIGGER podcasts_episode_moved AFTER UPDATE OF podcast_id ON podcasts_episode
    WHEN NEW.podcast_id <> OLD.podcast_id
    BEGIN
      UPDATE podcasts_podcast SET episode_count = episode_count - 1 WHERE id = OLD.podcast_id;
      UPDATE podcasts_podcast SET episode_count = episode_count + 1 WHERE id = NEW.podcast_id;
    END""",
    # Listed shows in the directory.
    f"""CREATE TRIGGER podcasts_show_listed AFTER INSERT ON podcasts_podcast WHEN {LISTED_NEW}
    BEGIN
      INSERT INTO podcasts_total (name, value) VALUES ({SHARD_NEW}, 1)
      ON CONFLICT (name) DO UPDATE SET value = value + 1;
    END""",
    f"""CREATE TRIGGER podcasts_show_unlisted AFTER DELETE ON podcasts_podcast WHEN {LISTED_OLD}
    BEGIN
      INSERT INTO podcasts_total (name, value) VALUES ({SHARD_OLD}, -1)
      ON CONFLICT (name) DO UPDATE SET value = value - 1;
    END""",
    f"""CREATE TRIGGER podcasts_show_relisted AFTER UPDATE OF title, moved_to_id
    ON podcasts_podcast WHEN {LISTED_NEW} <> {LISTED_OLD}
    BEGIN
      INSERT INTO podcasts_total (name, value)
        VALUES ({SHARD_NEW}, CASE WHEN {LISTED_NEW} THEN 1 ELSE -1 END)
      ON CONFLICT (name) DO UPDATE SET value = value + excluded.value;
    END""",
    # Shows per category: a show counts once for its category and once for the parent,
    # however many of the parent's subcategories it is in.
    """CREATE TRIGGER podcasts_category_joined AFTER INSERT ON podcasts_podcast_categories
    BEGIN
      UPDATE podcasts_category SET show_count = show_count + 1
      WHERE id IN (NEW.category_id,
                   (SELECT parent_id FROM podcasts_category WHERE id = NEW.category_id))
        AND NOT EXISTS (
          SELECT 1 FROM podcasts_podcast_categories m
          JOIN podcasts_category k ON k.id = m.category_id
          WHERE m.podcast_id = NEW.podcast_id AND m.id <> NEW.id
            AND (k.id = podcasts_category.id OR k.parent_id = podcasts_category.id));
    END""",
    """CREATE TRIGGER podcasts_category_left AFTER DELETE ON podcasts_podcast_categories
    BEGIN
      UPDATE podcasts_category SET show_count = show_count - 1
      WHERE id IN (OLD.category_id,
                   (SELECT parent_id FROM podcasts_category WHERE id = OLD.category_id))
        AND NOT EXISTS (
          SELECT 1 FROM podcasts_podcast_categories m
          JOIN podcasts_category k ON k.id = m.category_id
          WHERE m.podcast_id = OLD.podcast_id
            AND (k.id = podcasts_category.id OR k.parent_id = podcasts_category.id));
    END""",
    # Trending: a heart, or a listener's first play of an episode that day, in the last
    # seven days adds one to the show's day and to its score; an unheart takes its
    # heart back while that day is still in the window.
    f"""CREATE TRIGGER podcasts_trending_heart AFTER INSERT ON listeners_favourite
    WHEN date(NEW.created_at) >= {SQLITE_WINDOW} AND date(NEW.created_at) <= date('now')
    BEGIN
      INSERT INTO podcasts_showactivity (podcast_id, day, score)
        SELECT podcast_id, date(NEW.created_at), 1 FROM podcasts_episode
        WHERE id = NEW.episode_id
      ON CONFLICT (podcast_id, day) DO UPDATE SET score = score + 1;
      UPDATE podcasts_podcast SET trending_score = trending_score + 1
      WHERE id = (SELECT podcast_id FROM podcasts_episode WHERE id = NEW.episode_id);
    END""",
    """CREATE TRIGGER podcasts_trending_unheart AFTER DELETE ON listeners_favourite
    BEGIN
      UPDATE podcasts_podcast SET trending_score = trending_score - 1
      WHERE id = (SELECT podcast_id FROM podcasts_episode WHERE id = OLD.episode_id)
        AND EXISTS (SELECT 1 FROM podcasts_showactivity a
                    WHERE a.podcast_id = podcasts_podcast.id
                      AND a.day = date(OLD.created_at) AND a.score > 0);
      UPDATE podcasts_showactivity SET score = score - 1
      WHERE day = date(OLD.created_at) AND score > 0
        AND podcast_id = (SELECT podcast_id FROM podcasts_episode WHERE id = OLD.episode_id);
    END""",
    f"""CREATE TRIGGER podcasts_trending_play AFTER INSERT ON listeners_episodeaction
    WHEN NEW.action = 'play' AND NEW.episode_id IS NOT NULL
      AND date(NEW.timestamp) >= {SQLITE_WINDOW} AND date(NEW.timestamp) <= date('now')
      AND NOT EXISTS (
        SELECT 1 FROM listeners_episodeaction p
        WHERE p.user_id = NEW.user_id AND p.episode_id = NEW.episode_id
          AND p.action = 'play' AND p.id < NEW.id
          AND p.timestamp >= date(NEW.timestamp) AND p.timestamp < date(NEW.timestamp, '+1 day'))
    BEGIN
      INSERT INTO podcasts_showactivity (podcast_id, day, score)
        SELECT podcast_id, date(NEW.timestamp), 1 FROM podcasts_episode
        WHERE id = NEW.episode_id
      ON CONFLICT (podcast_id, day) DO UPDATE SET score = score + 1;
      UPDATE podcasts_podcast SET trending_score = trending_score + 1
      WHERE id = (SELECT podcast_id FROM podcasts_episode WHERE id = NEW.episode_id);
    END""",
    # A show's episodes newest first, undated last (views.NEWEST_FIRST).
    """CREATE INDEX IF NOT EXISTS episode_show_newest
    ON podcasts_episode (podcast_id, published_at DESC, id DESC)""",
    # A category's shows, newest in the directory first (views.category).
    """CREATE INDEX IF NOT EXISTS podcast_categories_by_category
    ON podcasts_podcast_categories (category_id, podcast_id)""",
]

PG_FUTURE = "now() + interval '1 day'"
PG_TODAY = "(now() AT TIME ZONE 'UTC')::date"

POSTGRES = [
    f"""CREATE FUNCTION podcasts_episodes_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE podcasts_podcast p SET episode_count = p.episode_count + n.added,
        latest_episode_at = CASE
          WHEN n.newest IS NOT NULL
               AND (p.latest_episode_at IS NULL OR n.newest > p.latest_episode_at)
            THEN n.newest ELSE p.latest_episode_at END
      FROM (SELECT podcast_id, count(*) AS added,
                   max(published_at) FILTER (WHERE published_at <= {PG_FUTURE}) AS newest
            FROM new_rows GROUP BY podcast_id) n
      WHERE p.id = n.podcast_id;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER podcasts_episodes_added AFTER INSERT ON podcasts_episode
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION podcasts_episodes_added()""",
    """CREATE FUNCTION podcasts_episodes_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE podcasts_podcast p SET episode_count = p.episode_count - o.removed
      FROM (SELECT podcast_id, count(*) AS removed FROM old_rows GROUP BY podcast_id) o
      WHERE p.id = o.podcast_id;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER podcasts_episodes_removed AFTER DELETE ON podcasts_episode
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION podcasts_episodes_removed()""",
    f"""CREATE FUNCTION podcasts_episodes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE podcasts_podcast p SET episode_count = p.episode_count + d.delta
      FROM (SELECT podcast_id, sum(delta) AS delta FROM (
              SELECT o.podcast_id, -1 AS delta FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE n.podcast_id <> o.podcast_id
              UNION ALL
              SELECT n.podcast_id, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE n.podcast_id <> o.podcast_id) moves
            GROUP BY podcast_id) d
      WHERE p.id = d.podcast_id AND d.delta <> 0;
      UPDATE podcasts_podcast p SET latest_episode_at = n.newest
      FROM (SELECT podcast_id, max(published_at) AS newest FROM new_rows
            WHERE published_at <= {PG_FUTURE} GROUP BY podcast_id) n
      WHERE p.id = n.podcast_id
        AND (p.latest_episode_at IS NULL OR n.newest > p.latest_episode_at);
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER podcasts_episodes_changed AFTER UPDATE ON podcasts_episode
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION podcasts_episodes_changed()""",
    f"""CREATE FUNCTION podcasts_show_listing() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      was boolean := TG_OP <> 'INSERT' AND {LISTED_OLD};
      now_listed boolean := TG_OP <> 'DELETE' AND {LISTED_NEW};
    BEGIN
      IF was IS DISTINCT FROM now_listed THEN
        INSERT INTO podcasts_total (name, value)
          VALUES ('listed_shows/' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END
                                      % {LISTED_SHARDS}),
                  CASE WHEN now_listed THEN 1 ELSE -1 END)
        ON CONFLICT (name) DO UPDATE SET value = podcasts_total.value + excluded.value;
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER podcasts_show_listing
    AFTER INSERT OR DELETE OR UPDATE OF title, moved_to_id ON podcasts_podcast
    FOR EACH ROW EXECUTE FUNCTION podcasts_show_listing()""",
    # One statement may add a show to a category and to its subcategory at once: each
    # category a statement touches counts the show once, unless the show was in that
    # category's family before the statement.
    """CREATE FUNCTION podcasts_categories_joined() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE podcasts_category c SET show_count = c.show_count + a.shows
      FROM (SELECT x.category_id, count(DISTINCT x.podcast_id) AS shows FROM (
              SELECT n.podcast_id, n.category_id FROM new_rows n
              UNION
              SELECT n.podcast_id, k.parent_id FROM new_rows n
              JOIN podcasts_category k ON k.id = n.category_id WHERE k.parent_id IS NOT NULL
            ) x
            WHERE NOT EXISTS (
              SELECT 1 FROM podcasts_podcast_categories m
              JOIN podcasts_category k ON k.id = m.category_id
              WHERE m.podcast_id = x.podcast_id
                AND (k.id = x.category_id OR k.parent_id = x.category_id)
                AND m.id NOT IN (SELECT id FROM new_rows))
            GROUP BY x.category_id) a
      WHERE c.id = a.category_id;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER podcasts_categories_joined AFTER INSERT ON podcasts_podcast_categories
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION podcasts_categories_joined()""",
    """CREATE FUNCTION podcasts_categories_left() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE podcasts_category c SET show_count = c.show_count - a.shows
      FROM (SELECT x.category_id, count(DISTINCT x.podcast_id) AS shows FROM (
              SELECT o.podcast_id, o.category_id FROM old_rows o
              UNION
              SELECT o.podcast_id, k.parent_id FROM old_rows o
              JOIN podcasts_category k ON k.id = o.category_id WHERE k.parent_id IS NOT NULL
            ) x
            WHERE NOT EXISTS (
              SELECT 1 FROM podcasts_podcast_categories m
              JOIN podcasts_category k ON k.id = m.category_id
              WHERE m.podcast_id = x.podcast_id
                AND (k.id = x.category_id OR k.parent_id = x.category_id))
            GROUP BY x.category_id) a
      WHERE c.id = a.category_id;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER podcasts_categories_left AFTER DELETE ON podcasts_podcast_categories
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION podcasts_categories_left()""",
    # Trending (see the SQLite triggers above).
    f"""CREATE FUNCTION podcasts_trending_add(episode bigint, at timestamptz)
    RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      v_show bigint;
      v_day date := (at AT TIME ZONE 'UTC')::date;
    BEGIN
      IF v_day < {PG_TODAY} - 6 OR v_day > {PG_TODAY} THEN RETURN; END IF;
      SELECT podcast_id INTO v_show FROM podcasts_episode WHERE id = episode;
      IF v_show IS NULL THEN RETURN; END IF;
      INSERT INTO podcasts_showactivity (podcast_id, day, score) VALUES (v_show, v_day, 1)
      ON CONFLICT (podcast_id, day) DO UPDATE SET score = podcasts_showactivity.score + 1;
      UPDATE podcasts_podcast SET trending_score = trending_score + 1 WHERE id = v_show;
    END $$""",
    """CREATE FUNCTION podcasts_trending_heart() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_show bigint;
      v_taken integer;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM podcasts_trending_add(NEW.episode_id, NEW.created_at);
        RETURN NULL;
      END IF;
      SELECT podcast_id INTO v_show FROM podcasts_episode WHERE id = OLD.episode_id;
      UPDATE podcasts_showactivity a SET score = a.score - 1
      WHERE a.podcast_id = v_show AND a.day = (OLD.created_at AT TIME ZONE 'UTC')::date
        AND a.score > 0;
      GET DIAGNOSTICS v_taken = ROW_COUNT;
      IF v_taken > 0 THEN
        UPDATE podcasts_podcast SET trending_score = trending_score - 1 WHERE id = v_show;
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER podcasts_trending_heart AFTER INSERT OR DELETE ON listeners_favourite
    FOR EACH ROW EXECUTE FUNCTION podcasts_trending_heart()""",
    """CREATE FUNCTION podcasts_trending_play() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.action <> 'play' OR NEW.episode_id IS NULL THEN RETURN NULL; END IF;
      IF EXISTS (
        SELECT 1 FROM listeners_episodeaction p
        WHERE p.user_id = NEW.user_id AND p.episode_id = NEW.episode_id
          AND p.action = 'play' AND p.id < NEW.id
          AND (p.timestamp AT TIME ZONE 'UTC')::date = (NEW.timestamp AT TIME ZONE 'UTC')::date
      ) THEN
        RETURN NULL;
      END IF;
      PERFORM podcasts_trending_add(NEW.episode_id, NEW.timestamp);
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER podcasts_trending_play AFTER INSERT ON listeners_episodeaction
    FOR EACH ROW EXECUTE FUNCTION podcasts_trending_play()""",
    """CREATE INDEX IF NOT EXISTS episode_show_newest
    ON podcasts_episode (podcast_id, published_at DESC NULLS LAST, id DESC)""",
    """CREATE INDEX IF NOT EXISTS podcast_categories_by_category
    ON podcasts_podcast_categories (category_id, podcast_id)""",
]


def _recount(connection: BaseDatabaseWrapper) -> None:
    recount()
    with connection.cursor() as cursor:
        # Where the version of these triggers was kept before lib/triggers.py.
        cursor.execute("DELETE FROM podcasts_total WHERE name = 'trigger_sql'")


TRIGGERS = TriggerSet(
    name="podcasts",
    tables=(
        "podcasts_podcast",
        "podcasts_episode",
        "podcasts_podcast_categories",
        "podcasts_category",
        "podcasts_total",
        "podcasts_showactivity",
        "listeners_favourite",
        "listeners_episodeaction",
    ),
    sqlite=tuple(SQLITE),
    postgresql=tuple(POSTGRES),
    # PostgreSQL keeps its triggers through any ALTER TABLE these tables have needed.
    migrate_without=frozenset({"sqlite"}),
    after_install=_recount,
)
