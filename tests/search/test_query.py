"""Reading what a visitor typed into terms, and writing them out for each engine."""

from __future__ import annotations

from airwaves.search.query import MAX_TERMS, Term, parse_query


def test_it_reads_words_phrases_and_exclusions():
    parsed = parse_query('Ocean "Deep  Sea" -shark -"great white"')

    assert parsed.terms == (
        Term(("ocean",)),
        Term(("deep", "sea")),
        Term(("shark",), exclude=True),
        Term(("great", "white"), exclude=True),
    )


def test_the_last_word_is_a_prefix_for_typeahead():
    assert parse_query("deep oce", prefix=True).terms[-1] == Term(("oce",), prefix=True)
    # Not a quoted phrase, an excluded word, or a single letter.
    assert not parse_query('"deep oce"', prefix=True).terms[-1].prefix
    assert not parse_query("deep -oce", prefix=True).terms[-1].prefix
    assert not parse_query("deep o", prefix=True).terms[-1].prefix


def test_engine_syntax_in_the_input_becomes_plain_words():
    parsed = parse_query('title:foo NEAR(a b) c* (x OR y) a&b|!c "unclosed')

    # A token holding punctuation is a phrase of its words, as the engines split text.
    assert parsed.to_fts5() == ('("title foo" "near a" "b" "c" "x" "or" "y" "a b c" "unclosed")')
    assert parsed.to_tsquery() == (
        "(title <-> foo) & (near <-> a) & b & c & x & or & y & (a <-> b <-> c) & unclosed"
    )


def test_exclusions_are_joined_with_not():
    parsed = parse_query("jazz -live -bebop")

    assert parsed.to_fts5() == '("jazz") NOT "live" NOT "bebop"'
    assert parsed.to_tsquery() == "jazz & !live & !bebop"


def test_the_prefix_is_marked_for_each_engine():
    parsed = parse_query("jazz -live pian", prefix=True)

    assert parsed.to_fts5() == '("jazz" "pian"*) NOT "live"'
    assert parsed.to_tsquery() == "jazz & !live & pian:*"


def test_only_exclusions_or_only_punctuation_is_not_searchable():
    assert not parse_query("-jazz").searchable
    assert not parse_query("*** ::: &|! ()").searchable
    assert not parse_query("").searchable


def test_too_many_words_are_cut_and_said_so():
    parsed = parse_query(" ".join(f"w{i}" for i in range(10_000)))

    assert len(parsed.terms) == MAX_TERMS
    assert parsed.truncated


def test_repeated_words_count_once():
    assert len(parse_query("jazz jazz JAZZ").terms) == 1
