"""Times as the gPodder API writes them. No Django here.

Clients send ISO 8601 in every form (with or without a zone, with fractions, dates
alone); a time without a zone is UTC. We always write `YYYY-MM-DDTHH:MM:SS` in UTC with
no zone and no fraction, the one form every client reads. `since` and the `timestamp`
answers are whole Unix seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime

# Longer than any ISO 8601 time with nanoseconds and a zone.
MAX_TIMESTAMP_LENGTH = 40
# Past this, a "since" or timestamp is no time a client can mean.
MAX_UNIX = 253402300799  # 9999-12-31T23:59:59


class BadTimestamp(ValueError):
    """The message says which value was wrong and what is expected."""


def parse_timestamp(value: object) -> datetime:
    """An aware UTC datetime, or BadTimestamp."""
    if not isinstance(value, str):
        raise BadTimestamp(f"timestamp must be a string like 2009-12-12T09:00:00, not {value!r}")
    text = value.strip()
    if not text or len(text) > MAX_TIMESTAMP_LENGTH:
        raise BadTimestamp(f"timestamp {value[:60]!r} is not an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadTimestamp(
            f"timestamp {text!r} is not an ISO 8601 time (example: 2009-12-12T09:00:00)"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def parse_since(value: str | None) -> datetime | None:
    """The `since` query parameter: None for everything (absent, empty or 0), or
    BadTimestamp."""
    if value is None or value.strip() in ("", "0"):
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12 or int(text) > MAX_UNIX:
        raise BadTimestamp(f"since must be a Unix time in whole seconds, not {value[:40]!r}")
    return from_unix(int(text))
