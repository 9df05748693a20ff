"""Show notes from feeds are untrusted HTML (or plain text): make them safe to render.

`sanitize_html` keeps a show-notes subset of HTML and only http(s)/mailto links. Every link
gets rel="nofollow ugc noopener" and target="_blank": a click must not navigate away from the
page, or the in-page player would stop.

`html_to_text` makes a plain-text summary of the same input.

Both are bounded before any HTML parser sees the input: notes longer than
MAX_NOTES_CHARS are cut, and notes whose elements nest deeper than MAX_DEPTH (nh3's
html5ever takes time quadratic in the depth: 150,000 nested <div>s took minutes) are read
as plain text. `sanitize_notes` says when it did either, for the feed's health record.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import NamedTuple

import lxml.etree
import lxml.html
import nh3

LINK_REL = "nofollow ugc noopener"

ALLOWED_TAGS = {
    "p", "br", "div", "span", "hr",
    "a", "strong", "b", "em", "i", "u", "s", "sub", "sup", "code", "pre", "blockquote",
    "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6",
    "img", "figure", "figcaption",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
# Dropped with everything inside them, not just the tags: their text is code, not prose.
DROPPED_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "form", "noscript", "template",
    "svg", "math", "textarea", "select", "button", "title",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Real show notes are a few kilobytes and nest a handful of elements deep.
MAX_NOTES_CHARS = 256 * 1024
MAX_DEPTH = 100
# Elements whose end tag may be left out (or that have none): they do not nest.
_UNNESTED = frozenset(
    "p li dt dd tr td th option optgroup thead tbody tfoot colgroup caption rb rt rp"
    " br hr img wbr input meta link area base col embed source track param".split()
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
_ANY_TAG = re.compile(r"<[^>]*(?:>|$)")  # a tag cut off at the end too

_H1 = re.compile(r"<(/?)h1\b", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # url_schemes is global; images additionally must not be mailto: or anything else.
    if tag == "img" and attribute == "src":
        return value if value.strip().lower().startswith(("http://", "https://")) else None
    if attribute in ("width", "height", "start", "colspan", "rowspan"):
        return value if value.strip().isdigit() else None
    return value


@lru_cache(maxsize=128)
def _cleaner(base_url: str) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes=URL_SCHEMES,
        # Relative links in show notes point into the podcast's site, not ours.
        url_relative=("rewrite_with_base", base_url) if base_url else "deny",
    )


class Notes(NamedTuple):
    html: str
    cut: str  # why the input was cut or flattened first ("" when it was not)


def sanitize_notes(text: str, base_url: str = "") -> Notes:
    """sanitize_html, and what had to be cut first to keep it bounded."""
    if not text or not text.strip():
        return Notes("", "")
    bounded = bound_notes(text)
    if bounded.is_html:
        source = _H1.sub(r"<\1h2", bounded.text)
    else:
        source = _plain_text_to_html(bounded.text)
    return Notes(_cleaner(base_url).clean(source).strip(), bounded.cut)


def sanitize_html(text: str, base_url: str = "") -> str:
    """Safe HTML for show notes; plain text becomes paragraphs with linked URLs.

    base_url (the feed's or episode's link) resolves relative URLs; without it they are dropped.
    """
    return sanitize_notes(text, base_url).html


class Bounded(NamedTuple):
    text: str
    is_html: bool
    cut: str


def bound_notes(text: str) -> Bounded:
    """Notes an HTML parser can read in bounded time: cut to MAX_NOTES_CHARS, and, when
    elements nest deeper than MAX_DEPTH, their text without the tags."""
    cut = ""
    if len(text) > MAX_NOTES_CHARS:
        text = text[:MAX_NOTES_CHARS]
        cut = f"longer than {MAX_NOTES_CHARS:,} characters"
    if not nh3.is_html(text):
        return Bounded(text, False, cut)
    if nests_deeper_than(text, MAX_DEPTH):
        # Tags stand between words: a space keeps "a<div>b" two words.
        flat = _ANY_TAG.sub(" ", text)
        deep = f"elements nested deeper than {MAX_DEPTH}"
        return Bounded(flat, False, f"{cut}, {deep}" if cut else deep)
    return Bounded(text, True, cut)


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether elements nest more than `limit` deep, by counting start and end tags (a
    cheap scan, no parser: this guards the parsers). Elements whose end tag HTML lets
    one leave out (<p>, <li>, ...) are not counted."""
    if text.count("<") <= limit:
        return False  # too few tags to nest that deep: most notes stop here
    depth = 0
    for match in _TAG.finditer(text):
        closing, name, self_closing = match.groups()
        name = name.lower()
        if self_closing or name in _UNNESTED:
            continue
        if closing:
            depth = depth - 1 if depth else 0
        else:
            depth += 1
            if depth > limit:
                return True
    return False


def _plain_text_to_html(text: str) -> str:
    # Some feeds escape plain text ("Q&amp;A"): unescape first so it is not shown escaped twice.
    text = html.unescape(text).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    return "".join(f"<p>{_linkify(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _linkify(text: str) -> str:
    """Escapes text and wraps bare http(s) URLs in links."""
    parts: list[str] = []
    position = 0
    for match in _URL_IN_TEXT.finditer(text):
        url = _trim_url(match.group())
        parts.append(html.escape(text[position : match.start()]))
        parts.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        position = match.start() + len(url)
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def _trim_url(url: str) -> str:
    # "See https://example.com/a." or "(https://example.com/b)": the punctuation is prose.
    while url and url[-1] in ".,;:!?)]}'\"":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


# Elements that start a new line in the text version.
_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "blockquote", "pre", "hr", "tr", "table",
    "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "section", "article",
    "header", "footer", "dd", "dt", "dl",
)  # fmt: skip
_BREAK = "\ue000"  # marks block boundaries (a private-use character lxml accepts)
# Control characters lxml refuses (feeds do contain them); tab and newlines are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def html_to_text(text: str, max_chars: int | None = None) -> str:
    """Plain text of HTML (or plain text): one line per block, whitespace collapsed.

    With max_chars the result is cut at a word boundary and ends with "…".
    """
    bounded = bound_notes(text)
    text = _CONTROL.sub("", bounded.text).replace(_BREAK, " ")
    if bounded.is_html:
        blocks = _html_blocks(text)
    else:
        blocks = re.split(r"\n[ \t]*\n", html.unescape(text))
    lines = [" ".join(block.split()) for block in blocks]
    result = "\n".join(line for line in lines if line)
    return truncate(result, max_chars) if max_chars is not None else result


def _html_blocks(text: str) -> list[str]:
    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return []
    for element in list(root.iter(*DROPPED_WITH_CONTENT)):
        element.drop_tree()  # keeps the tail text, which belongs to the parent
    for element in root.iter(*_BLOCK_TAGS):
        element.text = _BREAK + (element.text or "")
        element.tail = _BREAK + (element.tail or "")
    return root.text_content().split(_BREAK)


def truncate(text: str, max_chars: int) -> str:
    """At most max_chars characters, cut at a word boundary and marked with "…"."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return "…"[:max_chars]
    cut = text[: max_chars - 1]
    if not text[max_chars - 1].isspace():
        # Back up to the last whitespace, unless that throws away most of the text.
        space = max(cut.rfind(" "), cut.rfind("\n"))
        if space > max_chars // 2:
            cut = cut[:space]
    return cut.rstrip(" \n\t.,;:-–—") + "…"
