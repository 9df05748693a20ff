"""Station lists in: radio-browser JSON exports, M3U/EXTM3U, PLS and XSPF.

    report = import_stations(data, filename="stations.json")
    print(report.describe())

Reading (`read_station_file`) never touches the database; `import_stations` then writes
each station in its own small transaction (the station row and its tag rows together),
so an import stopped half-way leaves whole stations only, and running it again finishes
the job: stations already there are matched, not added twice.

A station is the same station when it has the same radio-browser UUID, or the same
stream: its resolved URL if the file gives one (radio-browser's `url_resolved`), else
the entered URL, compared after normalize_stream_url(). With resolve=True, entries
without a resolved URL are resolved over the network first (playlists and redirects).

Entries that cannot become a station (no URL, not http(s), no name in a JSON entry) are
rejected with their line number and the reason; the rest of the file still imports.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid as uuid_lib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from airwaves.radio.models import Station, normalize_stream_url, split_list

Progress = Callable[[int, int], None]  # (done, total)

# What we accept, for error messages.
FORMATS_HELP = "radio-browser JSON (/json/stations), M3U or EXTM3U, PLS, or XSPF"
MAX_NAME = 400
MAX_URL = 2048


_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class StationFileError(ValueError):
    """The whole file is unusable (unknown format, invalid JSON); says what to do."""


@dataclass
class StationRecord:
    """One station as read from a file, before it meets the database."""

    line: int
    name: str
    url: str
    url_resolved: str = ""
    uuid: str = ""
    homepage: str = ""
    favicon: str = ""
    tags: str = ""
    country: str = ""
    country_code: str = ""
    state: str = ""
    language: str = ""
    language_codes: str = ""
    codec: str = ""
    bitrate: int | None = None
    hls: bool | None = None
    votes: int | None = None
    click_count: int | None = None
    click_trend: int | None = None
    geo_lat: float | None = None
    geo_long: float | None = None
    changed_at: datetime | None = None
    last_check_ok: bool | None = None
    last_check_at: datetime | None = None
    last_check_ok_at: datetime | None = None
    # A radio-browser entry describes the station and may update it; a playlist entry
    # (a URL and a title, often "(1/3) Name") only fills fields still empty.
    authoritative: bool = False

    @property
    def key(self) -> str:
        return Station.key_for(self.url_resolved or self.url)


# Fields an import may overwrite on a station that already exists: what the directory
# entry says about the station. Counters and check results belong to this site.
DESCRIPTIVE_FIELDS = (
    "name",
    "url",
    "homepage",
    "favicon",
    "tags",
    "country",
    "country_code",
    "state",
    "language",
    "language_codes",
    "geo_lat",
    "geo_long",
)
# Filled in on an existing station only while it has none (a check measures them).
TECHNICAL_FIELDS = ("url_resolved", "codec", "bitrate")


@dataclass
class ImportReport:
    format: str = ""
    total: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # (line, reason): entries that did not become stations.
    rejected: list[tuple[int, str]] = field(default_factory=list)
    # (line, text): the station was imported, but something in it was ignored.
    warnings: list[tuple[int, str]] = field(default_factory=list)
    # (line, text): the same stream appeared earlier in the file; counted once.
    duplicates: list[tuple[int, str]] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"{self.format or 'file'}: {self.total} entr{'y' if self.total == 1 else 'ies'}, "
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.duplicates)} duplicate, {len(self.rejected)} rejected"
        ]
        lines += [f"  line {n}: rejected: {reason}" for n, reason in self.rejected]
        lines += [f"  line {n}: duplicate: {text}" for n, text in self.duplicates]
        lines += [f"  line {n}: warning: {text}" for n, text in self.warnings]
        lines.append(
            "Each station was saved in its own transaction; running the import again "
            "adds nothing twice."
        )
        return "\n".join(lines)


# -- reading ------------------------------------------------------------------------------


_JSON_START = re.compile(rb"^\s*(\{|\[\s*[\{\]])")


def detect_format(data: bytes, filename: str = "") -> str:
    """ "json", "pls", "m3u", "xspf" or "asx"; raises StationFileError otherwise."""
    from airwaves.radio import streams

    data = data.removeprefix(b"\xef\xbb\xbf")
    if filename.lower().endswith(".json"):
        return "json"
    kind = streams.playlist_kind(data, url=filename)
    if kind == "hls":
        raise StationFileError(
            "this is an HLS playlist: the audio of one station, not a list of stations. "
            "Add a station with this file's URL as its stream URL instead."
        )
    if kind is not None:
        return kind
    if _JSON_START.match(data):
        return "json"
    raise StationFileError(f"could not tell what kind of file this is; expected {FORMATS_HELP}")


def read_station_file(
    data: bytes, filename: str = ""
) -> tuple[str, list[StationRecord], list[tuple[int, str]], list[tuple[int, str]]]:
    """(format, records, rejected, warnings) for a station list in any accepted format."""
    kind = detect_format(data, filename)
    if kind == "json":
        records, rejected, warnings = read_radio_browser_json(data)
        return "radio-browser JSON", records, rejected, warnings
    records, rejected = read_playlist(data, filename)
    return kind.upper(), records, rejected, []


def _json_entries(text: str) -> list[tuple[int, object]]:
    """The top-level array's items with the line each starts on (json.loads keeps no
    positions, so the array is walked item by item)."""
    decoder = json.JSONDecoder()

    def line_at(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def fail(error: json.JSONDecodeError) -> StationFileError:
        return StationFileError(
            f"line {error.lineno}: not valid JSON ({error.msg}); a radio-browser export "
            "is a JSON list of station objects"
        )

    ws = re.compile(r"[ \t\r\n]*")
    pos = ws.match(text, 0).end()
    if text.startswith("{", pos):
        try:
            value, _ = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as error:
            raise fail(error) from error
        return [(line_at(pos), value)]
    if not text.startswith("[", pos):
        raise StationFileError(
            f"line {line_at(pos)}: expected a JSON list of station objects, as radio-browser's "
            "/json/stations returns"
        )
    pos = ws.match(text, pos + 1).end()
    items: list[tuple[int, object]] = []
    if text.startswith("]", pos):
        return items
    while True:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as error:
            raise fail(error) from error
        items.append((line_at(pos), value))
        pos = ws.match(text, end).end()
        if text.startswith(",", pos):
            pos = ws.match(text, pos + 1).end()
            continue
        if text.startswith("]", pos):
            return items
        line = line_at(pos)
        raise StationFileError(
            f"line {line}: not valid JSON (expected ',' or ']' between stations)"
        )


def _text(value: object, limit: int = 1000) -> str:
    if value is None:
        return ""
    # Control characters (NUL above all, which PostgreSQL refuses in any text) are never
    # part of a name or a tag.
    return " ".join(_CONTROL_CHARACTERS.sub("", str(value)).split())[:limit]


def _int(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def _float(value: object) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(str(value))
    except ValueError:
        return None


def _when(entry: dict, name: str) -> datetime | None:
    """radio-browser gives `<name>_iso8601` ("2024-01-02T03:04:05Z") and, in older
    exports, only `<name>` ("2024-01-02 03:04:05", UTC)."""
    for key in (f"{name}_iso8601", name):
        raw = entry.get(key)
        if not raw or not isinstance(raw, str):
            continue
        try:
            value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _url_problem(url: str) -> str | None:
    if not url:
        return "no stream URL"
    if len(url) > MAX_URL:
        return f"the stream URL is longer than {MAX_URL} characters"
    if _CONTROL_CHARACTERS.search(url):
        return f"{url!r} contains control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return f"{url!r} is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{url!r} is not an http:// or https:// URL"
    if not parts.hostname:
        return f"{url!r} has no host name"
    return None


def _optional_url(value: object, what: str, line: int, warnings: list[tuple[int, str]]) -> str:
    url = _text(value, MAX_URL + 1)
    if url and _url_problem(url):
        warnings.append((line, f"ignored the {what} {url[:100]!r}: not an http(s) URL"))
        return ""
    return url


def read_radio_browser_json(
    data: bytes,
) -> tuple[list[StationRecord], list[tuple[int, str]], list[tuple[int, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise StationFileError(
            f"line {line}: the file is not UTF-8 text; radio-browser exports are UTF-8 JSON"
        ) from error
    records: list[StationRecord] = []
    rejected: list[tuple[int, str]] = []
    warnings: list[tuple[int, str]] = []
    for line, entry in _json_entries(text):
        if not isinstance(entry, dict):
            rejected.append((line, "not a station object (expected {...} with name and url)"))
            continue
        name = _text(entry.get("name"), MAX_NAME)
        url = str(entry.get("url") or "").strip()
        problem = _url_problem(url)
        if problem:
            rejected.append((line, problem))
            continue
        if not name:
            rejected.append((line, "the station has no name"))
            continue
        record = StationRecord(line=line, name=name, url=url, authoritative=True)
        resolved = str(entry.get("url_resolved") or "").strip()
        if resolved and not _url_problem(resolved):
            record.url_resolved = resolved
        uuid = str(entry.get("stationuuid") or "").strip()
        if uuid:
            try:
                record.uuid = str(uuid_lib.UUID(uuid))
            except ValueError:
                warnings.append((line, f"ignored the stationuuid {uuid[:60]!r}: not a UUID"))
        record.homepage = _optional_url(entry.get("homepage"), "homepage", line, warnings)
        record.favicon = _optional_url(entry.get("favicon"), "favicon", line, warnings)
        record.tags = ",".join(split_list(_text(entry.get("tags"))))[:1000]
        record.country = _text(entry.get("country"), 100)
        code = _text(entry.get("countrycode")).upper()
        if code and not re.fullmatch(r"[A-Z]{2}", code):
            warnings.append((line, f"ignored the country code {code[:10]!r}: not two letters"))
            code = ""
        record.country_code = code
        record.state = _text(entry.get("state"), 200)
        record.language = ",".join(split_list(_text(entry.get("language")), lower=False))[:300]
        record.language_codes = ",".join(split_list(_text(entry.get("languagecodes"))))[:200]
        record.codec = _text(entry.get("codec"), 30).upper()
        if record.codec == "UNKNOWN":
            record.codec = ""
        bitrate = _int(entry.get("bitrate"))
        record.bitrate = bitrate if bitrate and bitrate > 0 else None
        hls = _int(entry.get("hls"))
        record.hls = None if hls is None else bool(hls)
        record.votes = max(0, _int(entry.get("votes")) or 0)
        record.click_count = max(0, _int(entry.get("clickcount")) or 0)
        record.click_trend = _int(entry.get("clicktrend")) or 0
        lat, long = _float(entry.get("geo_lat")), _float(entry.get("geo_long"))
        if lat is not None and long is not None and -90 <= lat <= 90 and -180 <= long <= 180:
            record.geo_lat, record.geo_long = lat, long
        record.changed_at = _when(entry, "lastchangetime")
        ok = _int(entry.get("lastcheckok"))
        record.last_check_ok = None if ok is None else bool(ok)
        record.last_check_at = _when(entry, "lastchecktime")
        record.last_check_ok_at = _when(entry, "lastcheckoktime")
        records.append(record)
    return records, rejected, warnings


# SHOUTcast directory playlists prefix titles with the listing rank: "(#1 - 23/500) Name".
_SHOUTCAST_RANK = re.compile(r"^\(#\d+\s*-\s*\d+/\d+\)\s*")
_UUID_LINE = re.compile(r"^#RADIOBROWSERUUID:\s*(\S+)", re.IGNORECASE)


def _m3u_uuids(data: bytes) -> dict[int, str]:
    """{line of a stream URL: UUID} from `#RADIOBROWSERUUID:` lines, which Airwaves (and
    myMPD) write before a station's URL in M3U exports."""
    found: dict[int, str] = {}
    pending = ""
    for number, raw in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        line = raw.strip()
        match = _UUID_LINE.match(line)
        if match:
            pending = match.group(1)
        elif line and not line.startswith("#"):
            if pending:
                found[number] = pending
            pending = ""
    return found


