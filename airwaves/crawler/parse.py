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
import gc
import html.entities
import re
import threading
from collections.abc import Mapping

from lxml import etree

from airwaves.crawler.atom import parse_atom
from airwaves.crawler.budget import UNLIMITED, Budget
from airwaves.crawler.errors import ParseError
from airwaves.crawler.rss import fast_items, parse_rss
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
    charset: str = "",
) -> ParsedFeed:
    """Parse a downloaded feed. `url` is where it came from, for resolving relative URLs;
    `charset` is the one its HTTP Content-Type named (see http_charset), if any.

    With `known` (stubs of the items stored last time, by the digest of their XML), each
    item gets its digest in `fingerprint`, and items whose XML did not change come back
    as their stubs, unread (see parse_common.read_items). A refresh passes the stored
    episodes here; `{}` asks for the digests only.

    At most `max_items` items are read, the newest, with a warning in `feed.warnings`
    when some are left out; past the `budget` it raises BudgetExceeded.

    Raises ParseError, with a reason fit for the operator, when the bytes are not a feed;
    whatever the bytes, it raises nothing else (BudgetExceeded aside). Repairs that hide a
    publisher's mistake (broken XML) are noted in `feed.warnings`.
    """
    # A parse makes tens of thousands of objects and no reference cycles: the cyclic
    # collector, which runs every 700 new containers, would only walk them (about 6%
    # of the parse of a 2,000-item feed). It runs again as soon as the parse ends.
    # (Process-wide: a parse in another thread may find it off already and leave it so.)
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _parse(data, url, known, max_items, budget, charset)
    finally:
        if paused:
            gc.enable()


def _parse(
    data: bytes,
    url: str,
    known: Mapping[str, ParsedEpisode] | None,
    max_items: int | None,
    budget: Budget,
    charset: str,
) -> ParsedFeed:
    load = _Load()
    root = load.root(data, charset)
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
    feed.warnings[:0] = load.warnings
    return feed


def http_charset(content_type: str | None) -> str:
    """The charset parameter of a Content-Type header ("" when it names none)."""
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'").lower()[:40]
    return ""


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


class _Load:
    """Bytes to an element tree, keeping notes of what had to be repaired."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def root(self, data: bytes, charset: str = "") -> etree._Element:
        if not data or data.isspace():  # (not strip(), which copies megabytes)
            raise ParseError("empty document: the server sent no content")
        codec = _http_codec(data, charset)
        if codec is None and _needs_python_decoding(data):
            codec = _codec(_declared_encoding(data))
        if codec is not None or _must_repair(data):
            return self.repaired(data, codec)
        parser = _parser(utf8=_is_mislabelled_utf8(data))
        try:
            return etree.fromstring(data, parser)
        except etree.XMLSyntaxError as error:
            return self.repaired(data, strict_error=error)

    def repaired(
        self,
        data: bytes,
        codec: str | None = None,
        strict_error: etree.XMLSyntaxError | None = None,
    ) -> etree._Element:
        return _load_repaired(data, codec, self.warnings, strict_error)


def _reason(error: etree.XMLSyntaxError) -> str:
    message = getattr(error, "msg", "") or str(error)
    return " ".join(message.split())[:200]


# Encodings whose labels feeds use for a larger one, read as that one (as browsers do):
# "GB2312" text has GBK characters, "Shift_JIS" Windows' extensions, "ISO-8859-1" curly
# quotes from Windows-1252.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
}
# What libxml2 decodes itself, fastest: everything else is decoded by Python's codecs.
_NATIVE = frozenset({"", "utf-8", "ascii", "iso8859-1"})
_C1_BYTES = re.compile(rb"[\x80-\x9f]")


def _codec(label: str) -> str | None:
    """Python's codec for an encoding label, widened to its superset; None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def _canonical(label: str) -> str:
    try:
        return codecs.lookup(label).name if label else ""
    except LookupError:
        return label


def _needs_python_decoding(data: bytes) -> bool:
    """A declared encoding libxml2 would get wrong or might not know: Latin-1 that holds
    Windows-1252 characters, and every encoding beyond UTF-8 and Latin-1."""
    declared = _canonical(_declared_encoding(data))
    if declared in ("", "utf-8") or declared.startswith(("utf-16", "utf-32")):
        return False  # (before data.isascii(): a scan of the whole document)
    if data.isascii():
        return False
    if declared not in _NATIVE:
        return _codec(declared) is not None
    if declared in ("iso8859-1", "ascii"):
        return _C1_BYTES.search(data) is not None and not _is_mislabelled_utf8(data)
    return False


def _http_codec(data: bytes, charset: str) -> str | None:
    """The HTTP charset's codec, when it must win over what the document says: a BOM
    wins over it, and valid UTF-8 is UTF-8 whatever the labels (servers default to
    "charset=utf-8" and "iso-8859-1" for everything); otherwise, as RFC 7303 says, the
    HTTP charset is the document's."""
    codec = _codec(charset)
    if codec is None or codec.startswith(("utf-16", "utf-32")) or data.isascii():
        return None
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if codec == _codec(_declared_encoding(data) or "utf-8"):
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return None
    return codec


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
    return _contains(data, b"<!ENTITY") or data.find(b"<!DOCTYPE", 0, 4096) >= 0


