"""/search (results grouped by kind, a page per kind) and /search/suggest (typeahead)."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import NamedTuple

from django.db import connection
from django.shortcuts import render
from django.views.decorators.http import require_GET

from airwaves.podcasts.models import Category, Episode, Podcast
from airwaves.radio.models import Station
from airwaves.search import engine
from airwaves.search.engine import CANDIDATES, Filters, highlight, transcript_snippets
from airwaves.search.query import MAX_TERMS, parse_query

MODELS = {"podcast": Podcast, "episode": Episode, "station": Station}
# URL values of ?kind=, and the labels of the groups.
KIND_PARAMS = {"shows": "podcast", "episodes": "episode", "stations": "station"}
LABELS = {"podcast": "Shows", "episode": "Episodes", "station": "Stations"}
# Results per group on the page that shows every kind; per page with ?kind=.
GROUP_SIZE = {"podcast": 6, "episode": 10, "station": 6}
PAGE_SIZE = 20
MAX_PAGE = CANDIDATES // PAGE_SIZE  # the matches that are ranked
# The page for every kind shows the first few of each: it ranks and counts the newest
# OVERVIEW_CANDIDATES matches of each kind ("200+"), a fifth of what a kind's own pages
# rank, so the first page of every search costs a fifth as much. Its first results can
# differ from the kind's own first page where a newer match by date sits further down
# by id (a show's back catalogue indexed after newer episodes).
OVERVIEW_CANDIDATES = 200
SUGGESTIONS_PER_KIND = 3
# Typeahead ranks fewer matches than a search: a keystroke must answer at once, and the
# newest few hundred titles starting with what was typed are plenty to pick three from.
SUGGESTION_CANDIDATES = 200
MAX_DURATION_MINUTES = 100_000


class InvalidSearch(ValueError):
    """A filter the visitor gave that we cannot read; the message says which and why."""


class Group(NamedTuple):
    kind: str
    param: str  # the ?kind= value that pages through this group alone
    label: str
    results: list  # model instances, each with a `snippet` (safe HTML, may be "")
    count: int  # capped at cap + 1
    more: bool  # another page follows
    cap: int  # the matches ranked and counted

    @property
    def count_label(self) -> str:
        return f"{self.cap:,}+" if self.count > self.cap else f"{self.count:,}"


def _date(request, name: str) -> date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidSearch(
            f"“{name}” must be a date like 2026-04-15, not “{value[:40]}”."
        ) from None


def _minutes(request, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_DURATION_MINUTES:
        raise InvalidSearch(f"“{name}” must be a number of minutes, not “{value[:40]}”.")
    return int(value) * 60


def read_filters(request) -> tuple[str, Filters]:
    """The ?kind= chosen ("" for every kind) and the filters, or InvalidSearch."""
    kind_param = request.GET.get("kind", "").strip()
    if kind_param and kind_param not in KIND_PARAMS:
        raise InvalidSearch("“kind” must be shows, episodes or stations.")
    language = request.GET.get("language", "").strip().lower()
    if language and not (len(language) <= 8 and language.replace("-", "").isalpha()):
        raise InvalidSearch("“language” must be a language code like en or pt-br.")
    category_ids: tuple[int, ...] = ()
    slug = request.GET.get("category", "").strip()
    if slug:
        category = Category.objects.filter(slug=slug[:120]).first()
        if category is None:
            raise InvalidSearch(f"There is no category “{slug[:40]}”.")
        children = Category.objects.filter(parent=category).values_list("pk", flat=True)
        category_ids = (category.pk, *children)
    filters = Filters(
        language=language.split("-")[0] if language else "",
        category_ids=category_ids,
        published_from=_date(request, "from"),
        published_to=_date(request, "to"),
        min_duration=_minutes(request, "min"),
        max_duration=_minutes(request, "max"),
    )
    return kind_param, filters


def _load(kind: str, ids: list[int], snippets: dict[int, str]) -> list:
    rows = MODELS[kind].objects.filter(pk__in=ids)
    if kind == "episode":
        rows = rows.select_related("podcast")
    by_id = {row.pk: row for row in rows}
    results = []
    for pk in ids:
        if pk in by_id:  # deleted between the two queries
            by_id[pk].snippet = snippets.get(pk, "")
            results.append(by_id[pk])
    return results


def _add_transcript_snippets(parsed, episodes: list, heard_ids: frozenset[int]) -> None:
    """Episodes matched in their transcript alone show where it holds the words, with
    the second to start playing there (`seek`) when the transcript has times."""
    heard = transcript_snippets(connection, parsed, [e.pk for e in episodes if e.pk in heard_ids])
    for episode in episodes:
        episode.in_transcript = episode.pk in heard
        if episode.in_transcript:
            episode.snippet, episode.seek = heard[episode.pk]


@require_GET
def search(request):
    text = request.GET.get("q", "")
    parsed = parse_query(text, prefix=False)
    context = {"query": text.strip()[:200], "parsed": parsed, "groups": [], "error": ""}
    try:
        kind_param, filters = read_filters(request)
        page = int(request.GET.get("page", "1") or 1)
        if not 1 <= page <= MAX_PAGE:
            raise ValueError
    except InvalidSearch as error:
        context["error"] = str(error)
        return render(request, "search/search.html", context, status=400)
    except ValueError:
        context["error"] = f"“page” must be a number from 1 to {MAX_PAGE}."
        return render(request, "search/search.html", context, status=400)
    context.update(
        kind=kind_param,
        page=page,
        filters=request.GET,
        max_terms=MAX_TERMS,
        categories=Category.objects.filter(parent=None),
    )
    if not parsed.searchable:
        return render(request, "search/search.html", context)

    chosen = [KIND_PARAMS[kind_param]] if kind_param else list(MODELS)
    chosen = [kind for kind in chosen if filters.applies_to(kind)]

    def group(kind: str) -> Group | None:
        size = PAGE_SIZE if kind_param else GROUP_SIZE[kind]
        offset = (page - 1) * size if kind_param else 0
        cap = engine.CANDIDATES if kind_param else min(OVERVIEW_CANDIDATES, engine.CANDIDATES)
        found = engine.search(
            connection, kind, parsed, filters, limit=size + 1, offset=offset, candidates=cap
        )
        more, ids = len(found.ids) > size, found.ids[:size]
        if not ids:
            return None
        snippets = highlight(connection, kind, parsed, ids)
        results = _load(kind, ids, snippets)
        if found.heard & set(ids):
            _add_transcript_snippets(parsed, results, found.heard)
        param = next(p for p, k in KIND_PARAMS.items() if k == kind)
        return Group(kind, param, LABELS[kind], results, found.count, more, cap)

    # Episodes, the slowest kind, are searched in this thread.
    here = chosen.index("episode") if "episode" in chosen else 0
    groups = side_by_side(group, chosen, here)
    context["groups"] = [g for g in groups if g is not None]
    return render(request, "search/search.html", context)


# PostgreSQL runs each kind's search on a connection of its own, at the same time: the
# page then waits for the slowest kind instead of the sum of them. At most SIDE_THREADS such searches run at once in a process, whatever their
# requests; beyond that, and on SQLite (one file, a search there takes a few milliseconds), or
# inside a transaction (whose rows other connections cannot see), they run in turn.
SIDE_THREADS = 4
_side = ThreadPoolExecutor(SIDE_THREADS, thread_name_prefix="search")
_side_slots = threading.BoundedSemaphore(SIDE_THREADS)


def side_by_side(work, items: list, here: int = 0) -> list:
    """[work(item) for item in items]: items[here] in this thread and, on PostgreSQL,
    the others at the same time in threads with connections of their own, while a
    thread is free (the others after it, in this thread)."""
    if len(items) < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return [work(item) for item in items]
    futures: dict[int, Future] = {}
    for i, item in enumerate(items):
        if i != here and _side_slots.acquire(blocking=False):
            try:
                futures[i] = _side.submit(_on_own_connection, work, item)
            except RuntimeError:  # the process is shutting down: in turn, here
                _side_slots.release()
    first = work(items[here])
    return [
        first if i == here else futures[i].result() if i in futures else work(item)
        for i, item in enumerate(items)
    ]


def _on_own_connection(work, item):
    try:
        return work(item)
    finally:
        # A thread's connection is its own: what a request's end does with the
        # request's (back to the pool, or kept for AIRWAVES_DB_CONN_MAX_AGE).
        connection.close_if_unusable_or_obsolete()
        _side_slots.release()


@require_GET
def suggest(request):
    """A small HTML fragment for the header's search box: the first few shows,
    episodes and stations whose titles start with what was typed so far."""
    parsed = parse_query(request.GET.get("q", ""), prefix=True)

    def group(kind: str) -> tuple[str, list] | None:
        ids = engine.search(
            connection,
            kind,
            parsed,
            Filters(),
            limit=SUGGESTIONS_PER_KIND,
            title_only=True,
            candidates=SUGGESTION_CANDIDATES,
        ).ids
        return (LABELS[kind], _load(kind, ids, {})) if ids else None

    kinds = list(MODELS) if parsed.searchable else []
    groups = side_by_side(group, kinds, kinds.index("episode") if kinds else 0)
    return render(request, "search/suggest.html", {"groups": [g for g in groups if g]})
