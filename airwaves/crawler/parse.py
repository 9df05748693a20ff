"""Feed bytes → ParsedFeed: safe XML loading, then a reader per format.

Loading is strict first, because almost every feed is well-formed and libxml2 is fastest
that way. Only when the strict parse fails, or the bytes carry something we never let
libxml2 see (entity declarations, a DOCTYPE, UTF-16/32), the text is decoded and repaired
(wrong encoding, junk before the root, control characters, bare "&", HTML entities) and
parsed again, strict and then in recover mode — tolerant like feedparser, far faster.

Safety: entities are never expanded, DTDs and the network are never loaded, and huge
trees are refused. Documents declaring entities (and any DOCTYPE near the start) take the
repair path, which removes the DOCTYPE, so billion-laughs and XXE documents reach libxml2
without their declarations; the parser options are a second line of defence.
"""

from __future__ import annotations

import codecs
import html.entities
import re
import threading
from collections.abc import Mapping

from lxml import etree

from airwaves.crawler.atom import parse_atom
from airwaves.crawler.budget import UNLIMITED, Budget
from airwaves.crawler.errors import ParseError
from airwaves.crawler.rss import parse_rss
from airwaves.crawler.types import ParsedEpisode, ParsedFeed

__all__ = ["detect_format", "parse_feed"]

_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
    strip_cdata=True,
)

# How much of the start of a document to look at for the XML declaration.
_HEAD = 512


def parse_feed(
    data: bytes,
    *,
    url: str = "",
    known: Mapping[str, ParsedEpisode] | None = None,
    max_items: int | None = None,
    budget: Budget = UNLIMITED,
) -> ParsedFeed:
    """Parse a downloaded feed. `url` is where it came from, for resolving relative URLs.

    With `known` (stubs of the items stored last time, by the digest of their XML), each
    item gets its digest in `fingerprint`, and items whose XML did not change come back
    as their stubs, unread (see parse_common.read_items). A refresh passes the stored
    episodes here; `{}` asks for the digests only.

    At most `max_items` items are read, the newest, with a warning in `feed.warnings`
    when some are left out; past the `budget` it raises BudgetExceeded.

    Raises ParseError, with a reason fit for the operator, when the bytes are not a feed.
    """
    root = _load(data)
    kind = detect_format(root)
    if kind == "atom":
        feed = parse_atom(root, url=url, known=known, max_items=max_items, budget=budget)
    elif kind in ("rss", "rdf"):
        feed = parse_rss(root, url=url, known=known, max_items=max_items, budget=budget)
    else:
        raise ParseError(f"not a feed: root element is <{_local_name(root.tag)}>")
    if not feed.title and not feed.episodes:
        # Storing it would blank the show's details and add nothing.
        raise ParseError(f"not a feed: the {kind.upper()} document has no title and no items")
    return feed


def detect_format(root: etree._Element) -> str:
    """ "rss", "rdf" (RSS 1.0 / 0.90), "atom", or "" when the root is not a feed's.

    Both "rss" and "rdf" documents produce ParsedFeed(format="rss").
    """
    name = _local_name(root.tag).lower()
    if name in ("rss", "channel"):
        return "rss"
    if name == "rdf":
        return "rdf"
    if name == "feed":
        return "atom"
    return ""


def _local_name(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


# Loading ----------------------------------------------------------------------------------

_local = threading.local()


def _parser(*, recover: bool = False, utf8: bool = False) -> etree.XMLParser:
    # lxml parsers must not be shared between threads; keep one of each kind per thread.
    key = (recover, utf8)
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(key)
    if parser is None:
        encoding = "utf-8" if utf8 else None
        parser = etree.XMLParser(recover=recover, encoding=encoding, **_PARSER_OPTIONS)
        parsers[key] = parser
    return parser


def _load(data: bytes) -> etree._Element:
    if not data or not data.strip():
        raise ParseError("empty document: the server sent no content")
    if _must_repair(data):
        return _load_repaired(data)
    parser = _parser(utf8=_is_mislabelled_utf8(data))
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return _load_repaired(data)


def _must_repair(data: bytes) -> bool:
    """True for documents libxml2 should not see as they are."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[:4] in (
        b"<\x00?\x00",
        b"\x00<\x00?",
    ):
        # Wide encodings would hide the DOCTYPE from the checks below.
        return True
    # Entity declarations are the billion-laughs and XXE vectors; a DOCTYPE (e.g. RSS 0.91's)
    # also makes libxml2 keep undeclared entities like &eacute; as opaque references.
    return b"<!ENTITY" in data or data.find(b"<!DOCTYPE", 0, 4096) >= 0


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_LATIN = frozenset({"iso-8859-1", "latin-1", "latin1", "us-ascii", "windows-1252", "cp1252"})


def _declared_encoding(data: bytes) -> str:
    match = _DECLARED.match(data[:_HEAD].lstrip(codecs.BOM_UTF8))
    return match.group(1).decode("ascii").lower() if match else ""


def _is_mislabelled_utf8(data: bytes) -> bool:
    """A feed declared Latin-1 whose bytes are valid UTF-8 is UTF-8 (a common CMS bug):
    real Latin-1 text with accents is almost never valid UTF-8 by chance."""
    if data.isascii() or _declared_encoding(data) not in _LATIN:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _load_repaired(data: bytes) -> etree._Element:
    text = _repair(_decode(data))
    if not text:
        raise ParseError("not a feed: the document contains no XML")
    if text[0] in "{[":
        raise ParseError("not a feed: the document is JSON, not XML (JSON Feed is not supported)")
    if _HTML_START.match(text):
        raise ParseError("not a feed: root element is <html>")
    body = text.encode("utf-8")
    try:
        return etree.fromstring(body, _parser(utf8=True))
    except etree.XMLSyntaxError as error:
        first_error = error
    try:
        root = etree.fromstring(body, _parser(recover=True, utf8=True))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        reason = getattr(first_error, "msg", "") or str(first_error)
        raise ParseError(f"not a feed: the document is not XML ({reason})")
    return root


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_REAL_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")


def _decode(data: bytes) -> str:
    """The document as text, trusting a BOM, then the declaration, then the bytes."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace")
    if data[:4] == b"<\x00?\x00":
        return data.decode("utf-16-le", "replace")
    if data[:4] == b"\x00<\x00?":
        return data.decode("utf-16-be", "replace")
    declared = _declared_encoding(data)
    if declared in _LATIN and _is_mislabelled_utf8(data):
        declared = "utf-8"
    if declared and not declared.startswith(("utf-16", "utf-32", "ucs")):
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # unknown codec, or a lie: look at the bytes instead
    text = data.decode("utf-8", "replace")
    if "\ufffd" not in text or _REAL_NON_ASCII.search(text):
        # UTF-8, perhaps with a few bad bytes: keep the good characters.
        return text
    # Nothing decoded as UTF-8 beyond ASCII: a legacy single-byte encoding, most likely.
    return data.decode("cp1252", "replace")


