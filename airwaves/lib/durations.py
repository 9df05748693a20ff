"""Episode durations: parse what feeds send, format what pages show.

Feeds put anything in itunes:duration ("588", "9:48", "00:09:48 ", "PT9M48S", "1:02:03.5",
"about an hour", "9 min"). We keep seconds as an int and render them in one place;
anything unreadable, zero or longer than a week is unknown (None).
"""

from __future__ import annotations

import re

# Longer than a week is a typo or a placeholder (some feeds send 99:99:99 or epoch seconds).
MAX_SECONDS = 7 * 24 * 3600
# No duration is written in more characters ("1 hour 2 minutes 3 seconds" is 26); a longer
# text would be numbers that float() reads as infinity or int() refuses to convert.
_MAX_LENGTH = 60

# ASCII digits only: float() would read "٣" as 3, and no feed means that.
_NUMBER = re.compile(r"\d+(?:\.\d+)?", re.ASCII)
_ISO = re.compile(
    r"P(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE | re.ASCII,
)


def _round(value: float) -> int:
    # Half up, not Python's banker's rounding: "588.5" is 589 seconds.
    return int(value + 0.5)


def _checked(seconds: float) -> int | None:
    # Zero is a placeholder ("0", "00:00:00" from a CMS that never measured the file),
    # not a length: unknown, so pages do not claim the episode lasts no time at all.
    total = _round(seconds)
    return total if 0 < total <= MAX_SECONDS else None


def _parse_clock(text: str) -> int | None:
    parts = text.split(":")
    if len(parts) > 3:
        return None
    if text.isascii() and all(p.isdigit() for p in parts):
        # "01:02:03", what nearly every feed sends: whole numbers, no regex needed.
        seconds = 0
        for part in parts:
            seconds = seconds * 60 + int(part)
        return _checked(seconds)
    if not all(_NUMBER.fullmatch(p) for p in parts):
        return None
    # Only the seconds field may carry a fraction ("1:02:03.5").
    if any("." in p for p in parts[:-1]):
        return None
    seconds = 0.0
    for part in parts:
        # Fields are summed, not range-checked: "75:30" is 75 minutes, and feeds that
        # send "0:90:00" mean ninety minutes.
        seconds = seconds * 60 + float(part)
    return _checked(seconds)


def _parse_iso(text: str) -> int | None:
    match = _ISO.fullmatch(text)
    if match is None or not any(match.groups()) or text.upper().endswith("T"):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return _checked(((days * 24 + hours) * 60 + minutes) * 60 + seconds)


def parse_duration(value: str | None) -> int | None:
    """Seconds from a feed's duration text, or None when it is not a usable duration."""
    if not value:
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LENGTH:
        return None
    if ":" in text:
        return _parse_clock(text)
    if _NUMBER.fullmatch(text):
        return _checked(float(text))
    if text[0] in "Pp":
        return _parse_iso(text)
    return _parse_units(text)


_UNITS = re.compile(
    r"\s*(\d+(?:\.\d+)?)\s*(h|hrs?|hours?|m|mins?|minutes?|s|secs?|seconds?)(?![a-z])\.?",
    re.IGNORECASE | re.ASCII,
)
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}


def _parse_units(text: str) -> int | None:
    """ "1h 2m 3s", "9 min", "48 sec": numbers with units, each unit at most once."""
    seconds = 0.0
    seen = set()
    position = 0
    for match in _UNITS.finditer(text):
        if match.start() != position:
            return None
        unit = match.group(2)[0].lower()
        if unit in seen:
            return None
        seen.add(unit)
        seconds += float(match.group(1)) * _UNIT_SECONDS[unit]
        position = match.end()
    if not seen or text[position:].strip():
        return None
    return _checked(seconds)


def _split(seconds: int) -> tuple[int, int, int]:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return hours, minutes, secs


def format_duration(seconds: int) -> str:
    """ "HH:MM:SS", zero-padded, hours unbounded: 588 -> "00:09:48"."""
    hours, minutes, secs = _split(seconds)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def iso8601_duration(seconds: int) -> str:
    """ISO 8601 duration for schema.org: 588 -> "PT9M48S", 0 -> "PT0S"."""
    hours, minutes, secs = _split(seconds)
    parts = [f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n]
    return "PT" + ("".join(parts) or "0S")


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def human_duration(seconds: int) -> str:
    """Words for generated answers: 588 -> "9 minutes 48 seconds", 3720 -> "1 hour 2 minutes"."""
    hours, minutes, secs = _split(seconds)
    units = ((hours, "hour"), (minutes, "minute"), (secs, "second"))
    parts = [_plural(n, unit) for n, unit in units if n]
    return " ".join(parts) or "0 seconds"
