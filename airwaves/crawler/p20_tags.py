"""The Podcasting 2.0 namespace (https://podcastindex.org/namespace/1.0), chapters and
transcripts aside: people, funding, season and episode, location, trailers, license,
alternate enclosures, soundbites, live items, value, podroll, medium, images, txt and
remote items, read into the `tags` of a ParsedFeed and its ParsedEpisodes.

The RSS and Atom readers index an element's children once (parse_common.index_children);
the repeatable tags here are in CHANNEL_LISTS and ITEM_LISTS, so that index keeps every
copy, and `apply_channel_tags` / `apply_item_tags` read from it. parse_common maps both
the current namespace URI and the legacy GitHub one to the "podcast" prefix.

Every list is capped and every string cut: a feed with a million <podcast:person> tags
or a megabyte-long name costs its parse time, never more, and stores what a page can
show. A URL that is not http(s) after resolving against the base (javascript:, data:)
is dropped here, so it never reaches a page.
"""

from __future__ import annotations

import math
from typing import Any

from lxml import etree

from airwaves.crawler.parse_common import (
    TagNames,
    index_children,
    parse_bool,
    parse_int,
    resolve_url,
    text_of,
)
from airwaves.crawler.types import (
    AlternateEnclosure,
    ChannelTags,
    ContentLink,
    Funding,
    ImageSource,
    License,
    LiveItem,
    Location,
    MediaSource,
    ParsedEpisode,
    ParsedFeed,
    Person,
    RemoteItem,
    Soundbite,
    Trailer,
    Txt,
    Value,
    ValueRecipient,
)
from airwaves.lib.dates import parse_date

MAX_PEOPLE = 50
MAX_FUNDING = 10
MAX_TRAILERS = 20
MAX_ALTERNATE_ENCLOSURES = 10
MAX_SOURCES = 10
MAX_SOUNDBITES = 20
MAX_RECIPIENTS = 50
MAX_REMOTE_ITEMS = 100
MAX_TXT = 10
MAX_IMAGES = 10
MAX_LIVE_ITEMS = 20
MAX_CONTENT_LINKS = 10
NAME_CHARS = 200
TEXT_CHARS = 1000
URL_CHARS = 2048

CHANNEL_LISTS = frozenset(
    {
        "podcast:person",
        "podcast:funding",
        "podcast:trailer",
        "podcast:txt",
        "podcast:liveItem",
        "podcast:remoteItem",
    }
)
ITEM_LISTS = frozenset(
    {
        "podcast:person",
        "podcast:funding",
        "podcast:alternateEnclosure",
        "podcast:soundbite",
        "podcast:txt",
        "podcast:remoteItem",
    }
)
_LIVE_ITEM_LISTS = frozenset({"podcast:person", "podcast:contentLink", "enclosure"})

# Children of the tags themselves (sources, recipients, a live item's RSS elements).
_NAMES = TagNames()
_MEDIA = frozenset(
    {"podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher"}
    | {"course", "mixed"}
)
_LIVE_STATUSES = frozenset({"pending", "live", "ended"})


