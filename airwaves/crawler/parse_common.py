"""Helpers shared by the RSS and Atom readers: tag names, text, URLs, small scalars,
and the extension namespaces (iTunes, Podcasting 2.0, Media RSS) that both formats carry.

Speed matters here (millions of feeds): each element's children are walked once and
indexed by a short key ("title", "itunes:duration"), then fields are read from the index.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from airwaves.crawler.budget import UNLIMITED, Budget
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.lib.durations import parse_duration

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ATOM_NAMESPACES = frozenset({"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"})

# Namespaces whose elements we read, under the prefix we use for them. RSS 1.0/0.90
# elements read like plain RSS ones.
_PREFIXES = {
    "": "",
    "http://purl.org/rss/1.0/": "",
    "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://backend.userland.com/rss2": "",
    "http://www.w3.org/2005/Atom": "atom",
    "http://purl.org/atom/ns#": "atom",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dc",
    "http://search.yahoo.com/mrss/": "media",
    "http://purl.org/rss/1.0/modules/syndication/": "sy",
    "https://podcastindex.org/namespace/1.0": "podcast",
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md": "podcast",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.google.com/schemas/play-podcasts/1.0": "googleplay",
    "http://podlove.org/simple-chapters": "psc",
}
# The same, keyed loosely: publishers get case, scheme and trailing slashes wrong.
_LOOSE_PREFIXES = {
    re.sub(r"^https?://|[/#]+$", "", ns.lower()): prefix for ns, prefix in _PREFIXES.items() if ns
}
_CACHE_LIMIT = 4096


def _loose_prefix(namespace: str) -> str | None:
    loose = re.sub(r"^https?://|[/#]+$", "", namespace.strip().lower())
    prefix = _LOOSE_PREFIXES.get(loose)
    if prefix is not None:
        return prefix
    if "itunes.com" in loose:
        return "itunes"
    if "podcastindex" in loose or "podcast-namespace" in loose:
        return "podcast"
    if "search.yahoo.com/mrss" in loose:
        return "media"
    return None


class TagNames:
    """Maps lxml's "{namespace}local" tags to short keys, caching each answer.

    `own` namespaces map to bare local names: Atom's for the Atom reader, so that
    "{http://www.w3.org/2005/Atom}title" is "title" there but "atom:title" in RSS.
    """

    def __init__(self, own: frozenset[str] = frozenset()) -> None:
        self.cache: dict[Any, str] = {}
        self._own = own

    def of(self, tag: Any) -> str:
        key = self.cache.get(tag)
        return key if key is not None else self.key(tag)

    def key(self, tag: Any) -> str:
        if len(self.cache) > _CACHE_LIMIT:
            # Hostile feeds can invent namespaces without end; don't let them grow memory.
            self.cache.clear()
        self.cache[tag] = key = self._compute(tag)
        return key

    def _compute(self, tag: Any) -> str:
        if not isinstance(tag, str):
            return ""  # comments, processing instructions, entity references
        if tag[0] != "{":
            return tag
        namespace, _, local = tag[1:].partition("}")
        if namespace in self._own:
            return local
        prefix = _PREFIXES.get(namespace)
        if prefix is None:
            prefix = _loose_prefix(namespace)
        if prefix is None:
            return tag
        return f"{prefix}:{local}" if prefix else local


def index_children(
    element: etree._Element, names: TagNames, multi: frozenset[str]
) -> dict[str, Any]:
    """One pass over the children: first element per key, or a list for `multi` keys."""
    found: dict[str, Any] = {}
    cache = names.cache
    for child in element:
        tag = child.tag
        try:
            key = cache[tag]
        except KeyError:  # (once per tag name: the cache is shared by every item)
            key = names.key(tag)
        # Most keys come once: test for a repeat first, and for a list key only then.
        if key not in found:
            found[key] = [child] if key in multi else child
        elif key in multi:
            found[key].append(child)
    return found


def text_of(element: etree._Element | None) -> str:
    if element is None:
        return ""
    if len(element):
        return "".join(element.itertext()).strip()
    text = element.text
    return text.strip() if text else ""


def text_at(found: dict[str, Any], key: str) -> str:
    """text_of(found.get(key)), in one call: items ask for many keys they do not have."""
    element = found.get(key)
    if element is None:
        return ""
    if len(element):
        return "".join(element.itertext()).strip()
    text = element.text
    return text.strip() if text else ""


_XMLNS_ATTRIBUTE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def html_of(element: etree._Element | None) -> str:
    """An element's content as an HTML string.

    Usually the HTML arrives escaped or in CDATA, so it is the element's text. Some feeds
    put raw markup inside <description>; that markup is serialized back to a string.
    """
    if element is None:
        return ""
    if not len(element):
        text = element.text
        return text.strip() if text else ""
    parts = [element.text or ""]
    for child in element:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return _XMLNS_ATTRIBUTE.sub("", "".join(parts)).strip()


def html_at(found: dict[str, Any], key: str) -> str:
    """html_of(found.get(key)), in one call for the usual element of text only."""
    element = found.get(key)
    if element is None:
        return ""
    if len(element):
        return html_of(element)
    text = element.text
    return text.strip() if text else ""


def longest(*values: str) -> str:
    return max(values, key=len)


def join_base(base: str, element: etree._Element) -> str:
    """The base URL inside `element`, which may set its own (possibly relative) xml:base."""
    own = element.get(XML_BASE)
    return resolve_url(own, base) if own else base


def resolve_url(value: str | None, base: str) -> str:
    if not value:
        return ""
    value = value.strip()
    # Most URLs in feeds are absolute; skip urljoin (slow) for them.
    if not base or value.startswith(("http://", "https://")):
        return value
    try:
        return urljoin(base, value)
    except ValueError:
        return value


_TRUE = frozenset({"yes", "true", "explicit", "1"})
_FALSE = frozenset({"no", "false", "clean", "0"})


def parse_bool(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def parse_int(text: str | None) -> int | None:
    if not text:
        return None
    value = text.strip()
    return int(value) if value.isdecimal() and len(value) < 19 else None


def _first_url(elements: list[etree._Element] | None, base: str, attribute: str = "url") -> str:
    for element in elements or ():
        url = resolve_url(element.get(attribute), base)
        if url:
            return url
    return ""


def itunes_image(found: dict[str, Any], base: str) -> str:
    element = found.get("itunes:image")
    if element is None:
        return ""
    # The spec says href; some feeds put the URL in the text instead.
    return resolve_url(element.get("href") or text_of(element), base)


def itunes_categories(found: dict[str, Any], names: TagNames) -> list[str]:
    """ "Parent" and "Parent > Child" for each itunes:category, in feed order."""
    categories: list[str] = []
    for element in found.get("itunes:category", ()):
        parent = (element.get("text") or "").strip()
        if not parent:
            continue
        categories.append(parent)
        for child in element:
            name = (child.get("text") or "").strip()
            if name and names.of(child.tag) == "itunes:category":
                categories.append(f"{parent} > {name}")
    return categories


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def apply_feed_extensions(feed: ParsedFeed, found: dict[str, Any], base: str) -> None:
    """Channel-level iTunes and Podcasting 2.0 fields common to RSS and Atom feeds."""
    feed.subtitle = text_of(found.get("itunes:subtitle"))
    feed.author = text_of(found.get("itunes:author"))
    owner = found.get("itunes:owner")
    if owner is not None:
        for child in owner:
            local = child.tag.rpartition("}")[2] if isinstance(child.tag, str) else ""
            if local == "name":
                feed.owner_name = text_of(child)
            elif local == "email":
                feed.owner_email = text_of(child)
    feed.image_url = itunes_image(found, base)
    explicit = found.get("itunes:explicit")
    feed.explicit = parse_bool(text_of(explicit)) if explicit is not None else None
    feed.new_feed_url = resolve_url(text_of(found.get("itunes:new-feed-url")), base)
    apply_itunes_and_google_play(feed, found, base)
    feed.podcast_guid = text_of(found.get("podcast:guid"))
    locked = found.get("podcast:locked")
    feed.locked = parse_bool(text_of(locked)) if locked is not None else None
    feed.funding_url = _first_url(found.get("podcast:funding"), base)
    frequency = found.get("podcast:updateFrequency")
    if frequency is not None:
        feed.release_interval = rrule_seconds(frequency.get("rrule") or "")
        feed.complete = parse_bool(frequency.get("complete") or "") is True


_SHOW_TYPES = frozenset({"episodic", "serial"})


def apply_itunes_and_google_play(feed: ParsedFeed, found: dict[str, Any], base: str) -> None:
    """The iTunes show fields beyond the basics, and Google Play's as fallbacks: Google
    Play's tags duplicate iTunes' and are what some feeds (made for Google Podcasts) carry."""
    show_type = text_of(found.get("itunes:type")).lower()
    feed.itunes_type = show_type if show_type in _SHOW_TYPES else ""
    feed.block = flag(found, "itunes:block", "googleplay:block")
    feed.itunes_complete = flag(found, "itunes:complete", "googleplay:complete")
    feed.keywords = keywords(found)
    feed.author = feed.author or text_of(found.get("googleplay:author"))
    feed.owner_email = feed.owner_email or text_of(found.get("googleplay:email"))
    feed.image_url = feed.image_url or resolve_url(
        _attribute(found.get("googleplay:image"), "href"), base
    )
    if feed.explicit is None:
        explicit = found.get("googleplay:explicit")
        feed.explicit = parse_bool(text_of(explicit)) if explicit is not None else None
    if not feed.subtitle:
        feed.subtitle = text_of(found.get("googleplay:description"))


def google_play_categories(found: dict[str, Any]) -> list[str]:
    return [_attribute(c, "text") for c in found.get("googleplay:category", ())]


def next_page(links: list[etree._Element] | None, base: str) -> str:
    """RFC 5005's link to the next (older) page of a paged feed."""
    for element in links or ():
        if (element.get("rel") or "").strip().lower() == "next":
            return resolve_url(element.get("href"), join_base(base, element))
    return ""


