"""Writes the outcome of a refresh to the database.

`store_feed` writes a processed feed in one transaction: the show, its categories and
its episodes, upserted by identity key. Episodes that left the feed are kept (feeds
often list only the latest N). `record_not_modified` and `record_failure` write only
the feed's health and schedule; a failure never touches episodes. Every one of them
ends the refresh's claim (`claimed_until`). Nothing here fetches or parses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from airwaves.crawler.budget import UNLIMITED, Budget
from airwaves.crawler.schedule import (
    bounds_from_settings,
    feed_interval,
    is_dead,
    next_check_after_error,
    next_check_after_success,
)
from airwaves.crawler.store_people import set_episode_people, set_show_people, tags_json
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.lib.slugs import SlugSet
from airwaves.podcasts.categories import categories_for
from airwaves.podcasts.extras import sync_episode_media
from airwaves.podcasts.feeds import InvalidFeedURL, normalize_feed_url
from airwaves.podcasts.models import Episode, Podcast

log = logging.getLogger(__name__)


@dataclass(slots=True)
class FeedMeta:
    """What the fetch learned, stored along with the content."""

    etag: str = ""
    last_modified: str = ""
    content_hash: str = ""
    permanent_url: str = ""
    server_seconds: int | None = None  # Cache-Control max-age / Expires
    channel_hash: str = ""  # process.channel_fingerprint of the parsed feed


@dataclass(slots=True)
class StoreResult:
    new_episodes: int = 0
    updated_episodes: int = 0
    moved_to: int | None = None  # the feed this one was merged into


def episode_values(item: ParsedEpisode) -> dict:
    """The episode's columns copied from the parsed item on every refresh. `slug` is not
    among them: it is the episode's URL, fixed when the episode is first seen."""
    return {
        "title": item.title[:1000],
        "link": item.link,
        "published_at": item.published,
        "description": item.description_html,
        "summary": item.subtitle,
        "author": item.author[:500],
        "enclosure_url": item.enclosure_url,
        "enclosure_type": item.enclosure_type,
        "enclosure_length": item.enclosure_length,
        "duration": item.duration,
        "image_url": item.image_url,
        "explicit": item.explicit,
        "season": item.season,
        "number": item.episode_number,
        "episode_type": item.episode_type[:20],
        "p20": tags_json(item.tags),
        "block": item.block,
        "keywords": item.keywords,
    }


def store_feed(
    podcast_id: int,
    feed: ParsedFeed,
    meta: FeedMeta,
    stored: list[StoredEpisode] | None = None,
    budget: Budget = UNLIMITED,
) -> StoreResult:
    """Upserts the feed's show and episodes. Safe to run twice at once: the podcast
    row is locked first, so concurrent stores of one feed run one after the other.
    `stored` is stored_episodes() as read by a refresh that holds the feed's claim.

    A claim can still run out under a very slow refresh, and another refresh then
    store the same new episodes after `stored` was read: the insert loses the race on
    the unique constraints, the transaction rolls back, and the store runs once more
    against the episodes stored now, so the new ones become updates.

    `feed.warnings` (items left out, notes cut) go on the feed's health record; past
    the `budget` the transaction rolls back with BudgetExceeded."""
    try:
        return _store_feed_once(podcast_id, feed, meta, stored, budget)
    except IntegrityError:
        if stored is None:
            raise
        log.info("feed %s was stored meanwhile by another refresh: storing again", podcast_id)
        return _store_feed_once(podcast_id, feed, meta, None, budget)


