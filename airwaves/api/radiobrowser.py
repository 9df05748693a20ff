"""A radio-browser-compatible subset, so radio apps that speak its API can use this site
as their server: /json/stations/search, /json/stations/byuuid/<uuids>, /json/url/<uuid>.

Field names and value shapes are radio-browser's own (comma-separated strings, 0/1 for
booleans, "YYYY-MM-DD HH:MM:SS" times next to their ISO 8601 forms). Parameters may come
in the query string or a form or JSON body, as radio-browser accepts them. One
difference: broken stations are left out unless `hidebroken=false`, as everywhere on this
site. Bounded where radio-browser is not: at most MAX_LIMIT stations an answer, and
`offset` at most MAX_OFFSET.
"""

from __future__ import annotations

import json
import uuid as uuid_lib
from datetime import datetime

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from airwaves.api.errors import error_response
from airwaves.lib.clients import request_client_address
from airwaves.radio import tallies
from airwaves.radio.models import Station, StationFacet
from airwaves.search.substrings import station_match

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 10_000
MAX_UUIDS = 100
MAX_PARAM_CHARS = 200
# radio-browser's `order` values this subset sorts by, and the columns they are.
ORDERS = {
    "name": "name",
    "votes": "votes",
    "clickcount": "click_count",
    "clicktrend": "click_trend",
    "bitrate": "bitrate",
    "changetimestamp": "changed_at",
    "lastchangetime": "changed_at",
    "country": "country",
    "codec": "codec",
}


