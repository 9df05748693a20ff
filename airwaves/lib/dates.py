"""Dates as feeds write them, turned into timezone-aware UTC datetimes.

Real feeds mostly send RFC 822 (RSS) or RFC 3339 (Atom), so those go through the standard
library first. What the fast paths reject or get wrong (offsets like "+02:00" or "GMT+2",
"Sept", a date without a time) goes through small hand-written fallbacks. Unparseable
input gives None: a bad date must never make a whole feed fail.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

# Longer strings are not dates; refusing them keeps the regex fallbacks cheap.
_MAX_LENGTH = 120

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()
_MONTH_ABBRS = ("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec").split()

# RFC 822 lists the US zones; feeds from elsewhere write their own abbreviations. Where
# one is ambiguous, the reading podcast feeds mean most often wins (IST is India's).
_ZONES = {
    "z": 0, "ut": 0, "utc": 0, "gmt": 0, "wet": 0,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5,
    "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
    "akst": -9, "akdt": -8, "hst": -10, "ast": -4, "adt": -3,
    "nst": -3.5, "ndt": -2.5, "brt": -3, "art": -3,
    "bst": 1, "ist": 5.5, "west": 1, "cet": 1, "met": 1, "cest": 2, "mest": 2,
    "eet": 2, "eest": 3, "msk": 3, "sast": 2, "cat": 2, "eat": 3,
    "pkt": 5, "wib": 7, "ict": 7, "sgt": 8, "hkt": 8, "awst": 8, "kst": 9, "jst": 9,
    "acst": 9.5, "acdt": 10.5, "aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13,
}  # fmt: skip

_ISO_LOOSE = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_TOKEN = re.compile(
    r"(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)"
    r"|(?P<offset>[+-]\d{1,2}(?::?\d{2})?)"
    r"|(?P<num>\d+)"
    r"|(?P<word>[a-z]+)"
)


def _to_utc(dt: datetime) -> datetime:
    # Naive means the feed gave no usable zone; UTC is the least surprising reading.
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _offset(text: str) -> timedelta | None:
    """ "+0200", "+02:00", "-7", "+2" -> a timedelta; None when out of range."""
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59:
        return None
    return sign * timedelta(hours=hours, minutes=minutes)


def _month(word: str) -> int | None:
    # Any prefix of the full name of at least three letters: "Sep", "Sept", "September".
    if len(word) < 3:
        return None
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if name.startswith(word):
            return number
    return None


def _build(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    micro: int = 0,
    offset: timedelta | None = None,
) -> datetime | None:
    if hour == 24 and minute == second == micro == 0:
        # "24:00:00", the end of the day, is the next day's midnight.
        dt = _build(year, month, day, 0, 0, 0, 0, offset)
        return dt + timedelta(days=1) if dt else None
    if day == 31 and month in _THIRTY_DAYS:
        # "31 Apr": a slip for the month's last day, common enough not to lose the date
        # over (a "31 Feb" is nonsense, and stays unknown).
        day = 30
    try:
        dt = datetime(year, month, day, hour, minute, second, micro)
        if offset is not None:
            dt = dt.replace(tzinfo=timezone(offset))
        return _to_utc(dt)
    except (ValueError, OverflowError):
        return None


def _micro(fraction: str | None) -> int:
    return int((fraction or "0")[:6].ljust(6, "0"))


def _parse_iso_loose(text: str) -> datetime | None:
    """ISO-ish forms fromisoformat refuses: "2026-4-15", "2026/04/15 9:00", a spaced offset."""
    match = _ISO_LOOSE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    offset = None
    if zone:
        offset = timedelta(0) if zone[0].isalpha() else _offset(zone)
    return _build(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        _micro(fraction),
        offset,
    )


_THIRTY_DAYS = frozenset({4, 6, 9, 11})
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def _parse_dotted(text: str) -> datetime | None:
    """ "15.04.2026 09:00", day first, as European CMSs write it."""
    match = _DOTTED.match(text)
    if match is None:
        return None
    day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    return _build(year, month, day, hour, minute, second)


def _parse_words(text: str) -> datetime | None:
    """RFC 822 lookalikes in any order: "15 Sept 2026 9:00 GMT+2", "April 15, 2026 9pm"."""
    day = month = year = None
    clock: list[int] | None = None
    micro = 0
    offset: timedelta | None = None
    pm = None
    after_zone = False
    for match in _TOKEN.finditer(text.lower()):
        kind, token = match.lastgroup, match.group()
        zone_suffix, after_zone = after_zone, False
        if kind == "offset" and zone_suffix and offset is not None:
            # "GMT+2" as people write it means two hours ahead of GMT (not the POSIX reading).
            extra = _offset(token)
            offset = offset + extra if extra is not None else offset
        elif kind == "time" and clock is None:
            main, _, fraction = token.replace(",", ".").partition(".")
            clock = [int(p) for p in main.split(":")] + [0]
            micro = _micro(fraction)
        elif kind == "offset" and clock is not None and offset is None:
            # Only after the time: before it, "-" separates "15-Apr-2026".
            offset = _offset(token)
        elif kind == "num":
            number = int(token)
            if len(token) == 4 and year is None:
                year = number
            elif len(token) <= 2 and day is None:
                day = number
            elif len(token) <= 2 and year is None:
                year = number + (1900 if number > 68 else 2000)
        elif kind == "word":
            if token in ("am", "pm"):
                pm = token == "pm"
            elif token in _ZONES and offset is None:
                offset = timedelta(hours=_ZONES[token])
                after_zone = True
            elif month is None:
                month = _month(token)
    if day is None or month is None or year is None:
        return None
    hour, minute, second = (clock or [0, 0, 0])[:3]
    if pm is not None and hour <= 12:
        hour = hour % 12 + (12 if pm else 0)
    return _build(year, month, day, hour, minute, second, micro, offset)


# RFC 822 as nearly every RSS feed writes it, read without the stdlib's general parser,
# which costs more than the rest of an item's fields together.
_RFC822 = re.compile(
    r"(?:[A-Za-z]{3}, )?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) "
    r"(GMT|UTC?|Z|[+-]\d{4})",
    re.ASCII,
)
_MONTHS = {name.lower(): number for number, name in enumerate(_MONTH_ABBRS, start=1)}


def _parse_rfc822(text: str) -> datetime | None:
    match = _RFC822.fullmatch(text)
    if match is None:
        return None
    day, month_name, year, hour, minute, second, zone = match.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    try:
        dt = datetime(int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    except ValueError:
        return None
    if zone[0] in "+-":
        minutes = int(zone[1:3]) * 60 + int(zone[3:])
        if minutes > 14 * 60 + 59 or int(zone[3:]) > 59:
            return None
        try:
            dt -= timedelta(minutes=minutes if zone[0] == "+" else -minutes)
        except OverflowError:
            return None
    return dt


def parse_date(value: str | None) -> datetime | None:
    """A feed's date text as an aware UTC datetime, or None. Never raises."""
    if not value:
        return None
    fast = _parse_rfc822(value) if len(value) < 40 else None
    if fast is not None:
        return fast
    text = " ".join(value.split())
    if not text or len(text) > _MAX_LENGTH:
        return None
    if text[:4].isdigit():
        try:
            return _to_utc(datetime.fromisoformat(text))
        except (ValueError, OverflowError):
            return _parse_iso_loose(text)
    try:
        dt = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        dt = None
    if dt is not None and dt.tzinfo is not None:
        try:
            return _to_utc(dt)
        except OverflowError:
            return None
    # The stdlib answered naive (zone unknown, "+02:00", "GMT+2") or not at all: read the
    # words ourselves, and trust a naive stdlib answer only if we cannot do better.
    parsed = _parse_words(text) or _parse_dotted(text)
    if parsed is None and dt is not None:
        parsed = _to_utc(dt)
    return parsed


def format_date(dt: datetime) -> str:
    """ "Apr 15, 2026" — fixed English abbreviations, whatever the process locale."""
    return f"{_MONTH_ABBRS[dt.month - 1]} {dt.day}, {dt.year}"