def _store_feed_once(
    podcast_id: int,
    feed: ParsedFeed,
    meta: FeedMeta,
    stored: list[StoredEpisode] | None,
    budget: Budget,
) -> StoreResult:
    now = timezone.now()
    with transaction.atomic():
        locked = lock_podcast(podcast_id)
        channel_changed = (
            not meta.channel_hash or meta.channel_hash != locked.channel_hash or locked.never_stored
        )
        moves = locked.source == Podcast.Source.FEED and (
            (meta.permanent_url and meta.permanent_url != locked.feed_url)
            or (feed.new_feed_url and feed.new_feed_url != locked.feed_url)
        )
        interval = feed_interval(feed)
        health = success_changes(now, interval, meta)
        if feed.warnings:
            # The refresh succeeded with a cut: the operator sees why on the feed.
            health["last_error"] = ("warning: " + "; ".join(feed.warnings))[:2000]
        if not channel_changed and not moves:
            # The usual refresh: new or edited episodes, the show as it was. One UPDATE
            # of the columns that change, instead of loading and saving the whole row.
            update_columns(Podcast, [(podcast_id, health)])
            return upsert_episodes(Podcast(pk=podcast_id), feed.episodes, now, stored, budget)
        podcast = Podcast.objects.select_for_update().get(pk=podcast_id)
        if channel_changed:
            update_podcast(podcast, feed)
        for name, value in health.items():
            setattr(podcast, name, value)
        target = follow_move(podcast, meta.permanent_url, feed.new_feed_url)
        save_with_unique_slug(podcast)
        if channel_changed:
            set_categories(podcast, feed.categories)
            set_show_people(podcast.pk, feed.tags.persons)
        result = upsert_episodes(podcast, feed.episodes, now, stored, budget)
        if target is not None:
            merge_into(podcast, target)
            result.moved_to = target.pk
        return result


def _prepared(field: models.Field, value: object, converted: dict) -> object:
    try:
        key = (field.name, type(value), value)
        return converted[key]
    except KeyError:
        converted[key] = field.get_db_prep_save(value, connection)
        return converted[key]
    except TypeError:  # not hashable
        return field.get_db_prep_save(value, connection)


class LockedPodcast(NamedTuple):
    channel_hash: str
    never_stored: bool
    source: str
    feed_url: str


def lock_podcast(podcast_id: int) -> LockedPodcast:
    """Locks the show's row for this transaction (FOR UPDATE on PostgreSQL; SQLite's
    IMMEDIATE transactions already hold the database's write lock) and reads what
    store_feed needs to choose its path: channel_hash, never stored, source, feed_url.
    One plain SELECT: this runs for every changed feed."""
    meta = Podcast._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(meta.get_field(name).column)
        for name in ("channel_hash", "last_success_at", "source", "feed_url")
    )
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.pk.column)} = %s{lock}",
            [podcast_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Podcast.DoesNotExist(f"podcast {podcast_id} does not exist")
    channel_hash, last_success_at, source, feed_url = row
    return LockedPodcast(channel_hash, last_success_at is None, source, feed_url)


def success_changes(now: datetime, interval: int | None, meta: FeedMeta) -> dict:
    """The show's columns a successful parse and store set, besides its details: the
    health of a 304, plus what the new content says."""
    return {
        **not_modified_changes(now, interval, meta),
        "fetch_status": Podcast.FetchStatus.OK,
        "channel_hash": meta.channel_hash,
        "content_hash": meta.content_hash,
        "feed_interval": interval,
    }


def update_columns(model: type[models.Model], rows: list[tuple[int, dict]]) -> None:
    """UPDATE model SET <columns> WHERE pk = <pk> for each (pk, {field: value}), rows with
    the same fields in one executemany. Values go through each field's own conversion,
    as in QuerySet.update; for the crawler's hot paths, where the ORM's per-statement
    compilation costs more than the statement itself. Derived fields (Podcast.host) are
    not recomputed: callers must not pass feed_url."""
    meta = model._meta
    quote = connection.ops.quote_name
    groups: dict[tuple[str, ...], list[list]] = {}
    converted: dict = {}  # most rows share most values (the same "now", status, ...)
    for pk, values in rows:
        if "feed_url" in values:
            raise ValueError("update_columns does not keep derived fields: use save()")
        names = tuple(values)
        params = [_prepared(meta.get_field(name), values[name], converted) for name in names]
        groups.setdefault(names, []).append([*params, pk])
    with connection.cursor() as cursor:
        for names, params in groups.items():
            columns = ", ".join(f"{quote(meta.get_field(n).column)} = %s" for n in names)
            sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"
            cursor.executemany(sql, params)


def insert_rows(objs: list[models.Model]) -> None:
    """INSERTs new instances of one model (with an auto primary key): QuerySet.bulk_create's
    conversions (each field's pre_save and get_db_prep_save) without its per-call SQL
    compilation, which costs more than the insert itself on the crawler's hot path. Like
    bulk_create it sends no signals; unlike it, the instances' primary keys stay unset.

    PostgreSQL gets every row in one COPY, SQLite one executemany. One statement matters
    on PostgreSQL: its counts are kept by statement triggers (podcasts/triggers.py),
    which update the show's row once per statement, and every update leaves a version of
    that row that the rest of the transaction must walk past (each later update, each new
    episode's foreign-key check at commit). An INSERT per episode made storing 40,000
    new episodes take minutes (docs/benchmarks.md, "Storing a large feed")."""
    if not objs:
        return
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    converted: dict = {}
    rows = ([_prepared(f, f.pre_save(obj, True), converted) for f in fields] for obj in objs)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY goes past Django's cursor wrapper: wrap_database_errors gives callers
            # Django's IntegrityError, as an INSERT would (store_feed's lost race).
            sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})", list(rows)
        )