class BadParameter(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _time(value: datetime | None) -> tuple[str, str | None]:
    if value is None:
        return "", None
    return value.strftime("%Y-%m-%d %H:%M:%S"), value.strftime("%Y-%m-%dT%H:%M:%SZ")


def station_json(station: Station) -> dict:
    changed, changed_iso = _time(station.changed_at)
    checked, checked_iso = _time(station.last_check_at)
    checked_ok, checked_ok_iso = _time(station.last_check_ok_at)
    return {
        "changeuuid": str(uuid_lib.uuid5(station.uuid, changed_iso or "")),
        "stationuuid": str(station.uuid),
        "serveruuid": None,
        "name": station.name,
        "url": station.url,
        "url_resolved": station.url_resolved,
        "homepage": station.homepage,
        "favicon": station.favicon,
        "tags": station.tags,
        "country": station.country,
        "countrycode": station.country_code,
        "iso_3166_2": None,
        "state": station.state,
        "language": station.language,
        "languagecodes": station.language_codes,
        "votes": station.votes,
        "lastchangetime": changed,
        "lastchangetime_iso8601": changed_iso,
        "codec": station.codec,
        "bitrate": station.bitrate or 0,
        "hls": int(station.hls),
        "lastcheckok": int(bool(station.last_check_ok)),
        "lastchecktime": checked,
        "lastchecktime_iso8601": checked_iso,
        "lastcheckoktime": checked_ok,
        "lastcheckoktime_iso8601": checked_ok_iso,
        "lastlocalchecktime": checked,
        "lastlocalchecktime_iso8601": checked_iso,
        "clicktimestamp": "",
        "clicktimestamp_iso8601": None,
        "clickcount": station.click_count,
        "clicktrend": station.click_trend,
        "ssl_error": 0,
        "geo_lat": station.geo_lat,
        "geo_long": station.geo_long,
        "has_extended_info": False,
    }


def parameters(request) -> dict[str, str]:
    """The request's parameters, from the query string and a form or JSON body."""
    params = {k: v for k, v in request.GET.items()}
    if request.method == "POST":
        if request.content_type == "application/json" and request.body:
            try:
                body = json.loads(request.body)
            except (ValueError, RecursionError):
                raise BadParameter("", "The request body is not valid JSON.") from None
            if not isinstance(body, dict):
                raise BadParameter("", "The JSON body must be an object of parameters.")
            params.update({str(k): str(v) for k, v in body.items()})
        else:
            params.update({k: v for k, v in request.POST.items()})
    for name, value in params.items():
        if len(value) > MAX_PARAM_CHARS:
            raise BadParameter(name, f"{name} is longer than {MAX_PARAM_CHARS} characters.")
    return params


def _flag(params: dict, name: str, default: bool) -> bool:
    value = params.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise BadParameter(name, f"{name} must be true or false.")


def _number(params: dict, name: str, default: int, most: int) -> int:
    value = params.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or int(value) > most:
        raise BadParameter(name, f"{name} must be a whole number from 0 to {most}.")
    return int(value)


def search_rows(params: dict):
    rows = Station.objects.all()
    if _flag(params, "hidebroken", True):
        rows = rows.filter(broken=False)
    exact = {n: _flag(params, f"{n}Exact", False) for n in ("name", "country", "language", "tag")}
    # Names and countries match anywhere in the value, through the trigram index.
    for column in ("name", "country"):
        if params.get(column):
            rows = rows.filter(
                station_match(connection, column, params[column], exact=exact[column])
            )
    if params.get("countrycode"):
        rows = rows.filter(country_code=params["countrycode"].upper())
    if params.get("state"):
        rows = rows.filter(state__icontains=params["state"])
    if params.get("language"):
        key = "language__iexact" if exact["language"] else "language__icontains"
        rows = rows.filter(**{key: params["language"]})
    if params.get("tag"):
        tag = params["tag"].strip().lower()
        if exact["tag"]:
            facets = StationFacet.objects.filter(kind=StationFacet.Kind.TAG, value=tag)
            rows = rows.filter(pk__in=facets.values("station_id"))
        else:
            rows = rows.filter(station_match(connection, "tags", tag))
    if params.get("codec"):
        rows = rows.filter(codec__iexact=params["codec"])
    bitrate_min = _number(params, "bitrateMin", 0, 1_000_000)
    if bitrate_min:
        rows = rows.filter(bitrate__gte=bitrate_min)
    if params.get("bitrateMax"):
        rows = rows.filter(bitrate__lte=_number(params, "bitrateMax", 0, 1_000_000))
    order = params.get("order", "name") or "name"
    if order not in ORDERS:
        raise BadParameter("order", f"order must be one of {', '.join(sorted(ORDERS))}.")
    column = ORDERS[order]
    reverse = _flag(params, "reverse", False)
    rows = rows.order_by(f"-{column}" if reverse else column, "-id" if reverse else "id")
    offset = _number(params, "offset", 0, MAX_OFFSET)
    limit = _number(params, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    return rows[offset : offset + limit]


def _bad(error: BadParameter):
    return error_response(400, "invalid", str(error), error.field or None)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def stations_search(request):
    try:
        rows = search_rows(parameters(request))
    except BadParameter as error:
        return _bad(error)
    return JsonResponse([station_json(s) for s in rows], safe=False)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def stations_by_uuid(request, uuids: str = ""):
    try:
        text = uuids or parameters(request).get("uuids", "")
    except BadParameter as error:
        return _bad(error)
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    if len(wanted) > MAX_UUIDS:
        return error_response(
            400, "too_many", f"Ask for at most {MAX_UUIDS} stations at once.", "uuids"
        )
    try:
        ids = [uuid_lib.UUID(part) for part in wanted]
    except ValueError:
        return error_response(
            400, "invalid", "uuids must be station UUIDs, comma-separated.", "uuids"
        )
    rows = Station.objects.filter(uuid__in=ids)
    by_uuid = {s.uuid: s for s in rows}
    return JsonResponse([station_json(by_uuid[i]) for i in ids if i in by_uuid], safe=False)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def station_url(request, uuid: str):
    """The station's stream URL, counting a click (once a day per client address)."""
    try:
        station = Station.objects.filter(uuid=uuid_lib.UUID(uuid)).first()
    except ValueError:
        station = None
    if station is None:
        return error_response(404, "not_found", f"There is no station {uuid[:40]!r}.", "uuid")
    if request.method != "HEAD":
        tallies.record_click(station.pk, request_client_address(request))
    response = JsonResponse(
        {
            "ok": True,
            "message": "retrieved station url",
            "stationuuid": str(station.uuid),
            "name": station.name,
            "url": station.stream_url,
        }
    )
    # Every request counts (or is refused as a repeat): no cache may answer for us.
    response["Cache-Control"] = "no-store"
    return response