_XML_DECLARATION = re.compile(r"<\?xml[^>]*>")
_DOCTYPE = re.compile(r"<!DOCTYPE\s[^\[>]*(?:\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE)
_PROLOG_JUNK = re.compile(r"(?:\s+|<!--.*?-->|<\?.*?\?>)*", re.DOTALL)
_INVALID_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HTML_START = re.compile(r"<html[\s>]", re.IGNORECASE)
_AMPERSAND = re.compile(r"&(?:(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});|([A-Za-z][A-Za-z0-9]{0,31});)?")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
# HTML's named entities as numeric references, which XML understands without a DTD.
_HTML_ENTITIES = {
    name[:-1]: "".join(f"&#{ord(c)};" for c in value)
    for name, value in html.entities.html5.items()
    if name.endswith(";")
}


def _repair(text: str) -> str:
    start = text.find("<")
    if start < 0:
        return text.strip()
    text = text[start:]
    # We hand libxml2 UTF-8 with the encoding forced, so the declaration must go.
    declaration = _XML_DECLARATION.match(text)
    if declaration:
        text = text[declaration.end() :].lstrip()
    text = _strip_doctype(text)
    text = _INVALID_CHARACTERS.sub("", text)
    return _AMPERSAND.sub(_fix_reference, text)


def _strip_doctype(text: str) -> str:
    """Remove a DOCTYPE (and its internal subset) from the prolog, where it can only be."""
    prolog_end = _PROLOG_JUNK.match(text).end()
    if not text.startswith("<!", prolog_end) or text[prolog_end:].startswith("<!--"):
        return text
    doctype = _DOCTYPE.match(text, prolog_end)
    if doctype is None:
        return text
    _refuse_hostile_entities(doctype.group())
    return text[:prolog_end] + text[doctype.end() :]


_ENTITY_DECLARATION = re.compile(
    r"<!ENTITY\s+(%\s+)?[^\s>]+\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.I
)
_NAMED_REFERENCE = re.compile(r"[&%][A-Za-z_][\w.-]*;")


def _refuse_hostile_entities(doctype: str) -> None:
    """A feed has no use for entities that expand into other entities (billion laughs,
    quadratic blow-up) or that point outside the document (XXE): such a feed is refused
    outright rather than read with parts silently missing. Plain ones
    (<!ENTITY nbsp "&#160;">) are harmless and only dropped."""
    for declaration in _ENTITY_DECLARATION.finditer(doctype):
        is_parameter, value = declaration.group(1), declaration.group(2)
        if is_parameter or value.upper() in ("SYSTEM", "PUBLIC"):
            raise ParseError("refused: the feed declares external or parameter XML entities")
        if _NAMED_REFERENCE.search(value) or len(value) > 1000:
            raise ParseError("refused: the feed declares XML entities that expand into others")


def _fix_reference(match: re.Match[str]) -> str:
    numeric, name = match.group(1), match.group(2)
    if numeric:
        return _numeric_reference(numeric, match.group())
    if name is None:
        return "&amp;"  # a bare "&", as in "AT&T" or "?a=1&b=2"
    if name in _XML_ENTITIES:
        return match.group()
    # Anything else is undeclared: the DOCTYPE that might have declared it is gone.
    return _HTML_ENTITIES.get(name, "")


def _numeric_reference(number: str, original: str) -> str:
    code = int(number[2:], 16) if number[1] in "xX" else int(number[1:])
    if 0x80 <= code <= 0x9F:
        # Windows-1252 text escaped by code point (&#146; for a right quote), as
        # browsers and feedparser read it.
        try:
            return f"&#{ord(bytes([code]).decode('cp1252'))};"
        except UnicodeDecodeError:
            return ""
    allowed = (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
    return original if allowed else ""