def pixels(text: str | None) -> int | None:
    number = parse_int(text)
    return number if number else None


def _attribute(element: etree._Element | None, name: str) -> str:
    return (element.get(name) or "").strip() if element is not None else ""


def flag(found: dict[str, Any], *keys: str) -> bool | None:
    """A yes/no tag (the first of `keys` present); None when absent or unreadable."""
    for key in keys:
        element = found.get(key)
        if element is not None:
            return parse_bool(text_of(element))
    return None


_MAX_KEYWORDS = 100


def keywords(found: dict[str, Any], names: TagNames | None = None) -> list[str]:
    """itunes:keywords, else media:keywords (also inside media:group): comma-separated,
    deduplicated, at most _MAX_KEYWORDS (Apple reads twelve; spam feeds send thousands)."""
    element = found.get("itunes:keywords")
    if element is None:
        element = found.get("media:keywords")
    if element is None and names is not None:
        for group in found.get("media:group", ()):
            for child in group:
                if names.of(child.tag) == "media:keywords":
                    element = child
                    break
    text = text_of(element)
    if not text:
        return []
    # str methods, not a regex split: this runs for every item of most feeds.
    words = dict.fromkeys(k.strip()[:100] for k in text.replace(";", ",").split(","))
    words.pop("", None)
    return list(words)[:_MAX_KEYWORDS]


