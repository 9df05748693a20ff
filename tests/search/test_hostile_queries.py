"""Whatever is typed, search answers with results or a clear message, never a 500: engine
syntax, broken quotes, control characters, huge inputs, nonsense filters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from airwaves.search.engine import KINDS, Filters, highlight, search
from airwaves.search.query import parse_query
from tests.radio.fixtures import make_station
from tests.search.helpers import make_episode, make_show

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"',
    '""',
    '"unclosed phrase',
    "a\"b'c",
    "(",
    ")",
    "((a) OR b",
    "NEAR(a b, 2)",
    "a NEAR b",
    "AND",
    "OR NOT",
    "NOT a",
    "*",
    "a*",
    "*a",
    "^a",
    "title:a",
    "{title}: a",
    ":",
    "a:*",
    "a & b | !c",
    "!!",
    "<->",
    "a <-> b",
    "a:A",
    "'",
    "\\",
    "-",
    "--a",
    "- -",
    "%",
    "_",
    "a%b_c",
    "é ü ß ЖЖ 日本語 🎧",
    "\x01\x02\x03",
    "\u200b\ufeff",
    "a" * 5000,
    "word " * 10_000,
    " ".join(f"w{i}" for i in range(10_000)),
]


@pytest.fixture
def catalogue():
    show = make_show("Radio waves", author="Ann")
    make_episode(show, "Waves and words", description="<p>A <b>word</b> about waves.</p>")
    make_station("Waves FM", url="http://waves.example.org/", tags="news")


@pytest.mark.parametrize("text", HOSTILE)
def test_every_engine_query_we_build_is_valid(catalogue, text):
    for prefix in (False, True):
        parsed = parse_query(text, prefix=prefix)
        for kind in KINDS:
            found = search(connection, kind, parsed, Filters(), limit=5)
            search(connection, kind, parsed, Filters(), limit=5, title_only=True)
            highlight(connection, kind, parsed, found.ids)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_pages_answer_every_query(client, catalogue, text):
    assert client.get("/search", {"q": text}).status_code == 200
    assert client.get("/search/suggest", {"q": text}).status_code == 200


def test_a_nul_character_is_refused_with_a_reason(client):
    response = client.get("/search?q=a%00b")

    assert response.status_code == 400
    assert b"NUL" in response.content


def test_ten_thousand_words_cost_one_bounded_query_per_step(client, catalogue):
    text = " ".join(f"word{i}" for i in range(10_000))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search", {"q": text})

    assert response.status_code == 200
    assert "Only the first 12 words" in response.content.decode()
    # Episodes: three candidate sets (full index, titles, transcripts), each a probe
    # and three reads on PostgreSQL; the words themselves are parameters.
    assert max(len(q["sql"]) for q in queries.captured_queries) < 12_000


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "everything"}, "“kind” must be shows, episodes or stations."),
        ({"from": "yesterday"}, "“from” must be a date like 2026-04-15"),
        ({"to": "2026-13-40"}, "“to” must be a date like 2026-04-15"),
        ({"min": "-5"}, "“min” must be a number of minutes"),
        ({"max": "9" * 400}, "“max” must be a number of minutes"),
        ({"max": "²"}, "“max” must be a number of minutes"),
        ({"language": "'; DROP TABLE x"}, "“language” must be a language code"),
        ({"category": "no-such-category"}, "There is no category"),
        ({"page": "0"}, "“page” must be a number from 1 to 50"),
        ({"page": "9" * 400}, "“page” must be a number from 1 to 50"),
        ({"page": "two"}, "“page” must be a number from 1 to 50"),
    ],
)
def test_filters_it_cannot_read_get_a_clear_error(client, catalogue, params, message):
    response = client.get("/search", {"q": "waves", **params})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_search_for_someone_elses_unlisted_show_finds_nothing(client):
    """Shows not listed on the site (merged into another feed, never fetched) stay
    out of search too, with their episodes."""
    listed = make_show("Lantern")
    merged = make_show("Lantern mirror", moved_to=listed)
    make_episode(merged, "Lantern secrets")

    response = client.get("/search", {"q": "lantern"})

    assert [g.param for g in response.context["groups"]] == ["shows"]
