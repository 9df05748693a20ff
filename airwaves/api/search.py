"""Search: the site's engine and query language (search/engine.py, search/query.py)."""

from __future__ import annotations

import re
from datetime import date

from django.db import connection
from ninja import Query, Router

from airwaves.api import cursors
from airwaves.api.catalogue import ERRORS, category_slugs
from airwaves.api.errors import ApiError
from airwaves.api.pages import DEFAULT_LIMIT, MAX_LIMIT
from airwaves.api.schemas import (
    EpisodeHits,
    ShowHits,
    StationHits,
    episode_out,
    show_out,
    station_out,
)
from airwaves.podcasts.models import Episode, Podcast
from airwaves.radio.models import Station
from airwaves.search import engine
from airwaves.search.query import parse_query
from airwaves.search.views import InvalidSearch, read_filters

router = Router(tags=["search"])

MODELS = {"podcast": Podcast, "episode": Episode, "station": Station}
_FIELD = re.compile(r"“(\w+)”")

QUERY_HELP = 'Words, "a quoted phrase", and -word to leave out what has it'


def list_name_for(request, kind: str) -> str:
    """The list a search cursor belongs to: the kind and every parameter but the cursor."""
    params = request.GET.copy()
    params.pop("cursor", None)
    params.pop("limit", None)
    return f"search:{kind}:{params.urlencode()}"


def search_page(request, kind: str, q: str, cursor: str | None, limit: int):
    list_name = list_name_for(request, kind)
    key = cursors.decode(cursor, list_name)
    offset = key[0] if key else 0
    if not isinstance(offset, int) or not 0 <= offset <= engine.CANDIDATES:
        raise ApiError(400, "invalid_cursor", "This cursor belongs to another list.", "cursor")
    try:
        _, filters = read_filters(request)
    except InvalidSearch as error:
        match = _FIELD.search(str(error))
        raise ApiError(422, "invalid", str(error), match.group(1) if match else None) from None
    parsed = parse_query(q, prefix=False)
    found = engine.search(connection, kind, parsed, filters, limit=limit + 1, offset=offset)
    ids = found.ids[:limit]
    snippets = engine.highlight(connection, kind, parsed, ids)
    rows = MODELS[kind].objects.filter(pk__in=ids)
    if kind == "episode":
        rows = rows.select_related("podcast")
    by_id = rows.in_bulk()
    results = [by_id[pk] for pk in ids if pk in by_id]  # rows deleted meanwhile are left out
    following = None
    if len(found.ids) > limit and offset + limit < engine.CANDIDATES:
        following = cursors.encode(list_name, offset + limit)
    if kind == "episode":
        _add_transcript_snippets(parsed, results, found.heard, snippets)
    return results, snippets, found.count, following


def _add_transcript_snippets(parsed, episodes: list, heard_ids, snippets: dict) -> None:
    """Episodes matched in their transcript alone get its snippet, and the second its
    line starts at (as the site's results do)."""
    heard = engine.transcript_snippets(
        connection, parsed, [e.pk for e in episodes if e.pk in heard_ids]
    )
    for episode in episodes:
        episode.transcript_at = None
        episode.in_transcript = episode.pk in heard
        if episode.in_transcript:
            snippets[episode.pk], episode.transcript_at = heard[episode.pk]


@router.get("/search/shows", response={200: ShowHits, **ERRORS})
def search_shows(
    request,
    q: str = Query(..., min_length=1, max_length=500, description=QUERY_HELP),
    language: str | None = Query(None, max_length=8, description="A language code like en"),
    category: str | None = Query(None, max_length=120, description="A category's slug"),
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Shows whose title, author or description match, title matches first."""
    rows, snippets, count, following = search_page(request, "podcast", q, cursor, limit)
    slugs = category_slugs(rows)
    items = [
        {**show_out(request, s, slugs.get(s.category_id)), "snippet": snippets.get(s.pk, "")}
        for s in rows
    ]
    return {"count": count, "items": items, "next": following}


@router.get("/search/episodes", response={200: EpisodeHits, **ERRORS})
def search_episodes(
    request,
    q: str = Query(..., min_length=1, max_length=500, description=QUERY_HELP),
    language: str | None = Query(None, max_length=8, description="The show's language"),
    category: str | None = Query(None, max_length=120, description="The show's category slug"),
    published_from: date | None = Query(None, alias="from", description="Published on or after"),
    published_to: date | None = Query(None, alias="to", description="Published on or before"),
    min_minutes: int | None = Query(None, alias="min", ge=0, le=100_000, description="Minutes"),
    max_minutes: int | None = Query(None, alias="max", ge=0, le=100_000, description="Minutes"),
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Episodes whose title, author or show notes match; newer episodes first among
    matches of about the same strength."""
    rows, snippets, count, following = search_page(request, "episode", q, cursor, limit)
    items = [
        {
            **episode_out(request, e, e.podcast.slug),
            "snippet": snippets.get(e.pk, ""),
            "in_transcript": e.in_transcript,
            "transcript_at": e.transcript_at,
        }
        for e in rows
    ]
    return {"count": count, "items": items, "next": following}


@router.get("/search/stations", response={200: StationHits, **ERRORS})
def search_stations(
    request,
    q: str = Query(..., min_length=1, max_length=500, description=QUERY_HELP),
    language: str | None = Query(None, max_length=8, description="A language code like en"),
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Stations whose name, tags or country match; more popular stations first among
    matches of about the same strength."""
    rows, snippets, count, following = search_page(request, "station", q, cursor, limit)
    items = [{**station_out(request, s), "snippet": snippets.get(s.pk, "")} for s in rows]
    return {"count": count, "items": items, "next": following}
