"""The store's plain-SQL hot paths give the same rows the ORM would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from airwaves.crawler.store import (
    FeedMeta,
    NotModified,
    insert_rows,
    lock_podcast,
    published_day,
    record_not_modified_many,
    stored_episodes,
    update_columns,
)
from airwaves.podcasts.models import Episode, Podcast

pytestmark = pytest.mark.django_db


def make_podcast(n: int) -> Podcast:
    return Podcast.objects.create(
        feed_url=f"https://feeds{n}.example.com/rss", slug=f"show-{n}", title=f"Show {n}"
    )


def test_update_columns_converts_values_like_the_orm() -> None:
    first, second = make_podcast(1), make_podcast(2)
    when = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    update_columns(
        Podcast,
        [
            (first.pk, {"last_fetched_at": when, "error_count": 3, "dead": True}),
            (second.pk, {"last_fetched_at": when, "error_count": 0, "dead": False}),
            (second.pk, {"last_error": 'it\'s a "quote"; DROP TABLE x'}),
        ],
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.last_fetched_at, first.error_count, first.dead) == (when, 3, True)
    assert (second.last_fetched_at, second.error_count, second.dead) == (when, 0, False)
    assert second.last_error == 'it\'s a "quote"; DROP TABLE x'
    assert second.title == "Show 2"  # columns not named are left alone


def test_update_columns_refuses_the_feed_url_whose_host_is_derived() -> None:
    podcast = make_podcast(1)
    with pytest.raises(ValueError, match="derived"):
        update_columns(Podcast, [(podcast.pk, {"feed_url": "https://other.example.com/"})])


def test_record_not_modified_many_writes_each_feeds_own_validators() -> None:
    first, second = make_podcast(1), make_podcast(2)
    Podcast.objects.update(error_count=4, last_error="boom", claimed_until=datetime.now(UTC))
    record_not_modified_many(
        [
            NotModified(first.pk, None, FeedMeta(etag='"a"', last_modified="")),
            NotModified(second.pk, 7200, FeedMeta(etag='"b"', server_seconds=None)),
        ]
    )
    rows = {p.pk: p for p in Podcast.objects.all()}
    assert (rows[first.pk].etag, rows[second.pk].etag) == ('"a"', '"b"')
    for podcast in rows.values():
        assert (podcast.fetch_status, podcast.error_count, podcast.last_error) == (
            "not_modified",
            0,
            "",
        )
        assert podcast.claimed_until is None
    # The feed's own cadence sets the schedule.
    gap = rows[second.pk].next_check_at - rows[second.pk].last_fetched_at
    assert gap == timedelta(seconds=7200)


def test_stored_episodes_and_the_lock_read_what_the_orm_reads() -> None:
    podcast = make_podcast(1)
    published = datetime(2026, 4, 15, 23, 30, tzinfo=UTC)
    episode = Episode.objects.create(
        podcast=podcast,
        guid="g-1",
        slug="first",
        title="First",
        enclosure_url="https://cdn.example.com/1.mp3",
        published_at=published,
        source_hash="abc",
    )
    [row] = stored_episodes(podcast.pk)
    assert row[:5] == (episode.pk, "g-1", "first", "https://cdn.example.com/1.mp3", "First")
    assert row.source_hash == "abc"
    assert published_day(row.published_at) == published.date()
    assert published_day(None) is None
    assert lock_podcast(podcast.pk) == ("", True, Podcast.Source.FEED, podcast.feed_url)
    with pytest.raises(Podcast.DoesNotExist):
        lock_podcast(podcast.pk + 1000)


def test_insert_rows_writes_what_the_orm_would() -> None:
    podcast = make_podcast(1)
    published = datetime(2026, 4, 15, 23, 30, tzinfo=UTC)
    insert_rows(
        [
            Episode(
                podcast=podcast,
                guid="g-1",
                slug="first",
                title='It\'s "first"',
                published_at=published,
                duration=588,
                explicit=False,
            ),
            Episode(podcast=podcast, guid="g-2", slug="second", title="Second"),
        ]
    )
    first, second = Episode.objects.filter(podcast=podcast).order_by("guid")
    assert (first.title, first.published_at, first.duration) == ('It\'s "first"', published, 588)
    assert (first.explicit, second.explicit, second.published_at) == (False, None, None)
    # Defaults and auto_now fields are filled in as by save().
    assert first.created_at is not None and first.updated_at is not None
    assert (second.summary, second.enclosure_length) == ("", None)
    insert_rows([])  # nothing to do


def test_insert_rows_keeps_text_that_copy_would_read_as_markup() -> None:
    """PostgreSQL receives the rows by COPY, whose text format gives tabs, newlines,
    backslashes and \\N meanings of their own."""
    podcast = make_podcast(1)
    awkward = "tab\there\nnew line \\ back\\slash \\N \\. end\r\n 💡 «ü»"
    insert_rows(
        [
            Episode(
                podcast=podcast,
                guid="\\N",
                slug="awkward",
                title=awkward,
                description=awkward,
                keywords=["a\tb", "\\N"],
            )
        ]
    )
    episode = Episode.objects.get(podcast=podcast)
    assert (episode.guid, episode.title, episode.description) == ("\\N", awkward, awkward)
    assert episode.keywords == ["a\tb", "\\N"]


def test_insert_rows_raises_djangos_integrity_error_and_writes_nothing() -> None:
    podcast = make_podcast(1)
    Episode.objects.create(podcast=podcast, guid="taken", slug="taken")
    rows = [
        Episode(podcast=podcast, guid="new", slug="new"),
        Episode(podcast=podcast, guid="taken", slug="again"),
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(rows)
    assert list(Episode.objects.values_list("guid", flat=True)) == ["taken"]
