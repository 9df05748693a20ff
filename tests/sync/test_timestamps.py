from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airwaves.sync.timestamps import (
    BadTimestamp,
    format_timestamp,
    parse_since,
    parse_timestamp,
)

NINE = datetime(2009, 12, 12, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2009-12-12T09:00:00",
        "2009-12-12T09:00:00Z",
        "2009-12-12T09:00:00+00:00",
        "2009-12-12T11:00:00+02:00",
        "2009-12-12T04:00:00-05:00",
        "2009-12-12 09:00:00",
        "20091212T090000",
        " 2009-12-12T09:00 ",
    ],
)
def test_it_reads_every_iso_form_as_utc(text):
    assert parse_timestamp(text) == NINE


def test_it_keeps_fractions_when_reading_and_drops_them_when_writing():
    moment = parse_timestamp("2009-12-12T09:00:00.123456789Z")
    assert moment.microsecond == 123456
    assert format_timestamp(moment) == "2009-12-12T09:00:00"


def test_it_writes_utc_without_a_zone():
    assert format_timestamp(parse_timestamp("2009-12-12T11:00:00+02:00")) == "2009-12-12T09:00:00"


def test_a_date_alone_is_midnight_utc():
    assert format_timestamp(parse_timestamp("2009-12-12")) == "2009-12-12T00:00:00"


@pytest.mark.parametrize("value", ["", "yesterday", "2009-13-01T00:00:00", "1" * 100, 12, None])
def test_it_refuses_what_is_not_a_time(value):
    with pytest.raises(BadTimestamp):
        parse_timestamp(value)


@pytest.mark.parametrize("value", [None, "", "0", " 0 "])
def test_since_absent_or_zero_means_everything(value):
    assert parse_since(value) is None


def test_since_is_unix_seconds():
    assert parse_since("1260608400") == NINE


@pytest.mark.parametrize("value", ["-5", "1.5", "abc", "9" * 20, "١٢٣"])
def test_since_refuses_anything_else(value):
    with pytest.raises(BadTimestamp):
        parse_since(value)
