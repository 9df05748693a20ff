"""Stations: read by anybody; votes and clicks by listeners."""

from __future__ import annotations

from typing import Literal

from ninja import Query, Router

from airwaves.api.auth import WRITE
from airwaves.api.catalogue import ERRORS
from airwaves.api.errors import not_found
from airwaves.api.pages import DEFAULT_LIMIT, MAX_LIMIT, page
from airwaves.api.schemas import Counted, ErrorOut, StationOut, StationPage, station_out
from airwaves.lib.clients import request_client_address
from airwaves.radio import tallies
from airwaves.radio.models import Station, StationFacet

router = Router(tags=["stations"])

STATION_ORDERS = {
    "votes": ("-votes", "-id"),
    "clicks": ("-click_count", "-id"),
    "changed": ("-changed_at", "-id"),
}
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, **ERRORS}


@router.get("/stations", response={200: StationPage, **ERRORS})
def list_stations(
    request,
    order: Literal["votes", "clicks", "changed"] = Query(
        "votes", description="votes: top voted; clicks: most listened; changed: recently changed"
    ),
    country: str | None = Query(None, min_length=2, max_length=2, description="ISO 3166-1 code"),
    language: str | None = Query(None, max_length=20, description="ISO 639 code"),
    tag: str | None = Query(None, max_length=100),
    codec: str | None = Query(None, max_length=30),
    hidebroken: bool = Query(True, description="Leave out stations failing their checks"),
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Stations, top voted first (or most listened, or recently changed), filtered by
    country, language, tag or codec."""
    rows = Station.objects.all()
    if hidebroken:
        rows = rows.filter(broken=False)
    if country:
        rows = rows.filter(country_code=country.upper())
    if codec:
        rows = rows.filter(codec__iexact=codec)
    for kind, value in ((StationFacet.Kind.TAG, tag), (StationFacet.Kind.LANGUAGE, language)):
        if value:
            facets = StationFacet.objects.filter(kind=kind, value=value.strip().lower())
            rows = rows.filter(pk__in=facets.values("station_id"))
    # The filters are part of the list a cursor belongs to.
    list_name = f"stations:{order}:{hidebroken}:{country}:{codec}:{tag}:{language}"
    found, following = page(rows, list_name, STATION_ORDERS[order], cursor, limit)
    return {"items": [station_out(request, s) for s in found], "next": following}


def station_by_slug(slug: str) -> Station:
    station = Station.objects.filter(slug=slug[:120]).first()
    if station is None:
        raise not_found(f"There is no station with the slug {slug[:120]!r}.")
    return station


@router.get("/stations/{slug}", response={200: StationOut, **ERRORS})
def get_station(request, slug: str):
    return station_out(request, station_by_slug(slug))


@router.post("/stations/{slug}/vote", response={200: Counted, **WRITE_ERRORS}, auth=WRITE)
def vote(request, slug: str):
    """Votes for the station, once a day per client address, as the station page does."""
    station = station_by_slug(slug)
    return {"counted": tallies.record_vote(station.pk, request_client_address(request))}


@router.post("/stations/{slug}/click", response={200: Counted, **WRITE_ERRORS}, auth=WRITE)
def click(request, slug: str):
    """Counts a listener starting the station, once a day per client address."""
    station = station_by_slug(slug)
    return {"counted": tallies.record_click(station.pk, request_client_address(request))}
