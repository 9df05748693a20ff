"""Full-text search over shows, episodes and stations: one interface, two engines.

    found = search(connection, "episode", parsed, filters, limit=20, offset=0)
    snippets = highlight(connection, "episode", parsed, found.ids)   # the page's rows only

SQLite answers with FTS5, PostgreSQL with its full text search (a GIN-indexed
tsvector); `connection.vendor` picks one. Both rank the same way:

- title matches first: a row whose title holds every word looked for (the titles'
  index says so) scores TITLE_TIER times a row that has them elsewhere, and an episode
  that has them in its transcript alone TRANSCRIPT_TIER times;
- then a boost of at most 30% for newer episodes (half of it for one six months old)
  and for stations with more votes and clicks (5% per digit of their sum);
- then the newer row.

Neither bm25() nor ts_rank() is used: bm25 counts every row holding each word before it
ranks any (docs/benchmarks.md, "Search"). Only the CANDIDATES newest matches and the
TITLE_CANDIDATES newest title matches are ranked, and the first are counted (beyond
them, "1,000+"), so a page costs about the same whatever the size of the catalogue.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import NamedTuple

from airwaves.search.query import ParsedQuery
from airwaves.search.schema import BY_KIND, TRANSCRIPTS, IndexedTable

CANDIDATES = 1000  # matches ranked and counted per query (see search())
# PostgreSQL: the newest rows whose matches tell a common query from a rare one (_newest),
# and about how many rows of the index table one page read brings to the walk down the
# primary key (8 kB pages of rows of some 480 bytes at 1,000,000 episodes).
PROBE_ROWS = 2000
ROWS_PER_PAGE = 16
# PostgreSQL, rarer words: the newest ids read are sized to hold this many times the
# cap at the probe's rate of matches (_newest_ids_first), so that a probe that saw a
# few more matches than its share seldom leaves the range short.
RANGE_FACTOR = 2
# PostgreSQL: how long a process keeps what an index table's statistics say of it
# (_IndexStats), which decide how its newest matches are read.
STATS_SECONDS = 300
# PostgreSQL: about how many rows' tsvectors are tested in the time one more page read
# takes (pages outside shared buffers come from the system's cache).
RECHECKS_A_PAGE = 20
# PostgreSQL: words with a match every WALK_PAGES pages of the index table or more are
# read by walking down its primary key (_newest_ids_first).
WALK_PAGES = 2 * RANGE_FACTOR
# Title matches ranked per query: five pages of them before the body matches follow. A
# title match is a few words a row in a narrow index, but a common word is in a title
# in fifty, so their walk reads fifty rows for each one it keeps.
TITLE_CANDIDATES = 100
TITLE_TIER = 10  # a title match's score over a body match's (boosts reach 1.3 or so)
# A transcript match's: below any match in the episode's own words, which say what it is
# about, where a transcript holds every word said in passing.
TRANSCRIPT_TIER = 0.5
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
    heard: frozenset[int] = frozenset()  # of ids, the episodes matched in their transcript alone


class TranscriptSnippet(NamedTuple):
    html: str  # safe HTML, the matched words in <mark>
    seconds: int | None  # where the line that holds them starts, when the file says


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

    Two bounded sets of candidates are read straight off the indexes, newest first (by
    id, the order both keep), each stopping at its cap:

    1. the newest matches of the whole query in the full index, which are also what is
       counted (beyond them, "1,000+");
    2. the TITLE_CANDIDATES newest rows whose title holds every word looked for, from
       the index of titles alone (with the exclusions checked on the full index), so
       that title matches rank first however many newer body matches a common word has;
    3. for episodes, the newest episodes whose transcript matches the whole query (and
       whose own words hold none of its exclusions), counted with the first; read only
       when the first set is smaller than its cap.

    Their union is ranked: title matches above the rest and transcript matches below,
    then the recency or popularity boost, then the newer row. An episode whose excluded
    word is in its transcript is left out of the first two too. Nothing reads or ranks every match of a common word, so a
    search costs about the same whatever the size of the catalogue; a rarer query, with
    fewer matches than the cap, is ranked in full. With title_only (typeahead) the first
    set is read from the titles' index and is the only one.
    """
    if not parsed.searchable or not filters.applies_to(kind):
        return Matches([], 0)
    cap = (candidates or CANDIDATES) + 1
    excludes = any(term.exclude for term in parsed.terms)
    found, found_params = _newest(
        connection,
        kind,
        parsed,
        filters,
        cap,
        title_only=title_only,
        heard_free=kind == "episode" and excludes and not title_only,
    )
    if title_only:
        sql = (
            f"WITH found AS MATERIALIZED ({found}) "
            "SELECT id, (SELECT count(*) FROM found), 0 FROM found "
            "ORDER BY boost DESC, id DESC LIMIT %s OFFSET %s"
        )
        params = [*found_params, limit, offset]
    else:
        positive = ParsedQuery(terms=parsed.positive, truncated=False)
        also = None
        if excludes:
            # The titles' index knows nothing of the words the rest of a row holds.
            also = _engine_query(connection, parsed)
        heard = kind == "episode"
        titled, titled_params = _newest(
            connection,
            kind,
            positive,
            filters,
            TITLE_CANDIDATES,
            title_only=True,
            also_matching=also,
            heard_free=heard and also is not None,
        )
        # heard: 1 for a match in the transcript alone.
        ranked = (
            f"SELECT id, boost * {TITLE_TIER} AS score, 0 AS heard FROM titled UNION ALL "
            "SELECT id, boost AS score, 0 AS heard FROM found"
        )
        counted = "found"
        ctes = f"found AS MATERIALIZED ({found}), titled AS MATERIALIZED ({titled})"
        params = [*found_params, *titled_params]
        if heard:
            # Transcript matches rank below every other match, so once the newest
            # matches fill the cap they would change neither the pages (which end at
            # the cap) nor the count ("1,000+"): the transcripts are read only for a
            # query with fewer matches than that. SQLite reads none for a LIMIT of 0
            # (a condition outside the subquery would not stop it from being read);
            # PostgreSQL's one-time filter never runs what is under it.
            room = f"(SELECT CASE WHEN count(*) < {cap:d} THEN {cap:d} ELSE 0 END FROM found)"
            transcribed, transcribed_params = _newest(
                connection,
                kind,
                parsed,
                filters,
                cap,
                title_only=False,
                index=TRANSCRIPTS,
                sqlite_limit=room,
            )
            if connection.vendor != "sqlite":
                transcribed = (
                    f"SELECT * FROM ({transcribed}) transcribed "
                    f"WHERE (SELECT count(*) FROM found) < {cap:d}"
                )
            ctes += f", heard AS MATERIALIZED ({transcribed})"
            params += transcribed_params
            ranked += (
                f" UNION ALL SELECT id, boost * {TRANSCRIPT_TIER} AS score, 1 AS heard FROM heard"
            )
            counted = "(SELECT id FROM found UNION SELECT id FROM heard) counted"
        sql = (
            f"WITH {ctes} "
            f"SELECT id, (SELECT count(*) FROM {counted}), heard FROM ("
            "SELECT id, max(score) AS score, min(heard) AS heard "
            f"FROM ({ranked}) scored GROUP BY id"
            ") ranked ORDER BY score DESC, id DESC LIMIT %s OFFSET %s"
        )
        params += [limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return Matches(
        [row[0] for row in rows],
        rows[0][1] if rows else 0,
        frozenset(row[0] for row in rows if row[2]),
    )


def _engine_query(connection, parsed: ParsedQuery) -> str:
    return parsed.to_fts5() if connection.vendor == "sqlite" else parsed.to_tsquery()


def _newest(
    connection,
    kind: str,
    parsed: ParsedQuery,
    filters: Filters,
    cap: int,
    *,
    title_only: bool,
    also_matching: str | None = None,
    heard_free: bool = False,
    index: IndexedTable | None = None,
    sqlite_limit: str | None = None,
) -> tuple[str, list]:
    """SELECT id, boost of the newest `cap` matches that pass the filters, and its
    params; also_matching, an engine query the row must match in the full index too;
    heard_free, the episode's transcript must hold none of the query's exclusions.
    With index=TRANSCRIPTS, the episodes whose transcript matches, newest file first,
    whose own words (the full index) hold none of the exclusions. sqlite_limit, an SQL
    expression for SQLite's LIMIT instead of the cap.

    SQLite's FTS5 reads a match's rows in rowid order off the index itself. PostgreSQL's
    GIN index has no order, so there are two ways to the newest matches, and which is
    cheap depends on how common the words are:

    - walk the primary key from the newest row down, testing each row, and stop at the
      cap: about cap / (share of rows that match) rows, cheap for a common word;
    - take every match from the GIN index and keep the newest: as many rows as match,
      cheap for a rare word.

    What both cost is mostly pages read: the walk reads about ROWS_PER_PAGE neighbouring
    rows a page, the gathering one page per match. The planner's cost model takes the
    walk for rare words too (a quarter of the catalogue read for a word in 0.8% of
    episodes), so the query decides for itself: PostgreSQL runs one branch of a UNION
    ALL, gated by a one-time filter on the share of matches among the newest PROBE_ROWS
    rows. Either branch reads at most about sqrt(cap × rows / ROWS_PER_PAGE) pages, where
    the two meet. That is for searches with filters or conditions on other indexes, and
    for stations: the rest, whose share of matches the index's own statistics tell, are
    read by _newest_ids_first.
    """
    table = index or (BY_KIND[kind].titles if title_only else BY_KIND[kind])
    columns = f"t.id AS id, {_boost(connection, kind)} AS boost"
    sql, params = _matches(connection, kind, parsed, filters, columns=columns, index=table)
    # Conditions on other indexes, one row at a time.
    checks: list[tuple[str, str]] = []
    if also_matching is not None:
        checks.append((_also_matches(connection, kind), also_matching))
    excluded = _any_excluded(connection, parsed)
    if excluded and heard_free:
        checks.append((f"NOT {_heard(connection)}", excluded))
    if excluded and table is TRANSCRIPTS:
        checks.append((f"NOT {_also_matches(connection, kind)}", excluded))
    for check, check_query in checks:
        sql += f" AND {check}"
        params.append(check_query)
    if connection.vendor == "sqlite":
        if sqlite_limit is not None:
            return f"{sql} ORDER BY {table.fts}.rowid DESC LIMIT {sqlite_limit}", params
        return f"{sql} ORDER BY {table.fts}.rowid DESC LIMIT %s", [*params, cap]
    query = parsed.to_tsquery()
    if filters == Filters() and not checks and kind != "station":
        # The episodes' full index (or the transcripts'), a million rows of some 480
        # bytes: see there. The shows' (50,000 at that size) and the titles' (rows of
        # a few words) are read as below, which measured as fast or faster for them.
        return _newest_ids_first(connection, kind, table, parsed, cap, columns)
    rows = f"greatest((SELECT reltuples FROM pg_class WHERE oid = '{table.doc}'::regclass), 0)"
    probe = (
        f"(SELECT count(*) FROM (SELECT document FROM {table.doc} ORDER BY id DESC "
        f"LIMIT {PROBE_ROWS}) probe WHERE probe.document @@ to_tsquery('simple', %s)) "
        f">= least({PROBE_ROWS}, {rows}) * sqrt(%s / greatest({rows} * {ROWS_PER_PAGE}, 1))"
    )
    if filters == Filters() and not checks:
        where, where_params = _filters(connection, kind, filters)
        # Only the listed-shows condition left, which few rows fail: the newest matches
        # from the index table alone, then their rows (joined for a tenth more than the
        # cap, instead of for every match).
        gathered_sql = (
            f"SELECT {columns} FROM (SELECT d.id FROM {table.doc} d "
            "WHERE d.document @@ to_tsquery('simple', %s) ORDER BY d.id + 0 DESC LIMIT %s) d "
            f"{_rows(table, 'd.id')} {_joins(kind)} WHERE true{where}"
        )
        gathered_params = [query, cap + cap // 10, *where_params]
    else:
        gathered_sql, gathered_params = sql, params
    union = (
        f"WITH probe AS MATERIALIZED (SELECT {probe} AS common) "
        f"SELECT * FROM ({sql} ORDER BY d.id DESC LIMIT %s) walked "
        "WHERE (SELECT common FROM probe) "
        # d.id + 0: an order the primary key cannot give, so the GIN index is read.
        f"UNION ALL SELECT * FROM ({gathered_sql} ORDER BY d.id + 0 DESC LIMIT %s) gathered "
        "WHERE NOT (SELECT common FROM probe)"
    )
    return union, [query, cap, *params, cap, *gathered_params, cap]


def _newest_ids_first(
    connection,
    kind: str,
    table: IndexedTable,
    parsed: ParsedQuery,
    cap: int,
    columns: str,
) -> tuple[str, list]:
    """PostgreSQL, no filter but the listed shows': the newest matches, their ids read
    from the index table alone, then their rows by key (for a tenth more than the cap:
    few rows fail the listed-shows condition) instead of a row for every match.

    How the ids are read depends on the share s of the index's rows the query matches,
    estimated from the index table's own statistics (the lexemes' frequencies that
    ANALYZE keeps, read by _IndexStats), as PostgreSQL's planner estimates it:

    - few matches in all (s × rows at most 2 × RANGE_FACTOR × the cap, times what a
      range's page costs over a match's, see reading()): every match, from the GIN
      index alone ("older");
    - common words (s at least 1 / (WALK_PAGES × rows a page), a match every
      WALK_PAGES pages): a walk down the primary key from the newest id, testing each
      row, until the cap ("walked"): about cap / s neighbouring rows;
    - rarer words: the matches among the newest ids only ("ranged"), as many ids as
      should hold RANGE_FACTOR times the cap, the GIN bitmap ANDed with the ids' BRIN
      index, so that only the pages of that range that hold a match are read (about
      RANGE_FACTOR × cap of them, against one a match of the whole index).

    The walk stops at the same bound as the range, so that words whose newest rows
    hold fewer of them than the statistics say cost at most that range. When the
    walk or the range found fewer than the cap, the matches below it follow, from the
    GIN index ("older"); a range of half the index or more is read as "older" at once.
    """
    wanted = cap + cap // 10
    doc = table.doc
    match = "d.document @@ to_tsquery('simple', %s)"
    query = parsed.to_tsquery()
    stats = _IndexStats.of(connection, doc)
    read, low = reading(stats, stats.share(parsed) if stats else 0.0, wanted)
    if read == "older":
        ids = f"SELECT d.id FROM {doc} d WHERE {match} ORDER BY d.id + 0 DESC LIMIT {wanted}"
        params = [query]
    else:
        # d.id + 0: an order the primary key cannot give, so the bitmaps are read.
        order = "d.id" if read == "walked" else "d.id + 0"
        ids = (
            f"WITH first AS MATERIALIZED (SELECT d.id FROM {doc} d WHERE d.id > {low:d} "
            f"AND {match} ORDER BY {order} DESC LIMIT {wanted}) "
            "SELECT id FROM first UNION ALL SELECT * FROM ("
            f"SELECT d.id FROM {doc} d WHERE (SELECT count(*) FROM first) < {wanted} "
            f"AND d.id <= {low:d} AND {match} ORDER BY d.id + 0 DESC LIMIT {wanted}) older"
        )
        params = [query, query]
    where, where_params = _filters(connection, kind, Filters())
    return (
        # The ids as an array: the planner looks each row up by its key instead of
        # hashing a whole table of shows for a thousand of them.
        f"SELECT * FROM (SELECT {columns} FROM unnest(ARRAY(SELECT id FROM ({ids}) ids "
        f"ORDER BY id DESC LIMIT {wanted})) AS d(id) {_rows(table, 'd.id')} {_joins(kind)} "
        f"WHERE true{where} ORDER BY d.id DESC LIMIT {cap:d}) gathered",
        [*params, *where_params],
    )


def reading(stats: _IndexStats | None, share: float, wanted: int) -> tuple[str, int]:
    """How _newest_ids_first reads the `wanted` newest matches of a query that matches
    `share` of an index's rows: ("older", 0) for every match from the GIN index, or
    ("walked" or "ranged", low) for the matches above the id `low` first."""
    if not stats or not share:
        return "older", 0
    need = RANGE_FACTOR * wanted / share  # rows, to hold RANGE_FACTOR × wanted matches
    # A range's pages are read whole (the BRIN bitmap is lossy): each page with a match
    # costs a test of every row on it, where reading every match costs a page a match.
    page_cost = 1 + stats.rows_a_page / RECHECKS_A_PAGE
    if share * stats.rows <= 2 * RANGE_FACTOR * wanted * page_cost or need >= stats.rows / 2:
        return "older", 0
    low = stats.high - int(need * stats.spread) - 1
    return ("walked" if share * stats.rows_a_page * WALK_PAGES >= 1 else "ranged"), low


class _IndexStats:
    """What PostgreSQL's statistics say of one index table: its rows, rows a page, ids,
    and how often its most common lexemes occur (ANALYZE's sample; autovacuum keeps it
    current, `airwaves reindex` refreshes it). Read once every STATS_SECONDS per
    process: they only steer which read runs (_newest_ids_first), never what is found."""

    _kept: dict[tuple[str, str], tuple[float, _IndexStats | None]] = {}

    def __init__(self, rows, pages, low, high, lexemes, freqs):
        self.rows = max(float(rows), 1.0)
        self.rows_a_page = self.rows / max(pages, 1)
        self.high = int(high)
        self.spread = max((self.high - int(low) + 1) / self.rows, 1.0)  # ids a row
        self.freqs = dict(zip(lexemes, freqs, strict=False))
        # Past the lexemes, ANALYZE stores the lowest and highest frequency kept: a
        # lexeme not kept is rarer than the lowest (the planner takes half of it).
        self.unlisted = freqs[len(lexemes)] / 2 if len(freqs) > len(lexemes) else 0.0

    @classmethod
    def of(cls, connection, doc: str) -> _IndexStats | None:
        key = (connection.settings_dict["NAME"], doc)
        now = monotonic()
        kept = cls._kept.get(key)
        if kept and now - kept[0] < STATS_SECONDS:
            return kept[1]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.reltuples, c.relpages, s.most_common_elems::text::text[], "
                "s.most_common_elem_freqs FROM pg_class c LEFT JOIN pg_stats s "
                "ON s.schemaname = current_schema() AND s.tablename = c.relname "
                "AND s.attname = 'document' WHERE c.oid = %s::regclass",
                [doc],
            )
            rows, pages, lexemes, freqs = cursor.fetchone()
            stats = None
            if rows > 0 and lexemes:
                cursor.execute(f"SELECT min(id), max(id) FROM {doc}")
                low, high = cursor.fetchone()
                if high is not None:
                    stats = cls(rows, pages, low, high, lexemes, freqs)
        cls._kept[key] = (now, stats)
        return stats

    @classmethod
    def forget(cls) -> None:
        cls._kept.clear()

    def share(self, parsed: ParsedQuery) -> float:
        """The share of rows that hold every positive term (the words taken as
        independent, as the planner does); a prefix holds any kept lexeme it starts."""
        share = 1.0
        words = {word for term in parsed.positive for word in term.words}
        for term in parsed.positive:
            for i, word in enumerate(term.words):
                if not (term.prefix and i == len(term.words) - 1):
                    share *= self.freqs.get(word, self.unlisted)
                elif not any(w.startswith(word) for w in words - {word}):
                    # (A prefix of another word looked for adds nothing to find.)
                    found = sum(f for w, f in self.freqs.items() if w.startswith(word))
                    share *= min(max(found, self.unlisted), 1.0)
        return share


def _any_excluded(connection, parsed: ParsedQuery) -> str:
    """An engine query matching a row that holds any of the query's exclusions, or ""."""
    excluded = [
        ParsedQuery(terms=(replace(t, exclude=False),), truncated=False)
        for t in parsed.terms
        if t.exclude
    ]
    if not excluded:
        return ""
    if connection.vendor == "sqlite":
        return " OR ".join(q.to_fts5() for q in excluded)
    return " | ".join(f"({q.to_tsquery()})" for q in excluded)


def _heard(connection) -> str:
    """The episode t has a transcript that matches an engine query: a look-up of its
    files, then of each in the transcripts' index."""
    if connection.vendor == "sqlite":
        return (
            "EXISTS (SELECT 1 FROM podcasts_episodefile tf WHERE tf.episode_id = t.id AND "
            f"EXISTS (SELECT 1 FROM {TRANSCRIPTS.fts} WHERE {TRANSCRIPTS.fts} MATCH %s "
            "AND rowid = tf.id))"
        )
    return (
        f"EXISTS (SELECT 1 FROM podcasts_episodefile tf JOIN {TRANSCRIPTS.doc} td "
        "ON td.id = tf.id WHERE tf.episode_id = t.id "
        "AND td.document @@ to_tsquery('simple', %s))"
    )


def _also_matches(connection, kind: str) -> str:
    """The row t also matches the whole query (its exclusions included): one look-up
    of one row in the full index."""
    table = BY_KIND[kind]
    if connection.vendor == "sqlite":
        return f"EXISTS (SELECT 1 FROM {table.fts} WHERE {table.fts} MATCH %s AND rowid = t.id)"
    return (
        f"EXISTS (SELECT 1 FROM {table.doc} f WHERE f.id = t.id "
        "AND f.document @@ to_tsquery('simple', %s))"
    )


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


def transcript_snippets(
    connection, parsed: ParsedQuery, episode_ids: list[int]
) -> dict[int, TranscriptSnippet]:
    """Snippets of the given episodes' transcripts that match the query's words (for
    results whose own words gave none), each with the second its line starts at: the
    first line holding the most of the words marked (the file's lines, read for these
    few episodes only)."""
    if not episode_ids or not parsed.searchable:
        return {}
    from airwaves.podcasts.models import EpisodeFile

    positive = ParsedQuery(terms=parsed.positive, truncated=False)
    marks = ", ".join(["%s"] * len(episode_ids))
    files = (
        f"SELECT id FROM podcasts_episodefile WHERE kind = 'transcript' AND episode_id IN ({marks})"
    )
    if connection.vendor == "sqlite":
        table = TRANSCRIPTS.fts
        sql = (
            f"SELECT f.id, f.episode_id, snippet({table}, 0, %s, %s, '…', {SNIPPET_WORDS}) "
            f"FROM {table} JOIN podcasts_episodefile f ON f.id = {table}.rowid "
            f"WHERE {table} MATCH %s AND {table}.rowid IN ({files})"
        )
        params = [MARK_START, MARK_END, positive.to_fts5(), *episode_ids]
    else:
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, MinWords=8"
        column = TRANSCRIPTS.columns[0]
        sql = (
            f"SELECT f.id, f.episode_id, "
            f"ts_headline('simple', left(f.text, {column.chars}), q, %s) "
            f"FROM to_tsquery('simple', %s) q CROSS JOIN podcasts_episodefile f "
            f"JOIN {TRANSCRIPTS.doc} d ON d.id = f.id WHERE f.id IN ({files}) AND d.document @@ q"
        )
        params = [options, positive.to_tsquery(), *episode_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: row[1:] for row in cursor.fetchall() if MARK_START in (row[2] or "")}
    if not found:
        return {}
    lines = dict(EpisodeFile.objects.filter(pk__in=found).values_list("pk", "lines"))
    snippets: dict[int, TranscriptSnippet] = {}
    for file_id, (episode_id, text) in sorted(found.items()):
        if episode_id in snippets:
            continue
        words = {w.lower() for w in re.findall(f"{MARK_START}([^{MARK_END}]*){MARK_END}", text)}
        snippets[episode_id] = TranscriptSnippet(
            html=html.escape(" ".join(text.split()))
            .replace(MARK_START, "<mark>")
            .replace(MARK_END, "</mark>"),
            seconds=_cue_start(lines.get(file_id) or [], words),
        )
    return snippets


def _cue_start(lines: list, marked: set[str]) -> int | None:
    """Where the first line holding the most of the marked words starts, in whole
    seconds; None when no such line has a start."""
    best, start = 0, None
    for line in lines:
        if not isinstance(line, list) or len(line) < 3 or not isinstance(line[2], str):
            continue
        held = len(marked & {w.lower() for w in _WORD.findall(line[2])})
        if held > best and isinstance(line[0], int | float) and line[0] >= 0:
            best, start = held, int(line[0])
    return start


_WORD = re.compile(r"[^\W_]+")
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
    index: IndexedTable | None = None,
) -> tuple[str, list]:
    """SELECT <columns> FROM <index> JOIN <table> t WHERE <matches and filters>, its params."""
    table = index or (BY_KIND[kind].titles if title_only else BY_KIND[kind])
    if connection.vendor == "sqlite":
        query = parsed.to_fts5()
        sql = (
            f"SELECT {columns} FROM {table.fts} {_rows(table, f'{table.fts}.rowid')} "
            f"{_joins(kind)} WHERE {table.fts} MATCH %s"
        )
    else:
        query = parsed.to_tsquery()
        sql = (
            f"SELECT {columns} FROM to_tsquery('simple', %s) query CROSS JOIN {table.doc} d "
            f"{_rows(table, 'd.id')} {_joins(kind)} WHERE d.document @@ query"
        )
    where, params = _filters(connection, kind, filters)
    return sql + where, [query, *params]


def _rows(index: IndexedTable, key: str) -> str:
    """The join from an index's row (its id is `key`) to the result's row, `t`: the same
    row of the indexed table, or for a transcript the episode it belongs to."""
    if index is TRANSCRIPTS:
        return (
            f"JOIN podcasts_episodefile f ON f.id = {key} AND f.kind = 'transcript' "
            "JOIN podcasts_episode t ON t.id = f.episode_id"
        )
    return f"JOIN {index.table} t ON t.id = {key}"


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