def read_playlist(
    data: bytes, filename: str = ""
) -> tuple[list[StationRecord], list[tuple[int, str]]]:
    from airwaves.radio import streams

    entries, errors = streams.parse_playlist_with_errors(data, url=filename)
    rejected = list(errors)
    uuids = _m3u_uuids(data) if not data.lstrip().startswith((b"<", b"[")) else {}
    records = []
    for entry in entries:
        url = entry.url.strip()
        problem = _url_problem(url)
        if problem:
            rejected.append((entry.line, problem))
            continue
        title = _SHOUTCAST_RANK.sub("", _text(entry.title, MAX_NAME))
        name = title or (urlsplit(url).hostname or url)[:MAX_NAME]
        record = StationRecord(line=entry.line, name=name, url=url)
        uuid = uuids.get(entry.line, "")
        if uuid:
            try:
                record.uuid = str(uuid_lib.UUID(uuid))
            except ValueError:
                pass
        records.append(record)
    rejected.sort()
    return records, rejected


# -- resolving (optional) -------------------------------------------------------------------


def resolve_records(records: list[StationRecord], warnings: list[tuple[int, str]]) -> None:
    """Fills url_resolved (and hls) of records lacking it, 8 at a time, over the network."""
    from airwaves.lib.net import make_async_client
    from airwaves.radio import streams

    todo = [r for r in records if not r.url_resolved]

    async def run() -> None:
        limit = asyncio.Semaphore(8)
        async with make_async_client(
            allow_private=settings.ALLOW_PRIVATE_URLS, timeout=15.0
        ) as client:

            async def one(record: StationRecord) -> None:
                async with limit:
                    try:
                        url, is_hls = await streams.resolve_stream(record.url, client=client)
                    except Exception as error:  # noqa: BLE001 (any failure is reported)
                        warnings.append((record.line, f"could not resolve {record.url}: {error}"))
                        return
                record.url_resolved = url
                record.hls = is_hls

            await asyncio.gather(*(one(r) for r in todo))

    if todo:
        asyncio.run(run())