def update_podcast(podcast: Podcast, feed: ParsedFeed) -> None:
    podcast.title = feed.title[:500] or podcast.title
    podcast.link = feed.link
    podcast.description = feed.description_html
    podcast.summary = feed.subtitle
    podcast.author = feed.author[:500]
    podcast.owner_name = feed.owner_name[:500]
    podcast.owner_email = feed.owner_email[:500]
    podcast.image_url = feed.image_url
    podcast.language = feed.language
    podcast.explicit = feed.explicit
    podcast.copyright = feed.copyright[:500]
    podcast.podcast_guid = feed.podcast_guid[:100]
    podcast.p20 = tags_json(feed.tags)
    podcast.itunes_type = feed.itunes_type
    podcast.block = feed.block
    podcast.itunes_complete = feed.itunes_complete
    podcast.keywords = feed.keywords
    if podcast.last_success_at is None or not podcast.slug:
        # The first successful fetch names the page; after that the slug never
        # changes, so the show keeps its URL when the publisher renames it.
        podcast.assign_slug()


def save_with_unique_slug(podcast: Podcast, attempts: int = 64) -> None:
    """Saves the podcast; when another feed with the same title took the slug at the same
    moment (first fetches racing), picks the next free slug and tries again.

    Each round of a race has one winner, so N feeds of one title first stored at once need
    up to N rounds: `attempts` bounds a crawl's concurrency, not the usual case (one)."""
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                podcast.save()
            return
        except IntegrityError:
            taken = Podcast.objects.filter(slug=podcast.slug).exclude(pk=podcast.pk).exists()
            if attempt == attempts - 1 or not taken:
                raise
            podcast.assign_slug()


def follow_move(podcast: Podcast, permanent_url: str, new_feed_url: str) -> Podcast | None:
    """Applies a permanent redirect or an itunes:new-feed-url move to the feed URL.
    Returns the known feed to merge into when the new URL is already in the
    directory (the move is then done by merging, never by taking that feed's URL)."""
    for candidate in (permanent_url, new_feed_url):
        if not candidate or podcast.source != Podcast.Source.FEED:
            continue
        try:
            url = normalize_feed_url(candidate)
        except InvalidFeedURL:
            continue
        if url == podcast.feed_url:
            continue
        other = Podcast.objects.filter(feed_url=url).exclude(pk=podcast.pk).first()
        if other is None:
            log.info("feed %s moved to %s", podcast.feed_url, url)
            podcast.feed_url = url
            continue
        if other.moved_to_id == podcast.pk:
            continue  # the other feed was merged into this one; never merge back
        return other
    return None


def merge_into(podcast: Podcast, target: Podcast) -> None:
    """Retires `podcast` in favour of `target`: everything that points at the show
    (listeners' follows and any other relation) moves to the target; its episodes
    stay where they are, so favourites and positions on them keep working."""
    podcast.moved_to = target
    podcast.next_check_at = None
    podcast.save(update_fields=["moved_to", "next_check_at"])
    for relation in Podcast._meta.related_objects:
        if relation.related_model in (Podcast, Episode) or not relation.one_to_many:
            continue
        if not isinstance(relation.field, models.ForeignKey):
            continue
        rows = relation.related_model._default_manager.filter(**{relation.field.name: podcast})
        for row in rows:
            setattr(row, relation.field.name, target)
            try:
                # A listener who follows both keeps one follow: the duplicate goes.
                with transaction.atomic():
                    row.save(update_fields=[relation.field.name])
            except IntegrityError:
                row.delete()