_RRULE_PERIODS = {
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
    "MONTHLY": 30 * 86400,
    "YEARLY": 365 * 86400,
}


def rrule_seconds(rrule: str) -> int | None:
    """ "FREQ=WEEKLY;INTERVAL=2" -> two weeks in seconds; None when unreadable."""
    parts = dict(p.partition("=")[::2] for p in rrule.upper().replace(" ", "").split(";") if p)
    period = _RRULE_PERIODS.get(parts.get("FREQ", ""))
    if period is None:
        return None
    interval = parse_int(parts.get("INTERVAL"))
    return period * interval if interval else period


def media_enclosure(found: dict[str, Any], names: TagNames) -> etree._Element | None:
    """The first media:content that is not an image, looking inside media:group too."""
    candidates = list(found.get("media:content", ()))
    for group in found.get("media:group", ()):
        candidates.extend(c for c in group if names.of(c.tag) == "media:content")
    for element in candidates:
        kind = (element.get("medium") or element.get("type") or "").lower()
        if element.get("url") and not kind.startswith("image"):
            return element
    return None


def media_thumbnail(found: dict[str, Any], names: TagNames, base: str) -> str:
    url = _first_url(found.get("media:thumbnail"), base)
    if url:
        return url
    for group in found.get("media:group", ()):
        for child in group:
            if names.of(child.tag) == "media:thumbnail":
                url = resolve_url(child.get("url"), base)
                if url:
                    return url
    return ""


_EPISODE_TYPES = frozenset({"full", "trailer", "bonus"})


