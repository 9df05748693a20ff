"""What a visitor typed, read into terms, then written out as a query each engine accepts.

    ocean "deep sea" -shark fis   →  ocean, the phrase "deep sea", not shark, fis* (typeahead)

Only words reach an engine: every term is reduced to runs of letters and digits, so no
input can carry FTS5 or tsquery syntax (quotes, parentheses, NEAR, *, :, &, |, !) and
neither engine can raise a syntax error. Both engines split text the same way (letters
and digits, everything else a separator), so a term means the same on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 500  # longer input is cut here before it is read
MAX_TERMS = 12  # a search for more words than this is not a search a person types
MAX_WORD_CHARS = 60
MIN_PREFIX_CHARS = 2  # "a*" would match most of the catalogue

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    exclude: bool = False
    prefix: bool = False  # the last word also matches longer words


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...]
    truncated: bool  # some of the input was left out (too long or too many words)

    @property
    def positive(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.exclude)

    @property
    def searchable(self) -> bool:
        """An engine needs at least one term to look for: "-word" alone matches nothing."""
        return bool(self.positive)

    def to_fts5(self) -> str:
        """An FTS5 MATCH expression: each term a quoted string (inside quotes FTS5 reads
        no operators), the exclusions joined with NOT."""
        positive = "(" + " ".join(_fts5_term(t) for t in self.positive) + ")"
        excluded = "".join(f" NOT {_fts5_term(t)}" for t in self.terms if t.exclude)
        return positive + excluded

    def to_tsquery(self) -> str:
        """A to_tsquery() string: words joined with & and <->, exclusions with !, the
        prefix as :*."""
        parts = []
        for term in self.terms:
            lexemes = list(term.words)
            if term.prefix:
                lexemes[-1] = f"{term.words[-1]}:*"
            text = " <-> ".join(lexemes)
            if len(lexemes) > 1:
                text = f"({text})"
            parts.append(f"!{text}" if term.exclude else text)
        return " & ".join(parts)


def _fts5_term(term: Term) -> str:
    # The words hold letters and digits only, so there is no quote to escape.
    text = '"' + " ".join(term.words) + '"'
    return text + "*" if term.prefix else text


def parse_query(text: str, *, prefix: bool = False) -> ParsedQuery:
    """Reads a visitor's query. With prefix=True (typeahead, or a query not ending in a
    space) the last word, when not in quotes and long enough, matches as a prefix."""
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS].replace("\x00", " ")
    terms: list[Term] = []
    seen: set[tuple[tuple[str, ...], bool]] = set()
    last_quoted = False
    for match in _TOKEN.finditer(text):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            negated = "-" if bare.startswith("-") else ""
            raw = bare
        else:
            raw = quoted
        words = tuple(w.lower()[:MAX_WORD_CHARS] for w in _WORD.findall(raw))
        if not words:
            continue
        key = (words, bool(negated))
        if key in seen:
            continue
        if len(terms) == MAX_TERMS:
            truncated = True
            break
        seen.add(key)
        terms.append(Term(words=words, exclude=bool(negated)))
        last_quoted = bare is None
    if prefix and terms and not last_quoted and not terms[-1].exclude:
        last = terms[-1]
        if len(last.words[-1]) >= MIN_PREFIX_CHARS:
            terms[-1] = Term(words=last.words, exclude=False, prefix=True)
    return ParsedQuery(terms=tuple(terms), truncated=truncated)