def set_categories(podcast: Podcast, names: list[str]) -> None:
    """The show's categories: the feed's names mapped onto the Apple Podcasts tree
    (podcasts/categories.py, legacy and misspelt names included); names the tree does
    not know are left out rather than made into categories no page links to."""
    categories = categories_for([name for name in names[:10] if name.strip()])
    # The first category the feed lists is the show's main one; a top-level one is
    # preferred so pages can say "Technology" rather than a narrow subcategory.
    primary = next((c for c in categories if c.parent_id is None), None)
    primary = primary or (categories[0] if categories else None)
    if podcast.category_id != (primary.pk if primary else None):
        podcast.category = primary
        podcast.save(update_fields=["category"])
    current = set(podcast.categories.values_list("pk", flat=True))
    if current != {c.pk for c in categories}:
        podcast.categories.set(categories)


# What matching needs of the stored episodes: a feed may hold thousands of episodes with
# long notes, and none of those are read to decide what changed.
class StoredEpisode(NamedTuple):
    pk: int
    guid: str
    slug: str
    enclosure_url: str
    title: str
    published_at: datetime | str | None  # as the database gives it (see published_day)
    source_hash: str


def stored_episodes(podcast_id: int) -> list[StoredEpisode]:
    """The feed's stored episodes, for refresh and store to share.

    Read with one plain SELECT: this runs for every changed feed, and the ORM's per-row
    conversions cost more than the query."""
    meta = Episode._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(meta.pk.column if name == "pk" else meta.get_field(name).column)
        for name in StoredEpisode._fields
    )
    podcast_column = quote(meta.get_field("podcast").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {podcast_column} = %s",
            [podcast_id],
        )
        return list(map(StoredEpisode._make, cursor.fetchall()))


