"""Reading and writing OPML subscription lists. No Django here.

Shapes read (each app's export):

- AntennaPod: OPML 2.0, one flat list of `<outline type="rss" xmlUrl=…>` in `<body>`.
- Pocket Casts: OPML 1.0, the feeds inside one wrapper `<outline text="feeds">`.
- Overcast: OPML 1.0, a "playlists" section (ignored) and a "feeds" section whose feed
  outlines hold one nested outline per episode (ignored).

Any outline with an `xmlUrl` is a feed; any other outline with children is a folder
and is walked; anything else is reported with its line number and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

from lxml import etree

# Outline types that are not feeds and whose children are not feeds either (Overcast).
IGNORED_TYPES = {"podcast-episode", "podcast-playlist"}
# Podcast-app URL schemes that stand for plain http(s) feed URLs.
FEED_SCHEMES = ("feed://", "itpc://", "pcast://", "podcast://")


class NotOpml(ValueError):
    """The file as a whole cannot be read as OPML; the message says why."""


@dataclass(frozen=True, slots=True)
class FeedOutline:
    url: str
    title: str
    line: int


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    message: str
    text: str = ""  # the outline's title, to help find it

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "the file"
        named = f" ({self.text})" if self.text else ""
        return f"{where}: {self.message}{named}"


@dataclass
class OpmlDocument:
    title: str = ""
    feeds: list[FeedOutline] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    # No entity expansion, no DTD or network access, no gigantic trees: uploads are untrusted.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _local(tag) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def feed_url(raw: str) -> str:
    """The http(s) URL behind an outline's xmlUrl, undoing podcast-app schemes
    ("feed://host/x", "feed:https://host/x", "itpc://host/x")."""
    url = raw.strip()
    lowered = url.lower()
    if lowered.startswith("feed:") and lowered[5:].startswith(("http://", "https://")):
        return url[5:]
    for scheme in FEED_SCHEMES:
        if lowered.startswith(scheme):
            return "http://" + url[len(scheme) :]
    return url


def parse_opml(data: bytes) -> OpmlDocument:
    """The feeds an OPML file lists, and what is wrong with the outlines that are not
    feeds. Raises NotOpml when the file is not OPML at all."""
    if not data.strip():
        raise NotOpml("The file is empty.")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = f"line {error.lineno}: " if error.lineno else ""
        raise NotOpml(
            f"This is not an OPML file: it is not well-formed XML ({line}{error.msg})."
        ) from None
    name = _local(root.tag)
    if name != "opml":
        hint = (
            " (it looks like a feed: add it by its URL instead)" if name in ("rss", "feed") else ""
        )
        raise NotOpml(f"This is not an OPML file: its root element is <{name}>, not <opml>{hint}.")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise NotOpml("This OPML file has no <body>, so it lists no podcasts.")

    head = next((child for child in root if _local(child.tag) == "head"), None)
    title = ""
    if head is not None:
        title = next(((t.text or "").strip() for t in head if _local(t.tag) == "title"), "")
    document = OpmlDocument(title=title)
    _walk(body, document)
    return document


def _walk(parent, document: OpmlDocument) -> None:
    for outline in parent:
        if _local(outline.tag) != "outline":
            continue
        attrs = {key.lower(): value for key, value in outline.attrib.items()}
        kind = attrs.get("type", "").strip().lower()
        if kind in IGNORED_TYPES:
            continue
        text = (attrs.get("title") or attrs.get("text") or "").strip()
        url = attrs.get("xmlurl", "").strip()
        if url:
            # Children of a feed outline are its episodes (Overcast): not feeds.
            document.feeds.append(FeedOutline(feed_url(url), text, outline.sourceline or 0))
        elif any(_local(child.tag) == "outline" for child in outline):
            _walk(outline, document)
        elif "xmlurl" in attrs:
            document.problems.append(Problem(outline.sourceline or 0, "xmlUrl is empty", text))
        else:
            document.problems.append(
                Problem(outline.sourceline or 0, "outline has no xmlUrl", text)
            )


@dataclass(frozen=True, slots=True)
class ExportFeed:
    title: str
    xml_url: str
    html_url: str = ""


def write_opml(title: str, feeds: Iterable[ExportFeed], created: datetime) -> bytes:
    """An OPML 2.0 subscription list, flat, as podcast apps import it."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(created)
    body = etree.SubElement(root, "body")
    for feed in feeds:
        name = feed.title or feed.xml_url
        outline = etree.SubElement(body, "outline", type="rss", text=name, title=name)
        outline.set("xmlUrl", feed.xml_url)
        if feed.html_url:
            outline.set("htmlUrl", feed.html_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