def apply_channel_tags(feed: ParsedFeed, found: dict[str, Any], base: str) -> None:
    tags = ChannelTags()
    tags.persons = people(found.get("podcast:person"), base)
    tags.funding = funding(found.get("podcast:funding"), base)
    tags.location = location(found.get("podcast:location"))
    tags.license = license_of(found.get("podcast:license"), base)
    tags.value = value(found.get("podcast:value"))
    tags.images = images(found.get("podcast:images"), base)
    tags.txt = txt(found.get("podcast:txt"))
    tags.remote_items = remote_items(_many(found.get("podcast:remoteItem")))
    podroll = found.get("podcast:podroll")
    if podroll is not None:
        tags.podroll = remote_items(c for c in podroll if _NAMES.of(c.tag) == "podcast:remoteItem")
    medium = _text(text_of(found.get("podcast:medium")), 40).lower()
    tags.medium = medium if medium.removesuffix("l") in _MEDIA else ""
    locked = found.get("podcast:locked")
    if locked is not None:
        tags.locked_owner = _text(locked.get("owner"), NAME_CHARS)
    frequency = found.get("podcast:updateFrequency")
    if frequency is not None:
        tags.update_frequency = _text(text_of(frequency), NAME_CHARS)
        tags.update_rrule = _text(frequency.get("rrule"), NAME_CHARS)
        tags.update_start = parse_date(frequency.get("dtstart"))
    for element in _many(found.get("podcast:trailer"))[:MAX_TRAILERS]:
        url = safe_url(element.get("url"), base)
        if url:
            tags.trailers.append(
                Trailer(
                    title=_text(text_of(element), NAME_CHARS),
                    url=url,
                    type=_text(element.get("type"), 100),
                    length=parse_int(element.get("length")),
                    published=parse_date(element.get("pubdate") or element.get("pubDate")),
                    season=parse_int(element.get("season")),
                )
            )
    for element in _many(found.get("podcast:liveItem"))[:MAX_LIVE_ITEMS]:
        item = live_item(element, base)
        if item is not None:
            tags.live_items.append(item)
    feed.tags = tags


def apply_item_tags(episode: ParsedEpisode, found: dict[str, Any], base: str) -> None:
    # This runs for every item: it fills in the episode's own (empty) ItemTags, and each
    # reader runs only when its tag is there.
    get = found.get
    tags = episode.tags
    element = get("podcast:person")
    if element is not None:
        tags.persons = people(element, base)
    element = get("podcast:funding")
    if element is not None:
        tags.funding = funding(element, base)
    season = get("podcast:season")
    if season is not None:
        name = season.get("name")
        if name:
            tags.season_name = _text(name, NAME_CHARS)
        if episode.season is None:
            episode.season = parse_int(text_of(season))
    number = get("podcast:episode")
    if number is not None:
        tags.episode_number = _text(text_of(number), 20)
        display = number.get("display")
        if display:
            tags.episode_display = _text(display, NAME_CHARS)
        if episode.episode_number is None:
            episode.episode_number = parse_int(tags.episode_number)
    element = get("podcast:location")
    if element is not None:
        tags.location = location(element)
    element = get("podcast:license")
    if element is not None:
        tags.license = license_of(element, base)
    element = get("podcast:value")
    if element is not None:
        tags.value = value(element)
    element = get("podcast:images")
    if element is not None:
        tags.images = images(element, base)
    element = get("podcast:txt")
    if element is not None:
        tags.txt = txt(element)
    element = get("podcast:remoteItem")
    if element is not None:
        tags.remote_items = remote_items(_many(element))
    element = get("podcast:alternateEnclosure")
    if element is not None:
        for each in _many(element)[:MAX_ALTERNATE_ENCLOSURES]:
            alternate = alternate_enclosure(each, base)
            if alternate is not None:
                tags.alternate_enclosures.append(alternate)
    element = get("podcast:soundbite")
    if element is not None:
        for each in _many(element)[:MAX_SOUNDBITES]:
            start, duration = _seconds(each.get("startTime")), _seconds(each.get("duration"))
            if start is not None and duration:
                soundbite = Soundbite()
                soundbite.start, soundbite.duration = start, duration
                soundbite.title = _text(text_of(each), NAME_CHARS)
                tags.soundbites.append(soundbite)


# Readers of one tag each -----------------------------------------------------------


def people(elements: Any, base: str) -> list[Person]:
    found: list[Person] = []
    for element in _many(elements):
        if len(found) == MAX_PEOPLE:
            break
        name = _text(text_of(element), NAME_CHARS)
        if not name:
            continue
        # (Filled in field by field: cheaper than keyword arguments, for every item; the
        # spec's defaults without a call when the attribute is absent.)
        get = element.get
        person = Person()
        person.name = name
        role = get("role")
        person.role = (_text(role, 50).lower() or "host") if role else "host"
        group = get("group")
        person.group = (_text(group, 50).lower() or "cast") if group else "cast"
        url = get("img")
        person.img = safe_url(url, base) if url else ""
        url = get("href")
        person.href = safe_url(url, base) if url else ""
        found.append(person)
    return found


