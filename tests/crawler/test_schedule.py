from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airwaves.crawler.schedule import (
    Bounds,
    cadence_interval,
    feed_interval,
    is_dead,
    next_check_after_error,
    next_check_after_success,
    server_interval,
)
from airwaves.crawler.types import ParsedEpisode, ParsedFeed

NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)


def weekly(n: int) -> list[datetime]:
    return [NOW - timedelta(days=7 * i) for i in range(n)]


def test_a_weekly_show_is_checked_about_daily():
    assert cadence_interval(weekly(8)) == int(7 * 86400 / 10)


def test_cadence_needs_a_few_episodes():
    assert cadence_interval(weekly(2)) is None
    assert cadence_interval([]) is None
    assert cadence_interval([None, NOW]) is None


def test_the_feed_interval_is_the_largest_of_cadence_ttl_and_sy_update_period():
    feed = ParsedFeed(episodes=[ParsedEpisode(published=d) for d in weekly(5)], ttl_minutes=60)
    assert feed_interval(feed) == int(7 * 86400 / 10)
    feed = ParsedFeed(ttl_minutes=180)
    assert feed_interval(feed) == 3 * 3600
    feed = ParsedFeed(update_period="daily", update_frequency=4)
    assert feed_interval(feed) == 6 * 3600
    assert feed_interval(ParsedFeed()) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"cache-control": "public, max-age=7200"}, 7200),
        ({"cache-control": "no-cache"}, None),
        ({"expires": "Wed, 15 Apr 2026 15:00:00 GMT"}, 3 * 3600),
        ({"expires": "0"}, None),
        ({}, None),
    ],
)
def test_server_interval_reads_cache_control_and_expires(headers, expected):
    assert server_interval(headers, NOW) == expected


def test_success_takes_the_largest_hint_within_bounds():
    bounds = Bounds(minimum=timedelta(minutes=15), maximum=timedelta(hours=24))
    assert next_check_after_success(NOW, bounds=bounds) == NOW + timedelta(hours=1)
    assert next_check_after_success(NOW, feed_seconds=7200, server_seconds=600) == NOW + timedelta(
        hours=2
    )
    assert next_check_after_success(NOW, feed_seconds=60) == NOW + timedelta(minutes=15)
    assert next_check_after_success(NOW, server_seconds=10 * 86400) == NOW + timedelta(hours=24)


def test_errors_back_off_exponentially_up_to_a_cap():
    delays = [next_check_after_error(NOW, n) - NOW for n in range(1, 10)]
    assert delays[:4] == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    assert delays[-1] == timedelta(hours=24)


def test_retry_after_is_honoured_over_a_shorter_backoff():
    assert next_check_after_error(NOW, 1, retry_after=7200) == NOW + timedelta(hours=2)
    # ... but a server cannot push a feed beyond the configured maximum.
    assert next_check_after_error(NOW, 1, retry_after=30 * 86400) == NOW + timedelta(hours=24)


def test_a_feed_is_dead_only_after_failing_long_and_often():
    bounds = Bounds(dead_after=timedelta(days=14), dead_after_errors=10)
    long_ago = NOW - timedelta(days=15)
    assert is_dead(NOW, long_ago, 10, bounds)
    assert not is_dead(NOW, long_ago, 9, bounds)
    assert not is_dead(NOW, NOW - timedelta(days=3), 50, bounds)
    assert not is_dead(NOW, None, 50, bounds)


def test_podcast_update_frequency_counts_too():
    from airwaves.crawler.parse import parse_feed

    feed = parse_feed(
        b'<rss xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>T</title>'
        b'<podcast:updateFrequency rrule="FREQ=WEEKLY;INTERVAL=2">Fortnightly</podcast:updateFrequency>'
        b"</channel></rss>"
    )
    assert feed.release_interval == 14 * 86400
    assert feed_interval(feed) == 14 * 86400 // 10


def test_a_complete_show_is_checked_as_rarely_as_allowed():
    from airwaves.crawler.parse import parse_feed

    feed = parse_feed(
        b'<rss xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>T</title>'
        b'<podcast:updateFrequency complete="true">Complete</podcast:updateFrequency>'
        b"</channel></rss>"
    )
    assert next_check_after_success(NOW, feed_seconds=feed_interval(feed)) == NOW + timedelta(
        hours=24
    )


@pytest.mark.parametrize("seconds", [10**18, 10**400])
def test_hints_of_more_seconds_than_a_timedelta_holds_are_the_maximum(seconds):
    # A feed's <ttl>999999999999999999</ttl>, a huge max-age or Retry-After.
    bounds = Bounds(maximum=timedelta(hours=24))
    assert next_check_after_success(NOW, feed_seconds=seconds, bounds=bounds) == NOW + timedelta(
        hours=24
    )
    assert next_check_after_success(NOW, server_seconds=seconds, bounds=bounds) == (
        NOW + timedelta(hours=24)
    )
    assert next_check_after_error(NOW, 1, retry_after=seconds, bounds=bounds) == (
        NOW + timedelta(hours=24)
    )


@pytest.mark.parametrize("value", ["max-age=²", "max-age=١٢", "max-age=-5"])
def test_a_max_age_that_is_not_ascii_digits_says_nothing(value):
    assert server_interval({"cache-control": value}, NOW) is None
