"""RSS 2.0, 0.9x and 1.0 (RDF) feeds, with the iTunes, content, Dublin Core, Media RSS,
syndication and Podcasting 2.0 extensions, read into a ParsedFeed.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from airwaves.crawler.budget import UNLIMITED, Budget
from airwaves.crawler.p20_media import apply_media_tags
from airwaves.crawler.p20_tags import (
    CHANNEL_LISTS,
    ITEM_LISTS,
    apply_channel_tags,
    apply_item_tags,
)
from airwaves.crawler.parse_common import (
    XML_BASE,
    XML_LANG,
    TagNames,
    apply_episode_extensions,
    apply_feed_extensions,
    google_play_categories,
    html_at,
    html_of,
    index_children,
    itunes_categories,
    join_base,
    longest,
    media_enclosure,
    media_thumbnail,
    next_page,
    parse_int,
    pixels,
    read_items,
    resolve_url,
    set_enclosure,
    text_at,
    text_of,
    unique,
)
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.lib.dates import parse_date
from airwaves.lib.durations import parse_duration

try:  # (built by setup.py where a C compiler is at hand; the Python reader does it all else)
    from airwaves.crawler import _fastitems as fast_items
except ImportError:
    fast_items = None

RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
RDF_RESOURCE = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource"

_NAMES = TagNames()
_CHANNEL_LISTS = (
    frozenset(
        {
            "item",
            "link",
            "atom:link",
            "category",
            "itunes:category",
            "podcast:funding",
            "googleplay:category",
            "media:thumbnail",
            "media:group",
        }
    )
    | CHANNEL_LISTS
)
_ITEM_LISTS = (
    frozenset(
        {
            "enclosure",
            "atom:link",
            "podcast:transcript",
            "media:content",
            "media:group",
            "media:thumbnail",
        }
    )
    | ITEM_LISTS
)


def parse_rss(
    root: etree._Element,
    *,
    url: str = "",
    known: Mapping[str, ParsedEpisode] | None = None,
    max_items: int | None = None,
    budget: Budget = UNLIMITED,
) -> ParsedFeed:
    """Reads an <rss> (or stray <channel>) or <rdf:RDF> document (`known`: read_items)."""
    top = index_children(root, _NAMES, _CHANNEL_LISTS)
    channel = top.get("channel")
    if channel is None:
        # A bare <channel> root, or RSS 0.9x without one: read the root as the channel.
        channel, found = root, top
    else:
        found = index_children(channel, _NAMES, _CHANNEL_LISTS)
    base = join_base(join_base(url, root), channel)

    if not url and not base.startswith(("http://", "https://")):
        # Read from a file or stdin without xml:base: the show's website is the best base.
        # (A site-relative URL given by the caller, as for the demo feeds, stays the base.)
        link = _channel_link(found, base)
        if link.startswith(("http://", "https://")):
            base = resolve_url(base, link) if base else link
    feed = _read_channel(found, base)
    if not feed.image_url:
        # RSS 1.0 puts the <image> beside the channel, which only points at it.
        image = found.get("image")
        if image is None or not _rss_image(image, base):
            image = top.get("image")
        feed.image_url = _rss_image(image, base)
        if feed.image_url:
            feed.image_width, feed.image_height = _rss_image_size(image)
    feed.next_page_url = next_page(found.get("atom:link"), base)
    if not feed.language:
        feed.language = (root.get(XML_LANG) or "").strip()

    # RSS 1.0 keeps items beside the channel, not in it; broken 2.0 feeds do too.
    items = found.get("item") or top.get("item") or ()
    read = _read_item if fast_items is None else _fast_item_reader()
    feed.episodes = read_items(feed, items, base, read, known, max_items, budget)
    return feed


def _fast_item_reader() -> Callable[[etree._Element, str], ParsedEpisode | None]:
    """_read_item with the C reader (crawler/_fastitems.c) first: it reads the items it
    knows, the same way, and hands back the others. New for each document (the reader
    caches the document's tag names, and keeps the document while it lives)."""
    fast, fallback = fast_items.Reader().read, fast_items.FALLBACK

    def read(item: etree._Element, base: str) -> ParsedEpisode | None:
        episode = fast(item, base)
        return _read_item(item, base) if episode is fallback else episode

    return read


def _read_channel(found: dict[str, Any], base: str) -> ParsedFeed:
    feed = ParsedFeed(format="rss")
    apply_feed_extensions(feed, found, base)
    apply_channel_tags(feed, found, base)
    feed.title = text_of(found.get("title"))
    feed.link = _channel_link(found, base)
    feed.description_html = longest(
        html_of(found.get("description")),
        html_of(found.get("itunes:summary")),
        html_of(found.get("content:encoded")),
    )
    if not feed.author:
        feed.author = text_of(found.get("dc:creator")) or text_of(found.get("managingEditor"))
    feed.language = text_of(found.get("language")) or text_of(found.get("dc:language"))
    feed.categories = unique(
        [
            *itunes_categories(found, _NAMES),
            *(text_of(c) for c in found.get("category", ())),
            *google_play_categories(found),
        ]
    )
    feed.copyright = text_of(found.get("copyright")) or text_of(found.get("dc:rights"))
    feed.ttl_minutes = parse_int(text_of(found.get("ttl")))
    feed.update_period = text_of(found.get("sy:updatePeriod")).lower()
    feed.update_frequency = parse_int(text_of(found.get("sy:updateFrequency")))
    if not feed.image_url:
        feed.image_url = media_thumbnail(found, _NAMES, base)
    return feed


def _channel_link(found: dict[str, Any], base: str) -> str:
    for element in found.get("link", ()):
        link = resolve_url(text_of(element) or element.get("href"), base)
        if link:
            return link
    return _atom_alternate(found.get("atom:link"), base)


def _atom_alternate(links: list[etree._Element] | None, base: str) -> str:
    for element in links or ():
        if (element.get("rel") or "alternate") == "alternate":
            return resolve_url(element.get("href"), base)
    return ""


def _rss_image_size(image: etree._Element | None) -> tuple[int | None, int | None]:
    sizes = {"width": None, "height": None}
    for child in image if image is not None else ():
        key = _NAMES.of(child.tag)
        if key in sizes:
            sizes[key] = pixels(text_of(child))
    return sizes["width"], sizes["height"]


def _rss_image(image: etree._Element | None, base: str) -> str:
    if image is None:
        return ""
    for child in image:
        if _NAMES.of(child.tag) == "url":
            return resolve_url(text_of(child), base)
    # RSS 1.0 names the image by its rdf:about (or points at it with rdf:resource).
    return resolve_url(image.get(RDF_ABOUT) or image.get(RDF_RESOURCE), base)


def _read_item(item: etree._Element, base: str) -> ParsedEpisode | None:
    found = index_children(item, _NAMES, _ITEM_LISTS)
    own_base = item.get(XML_BASE)
    if own_base:
        base = resolve_url(own_base, base)
    episode = ParsedEpisode()
    apply_episode_extensions(episode, found, _NAMES, base)
    apply_item_tags(episode, found, base)

    guid = found.get("guid")
    episode.guid = (text_of(guid) if guid is not None else "") or (
        item.get(RDF_ABOUT) or ""
    ).strip()
    episode.title = text_at(found, "title")
    episode.link = _item_link(found, guid, base)
    episode.published = (
        parse_date(text_at(found, "pubDate"))
        or parse_date(text_at(found, "dc:date"))
        or parse_date(text_at(found, "atom:published"))
        or parse_date(text_at(found, "atom:updated"))
    )
    episode.description_html = max(
        (
            html_at(found, "content:encoded"),
            html_at(found, "description"),
            html_at(found, "itunes:summary"),
        ),
        key=len,
    )
    if not episode.author:
        episode.author = text_at(found, "dc:creator") or text_at(found, "author")
    _item_enclosure(episode, found, base)
    apply_media_tags(episode, found, _NAMES, base)
    if not (episode.title or episode.enclosure_url or episode.guid):
        return None
    return episode


def _item_link(found: dict[str, Any], guid: etree._Element | None, base: str) -> str:
    link = resolve_url(text_at(found, "link"), base)
    if not link and "atom:link" in found:
        link = _atom_alternate(found["atom:link"], base)
    if link or guid is None:
        return link
    # Like feedparser: a permalink guid is the item's link when there is no <link>.
    text = text_of(guid)
    if guid.get("isPermaLink", "true").strip().lower() != "false" and text.startswith(
        ("http://", "https://")
    ):
        return text
    return ""


def _item_enclosure(episode: ParsedEpisode, found: dict[str, Any], base: str) -> None:
    for element in found.get("enclosure", ()):
        if (element.get("url") or "").strip():
            set_enclosure(episode, element, base, "length")
            return
    if "media:content" not in found and "media:group" not in found:
        return
    media = media_enclosure(found, _NAMES)
    if media is not None:
        set_enclosure(episode, media, base, "fileSize")
        if episode.duration is None:
            episode.duration = parse_duration(media.get("duration"))


# Item tags that neither reader reads: the C reader passes over them instead of handing
# the item to _read_item (any other known-namespace tag it does not read makes it do so).
# tests/crawler/test_fast_items.py checks that each changes nothing _read_item reads.
FAST_ITEMS_IGNORE = frozenset(
    {
        "itunes:title",
        "itunes:order",
        "itunes:isClosedCaptioned",
        "category",
        "comments",
        "source",
        "dc:subject",
        "dc:title",
        "dc:identifier",
        "dc:rights",
        "dc:description",
        "dc:language",
        "dc:publisher",
        "dc:format",
        "dc:type",
        "media:title",
        "media:description",
        "media:rating",
        "media:credit",
        "podcast:socialInteract",
        "podcast:chat",
        "podcast:contentLink",
        "podcast:integrity",
    }
)


def _configure_fast_items() -> None:
    import dataclasses

    from airwaves.crawler import p20_tags, types
    from airwaves.crawler import parse_common as common

    # The C reader makes these as their __init__ does with no arguments (in this order:
    # crawler/_fastitems.c's T_ numbers; a nested one comes after its container).
    classes = [
        ParsedEpisode,
        types.EpisodeMedia,
        types.ItemTags,
        types.Person,
        types.Soundbite,
        types.Location,
        types.License,
        types.Funding,
        types.AlternateEnclosure,
        types.MediaSource,
        types.MediaLink,
    ]
    templates = []
    for cls in classes:
        fields = []
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                fields.append((f.name, "value", f.default))
                continue
            made = f.default_factory()
            if type(made) is list and not made:
                fields.append((f.name, "list", None))
            elif type(made) in classes and made == type(made)():
                fields.append((f.name, "object", classes.index(type(made))))
            else:
                raise TypeError(f"{cls.__name__}.{f.name}: a default the C reader cannot make")
        templates.append((cls, fields))
    fast_items.configure(
        {
            "names_of": _NAMES.of,
            "ignored": FAST_ITEMS_IGNORE,
            "element_type": etree._Element,
            "templates": templates,
            "parse_date": parse_date,
            "parse_duration": parse_duration,
            "resolve_url": common.resolve_url,
            "safe_url": p20_tags.safe_url,
            "parse_int": common.parse_int,
        }
    )


def _built_from_this_source(module: Any) -> bool:
    """False for a C reader built from another version of _fastitems.c than the one
    beside it (its rules may differ from this file's): the Python reader is used then,
    with a warning to run the set-up again. Installed without the source, it is trusted."""
    try:
        source = Path(__file__).with_name("_fastitems.c").read_bytes()
    except OSError:
        return True
    if hashlib.sha256(source).hexdigest() == module.SOURCE_DIGEST:
        return True
    warnings.warn(
        "airwaves/crawler/_fastitems.c changed since it was built: items are read in"
        " Python until the set-up is run again (sh scripts/setup.sh)",
        RuntimeWarning,
        stacklevel=2,
    )
    return False


if fast_items is not None and not _built_from_this_source(fast_items):
    fast_items = None
if fast_items is not None:
    _configure_fast_items()