# -- writing ----------------------------------------------------------------------------------


def _find_existing(record: StationRecord) -> Station | None:
    if record.uuid:
        station = Station.objects.filter(uuid=record.uuid).first()
        if station:
            return station
    keys = {record.key, Station.key_for(record.url)}
    return (
        Station.objects.filter(url_key__in=keys).first()
        or Station.objects.filter(url=record.url).first()
    )


def _new_station(record: StationRecord) -> Station:
    values = {
        f.name: getattr(record, f.name)
        for f in fields(StationRecord)
        if f.name not in ("line", "uuid", "hls", "changed_at", "authoritative")
        and getattr(record, f.name) is not None
    }
    station = Station(**values, hls=bool(record.hls))
    if record.uuid:
        station.uuid = uuid_lib.UUID(record.uuid)
    station.https = (record.url_resolved or record.url).lower().startswith("https://")
    now = timezone.now()
    station.changed_at = record.changed_at or now
    # A station radio-browser found failing starts hidden, until our own check says
    # otherwise; every imported station is due for a check right away.
    station.broken = record.last_check_ok is False
    station.check_failures = 1 if record.last_check_ok is False else 0
    station.next_check_at = now
    return station


def _apply_update(station: Station, record: StationRecord) -> bool:
    changed = False
    for name in DESCRIPTIVE_FIELDS:
        value = getattr(record, name)
        if value in (None, "") or value == getattr(station, name):
            continue
        if not record.authoritative and getattr(station, name) not in (None, ""):
            continue
        if name == "url" and normalize_stream_url(value) == normalize_stream_url(station.url):
            continue
        setattr(station, name, value)
        changed = True
    for name in TECHNICAL_FIELDS:
        value = getattr(record, name)
        if value not in (None, "") and not getattr(station, name):
            setattr(station, name, value)
            changed = True
    if changed:
        station.changed_at = record.changed_at or timezone.now()
    return changed


