"""Full-text search over shows, episodes and stations: one interface, two engines.

    found = search(connection, "episode", parsed, filters, limit=20, offset=0)
    snippets = highlight(connection, "episode", parsed, found.ids)   # the page's rows only

SQLite answers with FTS5 (bm25), PostgreSQL with its full text search (ts_rank over a
GIN-indexed tsvector); `connection.vendor` picks one. Both rank the same way:

- title matches first: titles weigh most (A), then authors and tags (B), then the body (C),
  heavily enough that a title match outranks any body match of the same words;
- then a boost of at most 30% for newer episodes (half of it for one six months old)
  and for stations with more votes and clicks (5% per digit of their sum), which only
  reorders matches of about the same strength.

Only the CANDIDATES newest matches are ranked and counted (beyond them, "1,000+"), so a
page costs about the same whatever the size of the catalogue.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from airwaves.search.query import ParsedQuery
from airwaves.search.schema import BY_KIND

CANDIDATES = 1000  # matches ranked and counted per query (see search())
SNIPPET_WORDS = 24
# Markers around matched words inside snippets; control characters, which feed text
# never holds (the crawler strips them), so they cannot be confused with content.
MARK_START, MARK_END = "\x02", "\x03"

KINDS = ("podcast", "episode", "station")
# The column whose text a result's snippet comes from (the body, where titles are not).
_SNIPPET_COLUMN = {"podcast": "description", "episode": "description", "station": "tags"}


@dataclass(frozen=True)
class Filters:
    language: str = ""  # "en" matches en, en-us, en-GB
    category_ids: tuple[int, ...] = ()  # a category and its children
    published_from: date | None = None
    published_to: date | None = None
    min_duration: int | None = None  # seconds
    max_duration: int | None = None

    @property
    def episode_only(self) -> bool:
        return any(
            v is not None
            for v in (self.published_from, self.published_to, self.min_duration, self.max_duration)
        )

    def applies_to(self, kind: str) -> bool:
        """Whether results of this kind can satisfy the filters at all: stations have
        no category, and only episodes have dates and durations."""
        if self.episode_only and kind != "episode":
            return False
        return not (self.category_ids and kind == "station")


class Matches(NamedTuple):
    ids: list[int]  # the page asked for, best first
    count: int  # matches, counted up to CANDIDATES + 1 ("1,000+")


def search(
    connection,
    kind: str,
    parsed: ParsedQuery,
    filters: Filters,
    *,
    limit: int,
    offset: int = 0,
    title_only: bool = False,
    candidates: int | None = None,
) -> Matches:
    """The best matches of one kind, best first, and how many there are.

    Only the CANDIDATES newest matches (by id, the order both indexes keep) are ranked:
    ranking every match of a common word would cost time in proportion to the
    catalogue, while these are read straight off the index and stop at the limit.
    Rarer queries, with fewer matches than that, are ranked in full. The count is
    that of the candidates, in the same query: no second pass over the matches.
    """
    if not parsed.searchable or not filters.applies_to(kind):
        return Matches([], 0)
    table = BY_KIND[kind].titles if title_only else BY_KIND[kind]
    boost = _boost(connection, kind)
    if connection.vendor == "sqlite":
        weights = ", ".join(str(w) for w in table.weights)
        # bm25() is negative, better matches more so: a boost makes it more negative.
        columns = f"t.id AS id, bm25({table.fts}, {weights}) * {boost} AS score"
        sql, params = _matches(connection, kind, parsed, filters, title_only, columns)
        sql = (
            f"SELECT id, count(*) OVER () FROM ({sql} ORDER BY {table.fts}.rowid DESC "
            "LIMIT %s) ORDER BY score, id DESC LIMIT %s OFFSET %s"
        )
    else:
        # ts_rank() outside the candidates' subquery, so only they are ranked.
        columns = f"t.id AS id, d.document AS document, query, {boost} AS boost"
        sql, params = _matches(connection, kind, parsed, filters, title_only, columns)
        sql = (
            f"SELECT id, count(*) OVER () FROM ({sql} ORDER BY d.id DESC LIMIT %s) c "
            "ORDER BY ts_rank(c.document, c.query) * c.boost DESC, id DESC LIMIT %s OFFSET %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, (candidates or CANDIDATES) + 1, limit, offset])
        rows = cursor.fetchall()
    return Matches([row[0] for row in rows], rows[0][1] if rows else 0)


def highlight(connection, kind: str, parsed: ParsedQuery, ids: list[int]) -> dict[int, str]:
    """Safe HTML snippets, matched words in <mark>, for the given rows only."""
    if not ids or not parsed.searchable:
        return {}
    table = BY_KIND[kind]
    marks = ", ".join(["%s"] * len(ids))
    if connection.vendor == "sqlite":
        column = [c.name for c in table.columns].index(_SNIPPET_COLUMN[kind])
        sql = (
            f"SELECT rowid, snippet({table.fts}, {column}, %s, %s, '…', {SNIPPET_WORDS}) "
            f"FROM {table.fts} WHERE {table.fts} MATCH %s AND rowid IN ({marks})"
        )
        params = [MARK_START, MARK_END, parsed.to_fts5(), *ids]
    else:
        text = f"t.{_SNIPPET_COLUMN[kind]}"
        # The positive words only: a headline shows what was found, not what was excluded.
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, MinWords=8"
        inline = "|".join(sorted(_INLINE))
        text = (
            f"regexp_replace(regexp_replace(left({text}, 20000), "
            f"'</?({inline})\\M[^>]*>', '', 'gi'), '<[^>]*>', ' ', 'g')"
        )
        sql = (
            f"SELECT t.id, ts_headline('simple', {text}, to_tsquery('simple', %s), %s) "
            f"FROM {table.table} t WHERE t.id IN ({marks})"
        )
        positive = ParsedQuery(terms=parsed.positive, truncated=False)
        params = [positive.to_tsquery(), options, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row_id: _snippet_html(text) for row_id, text in cursor.fetchall() if text}


_TAG = re.compile(r"<(/?)([a-zA-Z0-9]*)[^>]*>|^[^<]*?>|<[^>]*$")
# Tags inside a line of text: removing them must not split the word or its punctuation.
_INLINE = frozenset("a abbr b cite code em i mark q s small span strong sub sup u".split())


def _drop_tag(match: re.Match) -> str:
    return "" if (match.group(2) or "").lower() in _INLINE else " "


def _snippet_html(text: str) -> str:
    """Plain text of a snippet cut from sanitized HTML (tags, and tags cut in half at
    either end, removed; entities decoded), escaped, with the markers made <mark>."""
    text = html.unescape(_TAG.sub(_drop_tag, text))
    text = " ".join(html.escape(text).split())
    if MARK_START not in text:
        return ""
    return text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _matches(
    connection,
    kind: str,
    parsed: ParsedQuery,
    filters: Filters,
    title_only: bool = False,
    columns: str = "t.id",
) -> tuple[str, list]:
    """SELECT <columns> FROM <index> JOIN <table> t WHERE <matches and filters>, its params."""
    table = BY_KIND[kind].titles if title_only else BY_KIND[kind]
    if connection.vendor == "sqlite":
        query = parsed.to_fts5()
        sql = (
            f"SELECT {columns} FROM {table.fts} JOIN {table.table} t ON t.id = {table.fts}.rowid "
            f"{_joins(kind)} WHERE {table.fts} MATCH %s"
        )
    else:
        query = parsed.to_tsquery()
        sql = (
            f"SELECT {columns} FROM to_tsquery('simple', %s) query CROSS JOIN {table.doc} d "
            f"JOIN {table.table} t ON t.id = d.id {_joins(kind)} WHERE d.document @@ query"
        )
    where, params = _filters(connection, kind, filters)
    return sql + where, [query, *params]


def _joins(kind: str) -> str:
    return "JOIN podcasts_podcast p ON p.id = t.podcast_id" if kind == "episode" else ""


def _filters(connection, kind: str, filters: Filters) -> tuple[str, list]:
    clauses: list[str] = []
    params: list = []
    if kind == "station":
        clauses.append("t.broken = %s")
        params.append(False)
        if filters.language:
            # language_codes is comma-separated ("en,fr"): match a whole code.
            codes = "(',' || lower(t.language_codes) || ',')"
            clauses.append(f"({codes} LIKE %s OR {codes} LIKE %s)")
            params += [f"%,{filters.language},%", f"%,{filters.language}-%"]
    else:
        show = "p" if kind == "episode" else "t"
        # The same shows the rest of the site lists (podcasts.views.listed_podcasts).
        clauses.append(f"{show}.title <> '' AND {show}.moved_to_id IS NULL")
        if filters.language:
            clauses.append(f"(lower({show}.language) = %s OR lower({show}.language) LIKE %s)")
            params += [filters.language, f"{filters.language}-%"]
        if filters.category_ids:
            marks = ", ".join(["%s"] * len(filters.category_ids))
            clauses.append(f"{show}.category_id IN ({marks})")
            params += list(filters.category_ids)
    if kind == "episode":
        if filters.published_from:
            clauses.append("t.published_at >= %s")
            params.append(_midnight(connection, filters.published_from))
        if filters.published_to:
            clauses.append("t.published_at < %s")
            params.append(_midnight(connection, filters.published_to, next_day=True))
        if filters.min_duration is not None:
            clauses.append("t.duration >= %s")
            params.append(filters.min_duration)
        if filters.max_duration is not None:
            clauses.append("t.duration <= %s")
            params.append(filters.max_duration)
    return "".join(f" AND {c}" for c in clauses), params


def _midnight(connection, day: date, *, next_day: bool = False):
    """The start of a day (UTC) as the database stores datetimes."""
    moment = datetime.combine(day + timedelta(days=1 if next_day else 0), time(), tzinfo=UTC)
    return connection.ops.adapt_datetimefield_value(moment)


def _boost(connection, kind: str) -> str:
    """The factor (1 to 1.3 or so) newer episodes and more popular stations get."""
    if kind == "episode":
        if connection.vendor == "sqlite":
            age = "(julianday('now') - julianday(coalesce(t.published_at, '1970-01-01')))"
            return f"(1 + 0.3 / (1 + max(0, {age}) / 180.0))"
        age = "(extract(epoch FROM now() - coalesce(t.published_at, 'epoch'::timestamptz)) / 86400)"
        return f"(1 + 0.3 / (1 + greatest(0, {age}) / 180.0))"
    if kind == "station":
        # Digits of the sum: a logarithm that SQLite builds without math functions have.
        cast = "CAST(t.votes + t.click_count AS TEXT)"
        return f"(1 + 0.05 * length({cast}))"
    return "1"