def _contains(data: bytes, needle: bytes) -> bool:
    # (The C library's search, where the C reader was built: a third of the time.)
    return fast_items.contains(data, needle) if fast_items is not None else needle in data


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_LATIN = frozenset({"iso-8859-1", "latin-1", "latin1", "us-ascii", "windows-1252", "cp1252"})


def _declared_encoding(data: bytes) -> str:
    match = _DECLARED.match(data[:_HEAD].lstrip(codecs.BOM_UTF8))
    return match.group(1).decode("ascii").lower() if match else ""


def _is_mislabelled_utf8(data: bytes) -> bool:
    """A feed declared Latin-1 whose bytes are valid UTF-8 is UTF-8 (a common CMS bug):
    real Latin-1 text with accents is almost never valid UTF-8 by chance."""
    if _declared_encoding(data) not in _LATIN or data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _load_repaired(
    data: bytes,
    codec: str | None,
    warnings: list[str],
    strict_error: etree.XMLSyntaxError | None = None,
) -> etree._Element:
    """Decodes, repairs and parses `data`, noting in `warnings` what was wrong with it.
    `strict_error` is why the fast path failed, when it was tried."""
    repairs = _Repairs()
    text = _repair(_decode(data, codec, repairs), repairs)
    if not text:
        raise ParseError("not a feed: the document contains no XML")
    if text[0] in "{[":
        raise ParseError("not a feed: the document is JSON, not XML (JSON Feed is not supported)")
    if _HTML_START.match(text):
        raise ParseError("not a feed: root element is <html>")
    body = text.encode("utf-8", "replace")
    try:
        root = etree.fromstring(body, _parser(utf8=True))
    except etree.XMLSyntaxError as error:
        first_error = error
    else:
        if strict_error is not None and not repairs.misdeclared:
            # (A wrong encoding is all libxml2 complained about when the label lied.)
            warnings.append(
                f"the feed is not well-formed XML ({_reason(strict_error)}): it was read after"
                " repair; check it with an XML validator"
            )
        warnings.extend(repairs.notes())
        return root
    try:
        root = etree.fromstring(body, _parser(recover=True, utf8=True))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise ParseError(f"not a feed: the document is not XML ({_reason(first_error)})")
    warnings.append(
        f"the feed is broken XML ({_reason(first_error)}): only what could be read was kept,"
        " and episodes after the error may be missing"
    )
    warnings.extend(repairs.notes())
    return root


class _Repairs:
    """Counts of the mistakes `_repair` fixed, for the feed's warnings."""

    def __init__(self) -> None:
        self.ampersands = 0
        self.entities = 0
        self.characters = 0
        self.doctype = False
        self.misdeclared = ""  # "UTF-8, read as Windows-1252" when a label lied

    def notes(self) -> list[str]:
        notes = []
        if self.misdeclared:
            notes.append(f"the feed's encoding is wrong: it says {self.misdeclared}")
        if self.ampersands:
            notes.append(f'{self.ampersands:,} unescaped "&" read as text: write "&amp;" in XML')
        if self.entities and not self.doctype:
            notes.append(
                f"{self.entities:,} HTML entities (like &nbsp;) read as their characters:"
                " XML knows only &amp; &lt; &gt; &quot; &apos; and numeric ones"
            )
        if self.characters:
            notes.append(f"{self.characters:,} control characters removed: XML forbids them")
        return notes


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_REAL_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")


def _decode(data: bytes, codec: str | None = None, repairs: _Repairs | None = None) -> str:
    """The document as text, trusting a BOM, then `codec` (the HTTP charset's), then the
    declaration, then the bytes."""
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(bom_codec, "replace")
    if codec:
        return data.decode(codec, "replace")
    if data[:4] == b"<\x00?\x00":
        return data.decode("utf-16-le", "replace")
    if data[:4] == b"\x00<\x00?":
        return data.decode("utf-16-be", "replace")
    declared = _declared_encoding(data)
    if declared in _LATIN and _is_mislabelled_utf8(data):
        declared = "utf-8"
    declared_codec = _codec(declared)
    if declared_codec and not declared_codec.startswith(("utf-16", "utf-32", "ucs")):
        try:
            return data.decode(declared_codec)
        except UnicodeDecodeError:
            pass  # a lie: look at the bytes instead
    text = data.decode("utf-8", "replace")
    if "\ufffd" not in text or _REAL_NON_ASCII.search(text):
        # UTF-8, perhaps with a few bad bytes: keep the good characters.
        return text
    # Nothing decoded as UTF-8 beyond ASCII: a legacy single-byte encoding, most likely.
    if repairs is not None:
        repairs.misdeclared = f"{declared or 'nothing (so UTF-8)'}, but was read as Windows-1252"
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


def _repair(text: str, repairs: _Repairs) -> str:
    start = text.find("<")
    if start < 0:
        return text.strip()
    text = text[start:]
    # We hand libxml2 UTF-8 with the encoding forced, so the declaration must go.
    declaration = _XML_DECLARATION.match(text)
    if declaration:
        text = text[declaration.end() :].lstrip()
    stripped = _strip_doctype(text)
    repairs.doctype = len(stripped) != len(text)
    text, repairs.characters = _INVALID_CHARACTERS.subn("", stripped)

    def fix(match: re.Match[str]) -> str:
        replacement = _fix_reference(match)
        if match.group(1) is None and match.group(2) is None:
            repairs.ampersands += 1
        elif match.group(2) and replacement != match.group():
            repairs.entities += 1
        return replacement

    return _AMPERSAND.sub(fix, text)


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