def import_stations(
    data: bytes,
    filename: str = "",
    *,
    resolve: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Reads a station list and adds or updates its stations (see the module docstring).
    Raises StationFileError when the file as a whole cannot be read."""
    kind, records, rejected, warnings = read_station_file(data, filename)
    report = ImportReport(format=kind, rejected=rejected, warnings=warnings)
    report.total = len(records) + len(rejected)
    if resolve:
        resolve_records(records, report.warnings)
    seen: dict[str, int] = {}
    for done, record in enumerate(records, start=1):
        import_records([record], report, seen)
        if progress:
            progress(done, len(records))
    report.rejected.sort()
    report.warnings.sort()
    return report


def import_records(
    records: list[StationRecord], report: ImportReport, seen: dict[str, int]
) -> None:
    """Saves records one transaction each, counting into `report`. `seen` maps the
    stream keys and UUIDs saved so far in this import to their line, to report an entry
    repeating an earlier one instead of saving it twice."""
    for record in records:
        first = seen.get(record.key) or (seen.get(record.uuid) if record.uuid else None)
        if first:
            report.duplicates.append(
                (record.line, f"{record.url} is the same station as line {first}")
            )
            continue
        seen[record.key] = record.line
        if record.uuid:
            seen[record.uuid] = record.line
        _save(record, report)


def _save(record: StationRecord, report: ImportReport) -> None:
    with transaction.atomic():
        station = _find_existing(record)
        if station is None:
            station = _new_station(record)
            station.save()
            station.sync_facets()
            report.added += 1
        elif _apply_update(station, record):
            station.save()
            station.sync_facets()
            station.rekey()
            report.updated += 1
        else:
            report.unchanged += 1