def funding(elements: Any, base: str) -> list[Funding]:
    found: list[Funding] = []
    for element in _many(elements)[:MAX_FUNDING]:
        url = safe_url(element.get("url"), base)
        if url:
            found.append(Funding(url=url, text=_text(text_of(element), NAME_CHARS)))
    return found


def location(element: etree._Element | None) -> Location | None:
    if element is None:
        return None
    name = _text(text_of(element), NAME_CHARS)
    get = element.get
    geo, osm = get("geo"), get("osm")
    geo = _text(geo, 100) if geo else ""
    osm = _text(osm, 40) if osm else ""
    if not (name or geo or osm):
        return None
    found = Location()
    found.name, found.geo, found.osm = name, geo, osm
    rel = get("rel")
    if rel:
        found.rel = _text(rel, 20).lower()
    return found


def license_of(element: etree._Element | None, base: str) -> License | None:
    if element is None:
        return None
    name = _text(text_of(element), NAME_CHARS)
    url = safe_url(element.get("url"), base)
    return License(name=name, url=url) if name or url else None


def value(element: etree._Element | None) -> Value | None:
    if element is None:
        return None
    found = Value(
        type=_text(element.get("type"), 40),
        method=_text(element.get("method"), 40),
        suggested=_text(element.get("suggested"), 40),
    )
    for child in element:
        if len(found.recipients) == MAX_RECIPIENTS:
            break
        if _NAMES.of(child.tag) != "podcast:valueRecipient":
            continue
        found.recipients.append(
            ValueRecipient(
                name=_text(child.get("name"), NAME_CHARS),
                type=_text(child.get("type"), 40),
                address=_text(child.get("address"), 500),
                split=parse_int(child.get("split")) or 0,
                fee=parse_bool(child.get("fee") or "") is True,
                custom_key=_text(child.get("customKey"), 100),
                custom_value=_text(child.get("customValue"), 500),
            )
        )
    return found if found.type or found.recipients else None


def images(element: etree._Element | None, base: str) -> list[ImageSource]:
    """podcast:images srcset="https://x/1500.jpg 1500w, https://x/600.jpg 600w"."""
    if element is None:
        return []
    found: list[ImageSource] = []
    for candidate in (element.get("srcset") or "")[: URL_CHARS * MAX_IMAGES].split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        url = safe_url(url, base)
        if not url:
            continue
        descriptor = descriptor.strip().lower()
        width = parse_int(descriptor[:-1]) if descriptor.endswith("w") else None
        found.append(ImageSource(url=url, width=width))
        if len(found) == MAX_IMAGES:
            break
    return found


def txt(elements: Any) -> list[Txt]:
    found = []
    for element in _many(elements)[:MAX_TXT]:
        text = _text(text_of(element), TEXT_CHARS)
        if text:
            found.append(Txt(purpose=_text(element.get("purpose"), 100), text=text))
    return found


def remote_items(elements: Any) -> list[RemoteItem]:
    found: list[RemoteItem] = []
    for element in elements:
        if len(found) == MAX_REMOTE_ITEMS:
            break
        item = RemoteItem(
            feed_guid=_text(element.get("feedGuid"), 100),
            feed_url=safe_url(element.get("feedUrl"), ""),
            item_guid=_text(element.get("itemGuid"), 500),
            medium=_text(element.get("medium"), 40).lower(),
            title=_text(text_of(element), NAME_CHARS),
        )
        if item.feed_guid or item.feed_url:
            found.append(item)
    return found


