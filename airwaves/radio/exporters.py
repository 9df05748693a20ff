"""Station lists out: M3U (with each station's UUID) and radio-browser JSON.

M3U: an EXTM3U playlist any player opens. Each station is three lines,

    #EXTINF:-1,<name>
    #RADIOBROWSERUUID:<uuid>
    <stream URL>

`#RADIOBROWSERUUID:` is the line myMPD and radio-browser tools use for the station's
UUID; players skip it as a comment, and importing the file back matches stations by it.

JSON: a list of objects with radio-browser's field names and types (as /json/stations
returns them), so the file imports into Airwaves or any radio-browser client.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from airwaves.radio.models import Station


def _one_line(text: str) -> str:
    return " ".join(text.split())


def stations_m3u(stations: Iterable[Station]) -> str:
    lines = ["#EXTM3U"]
    for station in stations:
        lines += [
            f"#EXTINF:-1,{_one_line(station.name)}",
            f"#RADIOBROWSERUUID:{station.uuid}",
            station.url_resolved or station.url,
        ]
    return "\n".join(lines) + "\n"


def _iso(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _plain(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def station_dict(station: Station) -> dict:
    """One station in radio-browser's JSON shape."""
    return {
        "stationuuid": str(station.uuid),
        "name": station.name,
        "url": station.url,
        "url_resolved": station.url_resolved,
        "homepage": station.homepage,
        "favicon": station.favicon,
        "tags": station.tags,
        "country": station.country,
        "countrycode": station.country_code,
        "state": station.state,
        "language": station.language,
        "languagecodes": station.language_codes,
        "votes": station.votes,
        "lastchangetime": _plain(station.changed_at),
        "lastchangetime_iso8601": _iso(station.changed_at),
        "codec": station.codec,
        "bitrate": station.bitrate or 0,
        "hls": int(station.hls),
        "lastcheckok": int(bool(station.last_check_ok)),
        "lastchecktime": _plain(station.last_check_at),
        "lastchecktime_iso8601": _iso(station.last_check_at),
        "lastcheckoktime": _plain(station.last_check_ok_at),
        "lastcheckoktime_iso8601": _iso(station.last_check_ok_at),
        "clickcount": station.click_count,
        "clicktrend": station.click_trend,
        "ssl_error": 0,
        "geo_lat": station.geo_lat,
        "geo_long": station.geo_long,
    }


def stations_json(stations: Iterable[Station]) -> str:
    return json.dumps([station_dict(s) for s in stations], ensure_ascii=False, indent=1) + "\n"