def apply_episode_extensions(
    episode: ParsedEpisode, found: dict[str, Any], names: TagNames, base: str
) -> None:
    """Item-level iTunes, Google Play and Media RSS fields common to RSS and Atom.

    This runs for every item of every feed: each tag is looked up once, and read only
    when it is there."""
    get = found.get
    subtitle = text_at(found, "itunes:subtitle") or text_at(found, "itunes:summary")
    element = get("itunes:author")
    if element is not None:
        episode.author = text_of(element)
    element = get("itunes:duration")
    if element is not None:
        episode.duration = parse_duration(text_of(element))
    image = get("itunes:image")
    # The spec says href; some feeds put the URL in the text instead.
    image_url = resolve_url(image.get("href") or text_of(image), base) if image is not None else ""
    if not image_url and ("media:thumbnail" in found or "media:group" in found):
        image_url = media_thumbnail(found, names, base)
    element = get("itunes:explicit")
    explicit = parse_bool(text_of(element)) if element is not None else None
    element = get("itunes:season")
    if element is not None:
        episode.season = parse_int(text_of(element))
    element = get("itunes:episode")
    if element is not None:
        episode.episode_number = parse_int(text_of(element))
    element = get("itunes:episodeType")
    if element is not None:
        episode_type = text_of(element).lower()
        episode.episode_type = episode_type if episode_type in _EPISODE_TYPES else ""
    element = get("itunes:block")
    if element is None:
        element = get("googleplay:block")
    if element is not None:
        episode.block = parse_bool(text_of(element))
    if "itunes:keywords" in found or "media:keywords" in found or "media:group" in found:
        episode.keywords = keywords(found, names)
    # Google Play's tags stand in for iTunes' missing ones.
    if not subtitle:
        subtitle = text_at(found, "googleplay:description")
    if explicit is None:
        explicit = flag(found, "googleplay:explicit")
    if not image_url:
        image_url = resolve_url(_attribute(get("googleplay:image"), "href"), base)
    episode.subtitle, episode.explicit, episode.image_url = subtitle, explicit, image_url


def set_enclosure(
    episode: ParsedEpisode, element: etree._Element, base: str, length_attribute: str
) -> None:
    episode.enclosure_url = resolve_url(element.get("url") or element.get("href"), base)
    episode.enclosure_type = (element.get("type") or "").strip()
    episode.enclosure_length = parse_int(element.get(length_attribute))


# Items ---------------------------------------------------------------------------------

# Part of every item digest and channel fingerprint: raising it makes the next refresh of
# every feed read, clean and store the show and all its items again (after a change to
# how feeds are parsed or cleaned).
RULES_VERSION = 3


def item_digest(element: etree._Element, base: str) -> str:
    """A digest of an item's XML as published, and of the URL its relative links resolve
    against: equal digests mean the item reads exactly as before."""
    head = f"{RULES_VERSION}\n{base}\n".encode("utf-8", "surrogatepass")
    body = etree.tostring(element, with_tail=False)
    return hashlib.blake2b(head + body, digest_size=16).hexdigest()


def read_items(
    feed: ParsedFeed,
    elements: Sequence[etree._Element],
    base: str,
    read: Callable[[etree._Element, str], ParsedEpisode | None],
    known: Mapping[str, ParsedEpisode] | None,
    max_items: int | None = None,
    budget: Budget = UNLIMITED,
) -> list[ParsedEpisode]:
    """Reads each item with `read`. With `known` (stubs of the items stored last time, by
    digest), every item gets its digest in `fingerprint`, and an item whose XML is
    unchanged comes back as its stub without being read: most of a changed feed is old
    episodes, and reading them again is most of the cost of a refresh.

    At most `max_items` are read, the newest (see newest_items); leaving some out adds
    a warning to `feed`. `budget` is checked once per item."""
    if max_items is not None and len(elements) > max_items:
        feed.warnings.append(
            f"the feed lists {len(elements):,} items: only the newest {max_items:,} were read"
            " (AIRWAVES_FEED_MAX_ITEMS)"
        )
        elements = newest_items(elements, max_items, base, read)
    episodes = []
    check = budget.check
    for element in elements:
        check("reading the items")
        if known is None:
            episode = read(element, base)
        else:
            digest = item_digest(element, base)
            episode = known.get(digest)
            if episode is None:
                episode = read(element, base)
                if episode is not None:
                    episode.fingerprint = digest
        if episode is not None:
            episodes.append(episode)
    return episodes


def newest_items(
    elements: Sequence[etree._Element],
    count: int,
    base: str,
    read: Callable[[etree._Element, str], ParsedEpisode | None],
) -> Sequence[etree._Element]:
    """The `count` newest of a feed's items. Feeds list the newest first, except those
    (serials, archives) that list the oldest first: the dates of the first and the last
    item tell which end to keep, without reading the items in between."""
    first, last = read(elements[0], base), read(elements[-1], base)
    if first and last and first.published and last.published and last.published > first.published:
        return elements[-count:][::-1] if count else ()
    return elements[:count]
