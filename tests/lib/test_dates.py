from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from airwaves.lib.dates import format_date, parse_date


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # RFC 822 / 2822, as RSS specifies
        ("Wed, 15 Apr 2026 09:00:00 GMT", utc(2026, 4, 15, 9)),
        ("Wed, 15 Apr 2026 09:00:00 +0000", utc(2026, 4, 15, 9)),
        ("Wed, 15 Apr 2026 09:00:00 -0700", utc(2026, 4, 15, 16)),
        ("Wed, 15 Apr 2026 09:00:00 +0530", utc(2026, 4, 15, 3, 30)),
        ("Wed, 15 Apr 2026 09:00:00 EST", utc(2026, 4, 15, 14)),
        ("Wed, 15 Apr 2026 09:00:00 EDT", utc(2026, 4, 15, 13)),
        ("Wed, 15 Apr 2026 09:00:00 CST", utc(2026, 4, 15, 15)),
        ("Wed, 15 Apr 2026 09:00:00 CDT", utc(2026, 4, 15, 14)),
        ("Wed, 15 Apr 2026 09:00:00 MST", utc(2026, 4, 15, 16)),
        ("Wed, 15 Apr 2026 09:00:00 MDT", utc(2026, 4, 15, 15)),
        ("Wed, 15 Apr 2026 09:00:00 PST", utc(2026, 4, 15, 17)),
        ("Wed, 15 Apr 2026 09:00:00 PDT", utc(2026, 4, 15, 16)),
        ("Wed, 15 Apr 2026 09:00:00 UT", utc(2026, 4, 15, 9)),
        ("Wed, 15 Apr 2026 09:00:00 Z", utc(2026, 4, 15, 9)),
        # what real feeds get wrong
        ("15 Apr 2026 09:00:00 GMT", utc(2026, 4, 15, 9)),
        ("Mon, 15 Apr 2026 09:00:00 GMT", utc(2026, 4, 15, 9)),
        ("Wed, 15 Apr 26 09:00:00 GMT", utc(2026, 4, 15, 9)),
        ("Sun, 5 Apr 2026 09:00:00 GMT", utc(2026, 4, 5, 9)),
        ("Wed, 15 Apr 2026 09:00 GMT", utc(2026, 4, 15, 9)),
        ("Tue, 15 Sept 2026 09:00:00 GMT", utc(2026, 9, 15, 9)),
        ("Wed, 15 April 2026 09:00:00 GMT", utc(2026, 4, 15, 9)),
        ("Tue, 15 September 2026 09:00:00 +0000", utc(2026, 9, 15, 9)),
        ("wed, 15 apr 2026 09:00:00 gmt", utc(2026, 4, 15, 9)),
        ("  Wed,  15 Apr   2026\n09:00:00\tGMT  ", utc(2026, 4, 15, 9)),
        ("Wed, 15 Apr 2026 09:00:00 GMT+2", utc(2026, 4, 15, 7)),
        ("Wed, 15 Apr 2026 09:00:00 UTC-07:00", utc(2026, 4, 15, 16)),
        ("Wed, 15 Apr 2026 09:00:00 +02:00", utc(2026, 4, 15, 7)),
        ("Wed, 15 Apr 2026 09:00:00", utc(2026, 4, 15, 9)),
        ("Wed, 15 Apr 2026 09:00:00 XYZ", utc(2026, 4, 15, 9)),
        ("Wed, 15 Apr 2026 09:00:00 GMT (Pacific)", utc(2026, 4, 15, 9)),
        ("15 Apr 2026", utc(2026, 4, 15)),
        ("April 15, 2026", utc(2026, 4, 15)),
        ("April 15, 2026 9:30 PM EDT", utc(2026, 4, 16, 1, 30)),
        ("15-Apr-2026 09:00:00 -0700", utc(2026, 4, 15, 16)),
        # ISO 8601 / RFC 3339, as Atom and dc:date write them
        ("2026-04-15T09:00:00Z", utc(2026, 4, 15, 9)),
        ("2026-04-15T09:00:00+02:00", utc(2026, 4, 15, 7)),
        ("2026-04-15T09:00:00-05:00", utc(2026, 4, 15, 14)),
        ("2026-04-15T09:00:00.250Z", utc(2026, 4, 15, 9, 0, 0, 250000)),
        ("2026-04-15T09:00:00.123456789+00:00", utc(2026, 4, 15, 9, 0, 0, 123456)),
        ("2026-04-15T09:00Z", utc(2026, 4, 15, 9)),
        ("2026-04-15", utc(2026, 4, 15)),
        ("2026-04-15 09:00:00", utc(2026, 4, 15, 9)),
        ("2026-04-15T09:00:00", utc(2026, 4, 15, 9)),
        ("2026-04-15T09:00:00+0200", utc(2026, 4, 15, 7)),
        ("2026-04-15 09:00:00 +0200", utc(2026, 4, 15, 7)),
        ("2026-4-5 9:00", utc(2026, 4, 5, 9)),
        ("2026/04/15 09:00:00", utc(2026, 4, 15, 9)),
        ("2026-04-15T09:00:00 UTC", utc(2026, 4, 15, 9)),
        ("2026-04-15T09:00:00-07", utc(2026, 4, 15, 16)),
        ("20260415T090000Z", utc(2026, 4, 15, 9)),
        # zones from outside the US, named as their feeds name them
        ("Wed, 15 Apr 2026 09:00:00 CEST", utc(2026, 4, 15, 7)),
        ("Wed, 15 Apr 2026 09:00:00 IST", utc(2026, 4, 15, 3, 30)),
        ("Wed, 15 Apr 2026 09:00:00 AEST", utc(2026, 4, 14, 23)),
        ("Wed, 15 Apr 2026 09:00:00 JST", utc(2026, 4, 15, 0)),
        ("Wed, 15 Apr 2026 09:00:00 NZDT", utc(2026, 4, 14, 20)),
        ("Wed, 15 Apr 2026 09:00:00 NST", utc(2026, 4, 15, 12, 30)),
        ("Wed, 15 Apr 2026 09:00:00 MSK", utc(2026, 4, 15, 6)),
        ("Wed, 15 Apr 2026 09:00:00 -0500 (EST)", utc(2026, 4, 15, 14)),
        # more mistakes
        ("Wednesday, 15 April 2026 09:00:00 GMT", utc(2026, 4, 15, 9)),
        ("Tues, 14 Apr 2026 09:00:00 GMT", utc(2026, 4, 14, 9)),
        ("Thurs, 16 Apr 2026 09:00:00 GMT", utc(2026, 4, 16, 9)),
        ("Wed,15 Apr 2026 09:00:00 GMT", utc(2026, 4, 15, 9)),
        ("Wed, 15 Apr 2026 9:00:00 GMT", utc(2026, 4, 15, 9)),
        ("Wed Apr 15 09:00:00 UTC 2026", utc(2026, 4, 15, 9)),
        ("Wed, 15 Apr 2026 09:00:00 PM GMT", utc(2026, 4, 15, 21)),
        ("Thu, 31 Apr 2026 09:00:00 GMT", utc(2026, 4, 30, 9)),
        ("Wed, 15 Apr 2026 24:00:00 GMT", utc(2026, 4, 16)),
        ("15.04.2026 09:00", utc(2026, 4, 15, 9)),
        ("15.04.2026", utc(2026, 4, 15)),
    ],
)
def test_parse_date_reads_real_feed_dates_as_aware_utc(value: str, expected: datetime) -> None:
    parsed = parse_date(value)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "yesterday",
        "not a date at all",
        "Wed, 31 Feb 2026 09:00:00 GMT",
        "Wed, 15 Apr 2026 25:00:00 GMT",
        "0000-00-00 00:00:00",
        "2026-13-45",
        "Apr 2026",
        "15 Foo 2026 09:00:00 GMT",
        "Wed, 15 Apr 2026 09:00:00 GMT" * 10,
        "\x00\x01\x02",
        "Wed, 15 Apr 2026 24:30:00 GMT",
        "Wed, 32 Apr 2026 09:00:00 GMT",
        "99.99.2026",
        "Wed, 15 Apr 99999 09:00:00 GMT",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
    ],
)
def test_parse_date_gives_none_and_never_raises_for_unparseable_text(value: str | None) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    ("dt", "text"),
    [
        (utc(2026, 4, 15, 9), "Apr 15, 2026"),
        (utc(2026, 4, 5), "Apr 5, 2026"),
        (utc(2025, 12, 31, 23, 59), "Dec 31, 2025"),
        (datetime(2026, 9, 1, tzinfo=timezone(timedelta(hours=2))), "Sep 1, 2026"),
    ],
)
def test_format_date_writes_month_day_year(dt: datetime, text: str) -> None:
    assert format_date(dt) == text