def alternate_enclosure(element: etree._Element, base: str) -> AlternateEnclosure | None:
    sources: list[MediaSource] = []
    cache = _NAMES.cache
    for child in element:
        if len(sources) == MAX_SOURCES:
            break
        tag = child.tag
        if (cache.get(tag) or _NAMES.key(tag)) != "podcast:source":
            continue
        uri = safe_url(child.get("uri"), base)
        if uri:
            source = MediaSource()
            source.uri = uri
            content_type = child.get("contentType")
            if content_type:
                source.content_type = _text(content_type, 100)
            sources.append(source)
    if not sources:
        return None
    get = element.get
    found = AlternateEnclosure()
    found.sources = sources
    # The fields keep their defaults, without a call, for the attributes it lacks.
    value = get("type")
    if value:
        found.type = _text(value, 100)
    value = get("length")
    if value:
        found.length = parse_int(value)
    value = get("bitrate")
    if value:
        found.bitrate = _number(value)
    value = get("height")
    if value:
        found.height = parse_int(value)
    value = get("lang")
    if value:
        found.lang = _text(value, 35)
    value = get("title")
    if value:
        found.title = _text(value, NAME_CHARS)
    value = get("rel")
    if value:
        found.rel = _text(value, 40)
    value = get("codecs")
    if value:
        found.codecs = _text(value, 100)
    value = get("default")
    if value:
        found.default = parse_bool(value) is True
    return found


def live_item(element: etree._Element, base: str) -> LiveItem | None:
    """A live stream, announced (pending), on air (live) or over (ended): its own
    RSS item with the time it runs and the stream as its enclosure."""
    status = _text(element.get("status"), 20).lower()
    if status not in _LIVE_STATUSES:
        return None
    found = index_children(element, _NAMES, _LIVE_ITEM_LISTS)
    item = LiveItem(
        status=status,
        start=parse_date(element.get("start")),
        end=parse_date(element.get("end")),
        guid=_text(text_of(found.get("guid")), 500),
        title=_text(text_of(found.get("title")), 1000),
        link=safe_url(text_of(found.get("link")), base),
        persons=people(found.get("podcast:person"), base),
    )
    image = found.get("itunes:image")
    if image is not None:
        item.image_url = safe_url(image.get("href") or text_of(image), base)
    for enclosure in found.get("enclosure", ()):
        url = safe_url(enclosure.get("url"), base)
        if url:
            item.enclosure_url = url
            item.enclosure_type = _text(enclosure.get("type"), 100)
            item.enclosure_length = parse_int(enclosure.get("length"))
            break
    for link in found.get("podcast:contentLink", ())[:MAX_CONTENT_LINKS]:
        href = safe_url(link.get("href"), base)
        if href:
            item.content_links.append(ContentLink(href=href, text=_text(text_of(link), 200)))
    if not (item.title or item.enclosure_url or item.guid):
        return None
    return item


# Small scalars -----------------------------------------------------------------------


_WEB = ("http://", "https://")


def safe_url(value: str | None, base: str) -> str:
    """An absolute http(s) URL, or "" for anything else: pages link these directly."""
    if not value or len(value) > URL_CHARS:
        return ""  # a cut URL would point somewhere else
    url = value.strip()
    # Most are absolute, in lower case: resolve_url and lower() only for the others.
    if not url.startswith(_WEB):
        url = resolve_url(value, base)
        if not url.lower().startswith(_WEB):
            return ""
    if len(url) > URL_CHARS:
        return ""
    # Quotes, angle brackets and white space would break out of an attribute. (Eight
    # substring tests cost a fifth of one regex search over the URL.)
    if (
        " " in url
        or '"' in url
        or "'" in url
        or "<" in url
        or ">" in url
        or "\n" in url
        or "\r" in url
        or "\t" in url
    ):
        return ""
    return url


def _text(value: str | None, limit: int) -> str:
    """Attribute and element text folded to one line and cut to `limit` characters;
    the input is cut first, so a megabyte attribute costs no more to fold."""
    if not value:
        return ""
    # (str.split() splits on exactly the characters a regex's \s matches.)
    return " ".join(value[: limit * 2].split())[:limit]


def _attribute(element: etree._Element, name: str, limit: int) -> str:
    value = element.get(name)
    return _text(value, limit) if value else ""


def _many(value: Any) -> list[etree._Element]:
    """A list key from the child index; a lone element when the reader was not told
    the key repeats."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _number(value: str | None) -> float | None:
    if not value or len(value) > 30:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _seconds(value: str | None) -> float | None:
    number = _number(value)
    return round(number, 3) if number is not None else None