def stored_datetime(value: datetime | str | None) -> datetime | None:
    """A published_at as stored_episodes returns it, as an aware datetime. PostgreSQL
    gives aware datetimes; SQLite gives UTC without a zone, as a naive datetime or text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def published_day(value: datetime | str | None) -> date | None:
    """The UTC day of a stored published_at, as stored_episodes returns it."""
    value = stored_datetime(value)
    return value.astimezone(UTC).date() if value is not None else None


def known_items(rows: list[StoredEpisode]) -> dict[str, ParsedEpisode]:
    """Stubs of stored episodes (stored_episodes rows) by the digest of their item's XML,
    for parse_feed to pass through unread. A stub carries what the rest of a refresh
    needs of an unchanged item: its identity key and its date (the feed's cadence)."""
    return {
        row.source_hash: ParsedEpisode(
            guid=row.guid,
            published=stored_datetime(row.published_at),
            fingerprint=row.source_hash,
            unchanged=True,
        )
        for row in rows
        if row.source_hash
    }


def upsert_episodes(
    podcast: Podcast,
    items: list[ParsedEpisode],
    now: datetime,
    stored: list[StoredEpisode] | None = None,
    budget: Budget = UNLIMITED,
) -> StoreResult:
    rows = stored if stored is not None else stored_episodes(podcast.pk)
    # Stored rows stay light (StoredEpisode); a model instance is built only for the
    # few episodes that are created.
    existing = {row.guid: row for row in rows}
    incoming = {item.guid for item in items}
    # Episodes whose identity vanished from the feed may be the same episodes under a
    # new GUID (publishers change hosting platforms): match them by enclosure URL,
    # then by title and day, before creating anything.
    orphans = [row for guid, row in existing.items() if guid not in incoming]
    by_enclosure = {row.enclosure_url: row for row in orphans if row.enclosure_url}
    by_title_day = {
        (row.title, published_day(row.published_at)): row for row in orphans if row.published_at
    }

    slugs = SlugSet((row.slug for row in rows), fallback="episode")
    to_create: list[Episode] = []
    to_update: list[tuple[int, dict]] = []
    # The items written, for their people (store_people.py).
    updated: list[tuple[int, ParsedEpisode]] = []
    created: list[ParsedEpisode] = []
    check = budget.check
    for item in items:
        if item.unchanged:
            continue
        check("storing the items")
        values = episode_values(item)
        row = existing.get(item.guid) or rematch(item, by_enclosure, by_title_day)
        if row is None:
            created.append(item)
            to_create.append(
                Episode(
                    podcast=podcast,
                    guid=item.guid,
                    slug=slugs.add(item.title),
                    source_hash=item.fingerprint,
                    created_at=now,
                    **values,
                )
            )
            continue
        # The item's digest differs from the stored one (or there was none): write it.
        updated.append((row.pk, item))
        to_update.append(
            (
                row.pk,
                {"guid": item.guid, "source_hash": item.fingerprint, **values, "updated_at": now},
            )
        )
    # One UPDATE per row by primary key, in one executemany: linear in the rows, where
    # bulk_update's CASE WHEN over 500 keys per statement took minutes for a feed whose
    # 40,000 items all changed.
    update_columns(Episode, to_update)
    insert_rows(to_create)
    set_episode_people(podcast.pk, updated, created)
    sync_episode_media(podcast.pk, items)
    return StoreResult(new_episodes=len(to_create), updated_episodes=len(to_update))


def rematch(
    item: ParsedEpisode,
    by_enclosure: dict[str, StoredEpisode],
    by_title_day: dict[tuple, StoredEpisode],
) -> StoredEpisode | None:
    """A stored episode that left the feed and is this item under a
    new GUID: same enclosure URL, else same title and day."""
    row = by_enclosure.pop(item.enclosure_url, None) if item.enclosure_url else None
    if row is None and item.published:
        row = by_title_day.pop((item.title, item.published.date()), None)
    if row is not None:
        # One old episode answers for one new item only.
        by_enclosure.pop(row.enclosure_url, None)
        if row.published_at:
            by_title_day.pop((row.title, published_day(row.published_at)), None)
    return row


def not_modified_changes(
    now: datetime, feed_seconds: int | None, meta: FeedMeta | None = None
) -> dict:
    changes = {
        "fetch_status": Podcast.FetchStatus.NOT_MODIFIED,
        "last_fetched_at": now,
        "last_success_at": now,
        "error_count": 0,
        "first_error_at": None,
        "last_error": "",
        "dead": False,
        "claimed_until": None,
        "next_check_at": next_check_after_success(
            now,
            feed_seconds=feed_seconds,
            server_seconds=meta.server_seconds if meta else None,
            bounds=bounds_from_settings(),
        ),
    }
    if meta is not None:
        changes.update(etag=meta.etag[:500], last_modified=meta.last_modified[:100])
    return changes


class NotModified(NamedTuple):
    podcast_id: int
    feed_interval: int | None
    meta: FeedMeta | None = None


def record_not_modified(
    podcast_id: int, feed_seconds: int | None = None, meta: FeedMeta | None = None
) -> None:
    """A 304 (or the same bytes again): only health, validators and schedule change."""
    record_not_modified_many([NotModified(podcast_id, feed_seconds, meta)])


def record_not_modified_many(feeds: list[NotModified]) -> None:
    """record_not_modified for many feeds at once."""
    now = timezone.now()
    with transaction.atomic():
        update_columns(
            Podcast,
            [
                (feed.podcast_id, not_modified_changes(now, feed.feed_interval, feed.meta))
                for feed in feeds
            ],
        )


def record_failure(podcast_id: int, reason: str, retry_after: float | None = None) -> None:
    """Marks the feed's health with the reason; its episodes are not touched."""
    now = timezone.now()
    bounds = bounds_from_settings()
    with transaction.atomic():
        podcast = (
            Podcast.objects.select_for_update()
            .only("error_count", "first_error_at")
            .get(pk=podcast_id)
        )
        error_count = podcast.error_count + 1
        first_error_at = podcast.first_error_at or now
        dead = is_dead(now, first_error_at, error_count, bounds)
        next_check = (
            now + bounds.dead_recheck
            if dead
            else next_check_after_error(now, error_count, retry_after=retry_after, bounds=bounds)
        )
        Podcast.objects.filter(pk=podcast_id).update(
            fetch_status=Podcast.FetchStatus.ERROR,
            last_fetched_at=now,
            error_count=error_count,
            first_error_at=first_error_at,
            last_error=reason[:2000],
            dead=dead,
            claimed_until=None,
            next_check_at=next_check,
        )


def revive(podcasts: models.QuerySet) -> int:
    """The operator's "try again now" for dead or failing feeds."""
    return podcasts.update(
        dead=False, error_count=0, first_error_at=None, next_check_at=timezone.now()
    )
