"""Atom 1.0 feeds (and the basics of Atom 0.3), with the iTunes and Podcasting 2.0
extensions some podcast publishers add, read into a ParsedFeed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from airwaves.crawler.budget import UNLIMITED, Budget
from airwaves.crawler.p20_media import apply_media_tags
from airwaves.crawler.p20_tags import CHANNEL_LISTS, ITEM_LISTS, apply_channel_tags, apply_item_tags
from airwaves.crawler.parse_common import (
    ATOM_NAMESPACES,
    XML_LANG,
    TagNames,
    apply_episode_extensions,
    apply_feed_extensions,
    google_play_categories,
    html_of,
    index_children,
    itunes_categories,
    join_base,
    longest,
    media_enclosure,
    next_page,
    read_items,
    resolve_url,
    set_enclosure,
    text_of,
    unique,
)
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.lib.dates import parse_date
from airwaves.lib.durations import parse_duration

# Atom's own elements get bare keys ("title"); Atom 0.3 names are mapped onto 1.0 ones.
_NAMES = TagNames(own=ATOM_NAMESPACES)
_LISTS = (
    frozenset(
        {
            "entry",
            "link",
            "category",
            "itunes:category",
            "podcast:funding",
            "podcast:transcript",
            "googleplay:category",
            # Read by the shared Media RSS helpers, which take every one of them.
            "media:content",
            "media:group",
            "media:thumbnail",
        }
    )
    | CHANNEL_LISTS
    | ITEM_LISTS
)
_TAG = re.compile(r"<[^>]*>")
_ATOM03 = {"tagline": "subtitle", "copyright": "rights", "issued": "published"}


def parse_atom(
    root: etree._Element,
    *,
    url: str = "",
    known: Mapping[str, ParsedEpisode] | None = None,
    max_items: int | None = None,
    budget: Budget = UNLIMITED,
) -> ParsedFeed:
    """Reads an Atom <feed> document (`known`: parse_common.read_items)."""
    found = index_children(root, _NAMES, _LISTS)
    base = join_base(url, root)
    if not url and not base.startswith(("http://", "https://")):
        # Read from a file or stdin without xml:base: the show's website is the best base.
        # (A site-relative URL given by the caller, as for the demo feeds, stays the base.)
        link = _link(found.get("link"), base, "alternate")
        if link.startswith(("http://", "https://")):
            base = resolve_url(base, link) if base else link
    feed = ParsedFeed(format="atom")
    apply_feed_extensions(feed, found, base)
    apply_channel_tags(feed, found, base)
    feed.title = text_of(found.get("title"))
    feed.link = _link(found.get("link"), base, "alternate")
    subtitle = _first(found, "subtitle")
    feed.description_html = longest(_atom_html(subtitle), html_of(found.get("itunes:summary")))
    feed.subtitle = feed.subtitle or _plain_text(subtitle)
    feed.author = feed.author or _author(found.get("author"))
    feed.image_url = (
        feed.image_url
        or resolve_url(text_of(found.get("logo")), base)
        or resolve_url(text_of(found.get("icon")), base)
    )
    feed.language = (root.get(XML_LANG) or "").strip()
    feed.categories = unique(
        [
            *itunes_categories(found, _NAMES),
            *(_category(c) for c in found.get("category", ())),
            *google_play_categories(found),
        ]
    )
    feed.copyright = text_of(_first(found, "rights"))
    feed.next_page_url = next_page(found.get("link"), base)

    entries = found.get("entry", ())
    feed.episodes = read_items(feed, entries, base, _read_entry, known, max_items, budget)
    return feed


def _first(found: dict[str, Any], key: str) -> etree._Element | None:
    """The Atom 1.0 element, or its Atom 0.3 spelling."""
    element = found.get(key)
    if element is None:
        for old, new in _ATOM03.items():
            if new == key:
                return found.get(old)
    return element


def _read_entry(entry: etree._Element, base: str) -> ParsedEpisode | None:
    found = index_children(entry, _NAMES, _LISTS)
    base = join_base(base, entry)
    episode = ParsedEpisode()
    apply_episode_extensions(episode, found, _NAMES, base)
    apply_item_tags(episode, found, base)
    episode.guid = text_of(found.get("id"))
    episode.title = text_of(found.get("title"))
    episode.link = _link(found.get("link"), base, "alternate")
    episode.published = (
        parse_date(text_of(_first(found, "published")))
        or parse_date(text_of(found.get("updated")))
        or parse_date(text_of(found.get("modified")))
    )
    summary = found.get("summary")
    episode.description_html = longest(
        _atom_html(found.get("content")),
        _atom_html(summary),
        html_of(found.get("itunes:summary")),
    )
    if not episode.subtitle and summary is not None:
        episode.subtitle = text_of(summary)
    episode.author = episode.author or _author(found.get("author"))
    for link in found.get("link", ()):
        if (link.get("rel") or "").strip() == "enclosure" and (link.get("href") or "").strip():
            set_enclosure(episode, link, join_base(base, link), "length")
            break
    else:
        media = media_enclosure(found, _NAMES)
        if media is not None:
            set_enclosure(episode, media, base, "fileSize")
            if episode.duration is None:
                episode.duration = parse_duration(media.get("duration"))
    apply_media_tags(episode, found, _NAMES, base)
    if not (episode.title or episode.enclosure_url or episode.guid):
        return None
    return episode


def _link(links: list[etree._Element] | None, base: str, rel: str) -> str:
    """The href of the first link with `rel` (a missing rel means "alternate")."""
    fallback = ""
    for link in links or ():
        if (link.get("rel") or "alternate").strip() != rel:
            continue
        href = resolve_url(link.get("href"), join_base(base, link))
        if not href:
            continue
        # Prefer the web page over other alternates (audio, JSON, another feed).
        if (link.get("type") or "text/html").startswith(("text/html", "application/xhtml")):
            return href
        fallback = fallback or href
    return fallback


def _author(author: etree._Element | None) -> str:
    if author is None:
        return ""
    for child in author:
        if _NAMES.of(child.tag) == "name":
            return text_of(child)
    return text_of(author)


def _category(element: etree._Element) -> str:
    return (element.get("label") or element.get("term") or "").strip()


def _plain_text(element: etree._Element | None) -> str:
    """An Atom text construct as plain text (an "html" one loses its tags)."""
    text = text_of(element)
    if element is not None and (element.get("type") or "").strip().lower() == "html":
        text = " ".join(_TAG.sub(" ", text).split())
    return text


def _atom_html(element: etree._Element | None) -> str:
    """An Atom text construct as HTML: "text" is escaped, "html" is kept, "xhtml" unwrapped."""
    if element is None:
        return ""
    kind = (element.get("type") or "text").strip().lower()
    if kind == "xhtml" or element.get("mode") == "xml":
        # The content is one xhtml <div> wrapper whose inside is the HTML.
        return html_of(element[0] if len(element) == 1 else element)
    if kind in ("html", "text/html") or element.get("mode") == "escaped":
        return html_of(element)
    if element.get("src"):
        return ""  # out-of-line content: nothing to show here
    return html.escape(text_of(element), quote=False)
