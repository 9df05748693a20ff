from __future__ import annotations

import pytest

from airwaves.lib.durations import (
    format_duration,
    human_duration,
    iso8601_duration,
    parse_duration,
)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("00:09:48", 588),
        ("00:09:48 ", 588),
        ("  0:09:48\n", 588),
        ("1:02:03", 3723),
        ("01:02:03", 3723),
        ("9:48", 588),
        ("09:48", 588),
        ("0:05", 5),
        ("75:30", 4530),
        ("0:90:00", 5400),
        ("588", 588),
        ("588.7", 589),
        ("588.5", 589),
        ("588.2", 588),
        ("1:02:03.5", 3724),
        ("PT9M48S", 588),
        ("pt9m48s", 588),
        ("PT1H2M3S", 3723),
        ("PT45S", 45),
        ("PT1H", 3600),
        ("9 min", 540),
        ("12 minutes", 720),
        ("48 sec", 48),
        ("9min48s", 588),
        ("1h 2m 3s", 3723),
        ("1 hour 2 minutes", 3720),
        ("1:02:03.25", 3723),
        ("PT1.5S", 2),
        ("P1DT1H", 90000),
        ("604800", 604800),
    ],
)
def test_parse_duration_reads_what_feeds_send(value: str, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "about an hour",
        "-588",
        "-1:00",
        "1:-2:00",
        # Zero is a CMS's placeholder, never a length.
        "0",
        "0.2",
        "00:00:00",
        "0:00",
        "PT0S",
        "5 min 5 min",
        "9 min of fun",
        "1:2:3:4",
        "NaN",
        "inf",
        "1e9",
        "٣:٠٠",
        "1:02:03:04",
        "1.5:00",
        "::",
        "9:",
        ":48",
        "nan",
        "inf",
        "1e3",
        "P",
        "PT",
        "PTXS",
        "604801",
        "999:00:00",
        "99999999999",
    ],
)
def test_parse_duration_gives_none_for_nonsense_negative_or_absurd_values(
    value: str | None,
) -> None:
    assert parse_duration(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "9" * 400,  # float() gives infinity
        "9" * 400 + ".5",
        "1" * 5000 + ":00",  # past int()'s 4,300-digit limit
        "1:" + "9" * 400,
        "P" + "9" * 400 + "D",
        "PT" + "9" * 400 + "S",
        "9" * 400 + " min",
    ],
)
def test_parse_duration_gives_none_for_numbers_too_long_to_convert(value: str) -> None:
    assert parse_duration(value) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "00:00:00"),
        (5, "00:00:05"),
        (588, "00:09:48"),
        (3723, "01:02:03"),
        (86399, "23:59:59"),
        (360000, "100:00:00"),
        (-5, "00:00:00"),
    ],
)
def test_format_duration_is_always_zero_padded_hh_mm_ss(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "PT0S"),
        (45, "PT45S"),
        (588, "PT9M48S"),
        (3600, "PT1H"),
        (3723, "PT1H2M3S"),
        (3605, "PT1H5S"),
        (360000, "PT100H"),
    ],
)
def test_iso8601_duration_omits_zero_parts(seconds: int, text: str) -> None:
    assert iso8601_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (588, "9 minutes 48 seconds"),
        (3600, "1 hour"),
        (3720, "1 hour 2 minutes"),
        (7261, "2 hours 1 minute 1 second"),
    ],
)
def test_human_duration_reads_as_words(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


@pytest.mark.parametrize("seconds", [1, 59, 60, 588, 3599, 3723, 86400, 604800])
def test_parse_duration_reads_back_what_format_duration_and_iso8601_write(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds
    assert parse_duration(iso8601_duration(seconds)) == seconds
