"""What the parser produces: plain dataclasses, independent of Django.

`parse` turns feed bytes into a `ParsedFeed`; `process` cleans it; `store` writes it.
Text fields are stripped strings ("" when absent); HTML fields are raw and untrusted
until `process` sanitizes them. Dates are timezone-aware UTC datetimes or None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class ParsedEpisode:
    guid: str = ""
    title: str = ""
    link: str = ""
    published: datetime | None = None
    # Longest HTML body the item carries (content:encoded, description, itunes:summary,
    # atom content/summary), raw and untrusted.
    description_html: str = ""
    # Short plain text (itunes:subtitle or itunes:summary), raw.
    subtitle: str = ""
    author: str = ""
    enclosure_url: str = ""
    enclosure_type: str = ""
    enclosure_length: int | None = None
    duration: int | None = None  # seconds
    image_url: str = ""
    explicit: bool | None = None
    season: int | None = None
    episode_number: int | None = None
    episode_type: str = ""  # "full", "trailer", "bonus" or ""
    transcript_urls: list[str] = field(default_factory=list)
    chapters_url: str = ""
    # podcast:chapters, every podcast:transcript and psc:chapters (crawler/p20_media.py).
    media: EpisodeMedia = field(default_factory=lambda: EpisodeMedia())
    # Set by `parse` when asked (parse_feed's `known`): a digest of the item's XML, and
    # whether it is the same as when last stored. An unchanged item is a stub: only its
    # identity key and date are filled in, and there is nothing to write.
    fingerprint: str = ""
    unchanged: bool = False
    # Podcasting 2.0 tags besides transcript and chapters (crawler/p20_tags.py).
    tags: ItemTags = field(default_factory=lambda: ItemTags())
    # itunes:block (or googleplay:block): the publisher asks directories not to list it.
    block: bool | None = None
    keywords: list[str] = field(default_factory=list)  # itunes:keywords, media:keywords


@dataclass(slots=True)
class ParsedFeed:
    format: str = ""  # "rss" or "atom"
    title: str = ""
    link: str = ""  # the show's website
    description_html: str = ""
    subtitle: str = ""
    author: str = ""
    owner_name: str = ""
    owner_email: str = ""
    image_url: str = ""
    language: str = ""
    # iTunes categories as "Parent" or "Parent > Child", in feed order, then plain RSS ones.
    categories: list[str] = field(default_factory=list)
    explicit: bool | None = None
    copyright: str = ""
    new_feed_url: str = ""  # itunes:new-feed-url or podcast:moved-style move
    podcast_guid: str = ""  # podcast:guid
    locked: bool | None = None  # podcast:locked
    ttl_minutes: int | None = None  # <ttl>
    update_period: str = ""  # sy:updatePeriod ("hourly", "daily", ...)
    update_frequency: int | None = None  # sy:updateFrequency
    # podcast:updateFrequency: its rrule as seconds between releases, and whether the
    # publisher says the show is complete (no more episodes coming).
    release_interval: int | None = None
    complete: bool = False
    funding_url: str = ""
    # Podcasting 2.0 tags of the channel (crawler/p20_tags.py).
    tags: ChannelTags = field(default_factory=lambda: ChannelTags())
    episodes: list[ParsedEpisode] = field(default_factory=list)
    # What parse or process left out or cut, for the feed's health record ("the feed
    # lists 1,000,000 items: only the newest 10,000 were read"). Not part of the channel.
    warnings: list[str] = field(default_factory=list)
    itunes_type: str = ""  # "episodic", "serial" or ""
    block: bool | None = None  # itunes:block / googleplay:block
    # itunes:complete (or googleplay:complete): no more episodes will be published.
    itunes_complete: bool | None = None
    keywords: list[str] = field(default_factory=list)  # itunes:keywords, media:keywords
    # The next page of a paged feed (RFC 5005 atom:link rel="next"), for fetch to follow.
    next_page_url: str = ""
    # The show image's size in pixels where the feed states it (RSS <image>'s width and
    # height, media:thumbnail's), for Apple's 1400 px check; None when not stated.
    image_width: int | None = None
    image_height: int | None = None


# Podcasting 2.0 (https://podcastindex.org/namespace/1.0), read by crawler/p20_tags.py.
# URLs are absolute http(s) or "" (anything else is dropped when read); lists are capped.


@dataclass(slots=True)
class Person:
    name: str = ""
    role: str = ""  # "host", "guest", ... lower case; the spec's default is "host"
    group: str = ""  # "cast", "writing", ... lower case; the spec's default is "cast"
    img: str = ""
    href: str = ""


@dataclass(slots=True)
class Funding:
    url: str = ""
    text: str = ""


@dataclass(slots=True)
class Location:
    name: str = ""
    geo: str = ""  # "geo:30.2672,-97.7431"
    osm: str = ""  # "R113314"
    rel: str = ""  # "subject" or "creator"


@dataclass(slots=True)
class License:
    name: str = ""  # an SPDX identifier or the publisher's own name
    url: str = ""


@dataclass(slots=True)
class Trailer:
    title: str = ""
    url: str = ""
    type: str = ""
    length: int | None = None
    published: datetime | None = None
    season: int | None = None


@dataclass(slots=True)
class MediaSource:
    uri: str = ""
    content_type: str = ""


@dataclass(slots=True)
class AlternateEnclosure:
    type: str = ""
    length: int | None = None
    bitrate: float | None = None
    height: int | None = None
    lang: str = ""
    title: str = ""
    rel: str = ""
    codecs: str = ""
    default: bool = False
    sources: list[MediaSource] = field(default_factory=list)


@dataclass(slots=True)
class Soundbite:
    start: float = 0.0  # seconds
    duration: float = 0.0  # seconds
    title: str = ""


@dataclass(slots=True)
class ValueRecipient:
    name: str = ""
    type: str = ""  # "node", "lnaddress", ...
    address: str = ""
    split: int = 0
    fee: bool = False
    custom_key: str = ""
    custom_value: str = ""


@dataclass(slots=True)
class Value:
    type: str = ""  # "lightning", ...
    method: str = ""  # "keysend", ...
    suggested: str = ""
    recipients: list[ValueRecipient] = field(default_factory=list)


@dataclass(slots=True)
class RemoteItem:
    feed_guid: str = ""
    feed_url: str = ""
    item_guid: str = ""
    medium: str = ""
    title: str = ""


@dataclass(slots=True)
class Txt:
    purpose: str = ""
    text: str = ""


@dataclass(slots=True)
class ImageSource:
    url: str = ""
    width: int | None = None  # from "1500w" in podcast:images srcset


@dataclass(slots=True)
class ContentLink:
    href: str = ""
    text: str = ""


@dataclass(slots=True)
class LiveItem:
    status: str = ""  # "pending", "live" or "ended"
    start: datetime | None = None
    end: datetime | None = None
    guid: str = ""
    title: str = ""
    link: str = ""
    image_url: str = ""
    enclosure_url: str = ""
    enclosure_type: str = ""
    enclosure_length: int | None = None
    content_links: list[ContentLink] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)


@dataclass(slots=True)
class ItemTags:
    persons: list[Person] = field(default_factory=list)
    season_name: str = ""  # podcast:season's name attribute
    # podcast:episode: its number as published ("204", "1.5") and its display text.
    episode_number: str = ""
    episode_display: str = ""
    location: Location | None = None
    license: License | None = None
    alternate_enclosures: list[AlternateEnclosure] = field(default_factory=list)
    soundbites: list[Soundbite] = field(default_factory=list)
    value: Value | None = None
    images: list[ImageSource] = field(default_factory=list)
    txt: list[Txt] = field(default_factory=list)
    remote_items: list[RemoteItem] = field(default_factory=list)
    funding: list[Funding] = field(default_factory=list)


@dataclass(slots=True)
class ChannelTags:
    persons: list[Person] = field(default_factory=list)
    funding: list[Funding] = field(default_factory=list)
    location: Location | None = None
    trailers: list[Trailer] = field(default_factory=list)
    license: License | None = None
    value: Value | None = None
    podroll: list[RemoteItem] = field(default_factory=list)
    remote_items: list[RemoteItem] = field(default_factory=list)
    medium: str = ""  # "podcast", "music", "video", ... lower case
    images: list[ImageSource] = field(default_factory=list)
    txt: list[Txt] = field(default_factory=list)
    live_items: list[LiveItem] = field(default_factory=list)
    locked_owner: str = ""  # podcast:locked's owner attribute
    update_frequency: str = ""  # podcast:updateFrequency's text ("Weekly")
    update_rrule: str = ""
    update_start: datetime | None = None


# Chapters and transcripts, read by crawler/p20_media.py. URLs are absolute http(s) or
# "" (anything else is dropped when read); lists and texts are capped there.


@dataclass(slots=True)
class MediaLink:
    """A podcast:chapters or podcast:transcript tag: a file to fetch in the background."""

    url: str = ""
    type: str = ""  # the MIME type the feed gives, lower case ("text/vtt")
    language: str = ""  # transcripts only
    rel: str = ""  # transcripts only: "captions" or ""


@dataclass(slots=True)
class Chapter:
    """One chapter, from psc:chapter in the feed or a fetched JSON chapters file."""

    start: float = 0.0  # seconds
    end: float | None = None
    title: str = ""
    img: str = ""
    url: str = ""


@dataclass(slots=True)
class EpisodeMedia:
    chapters_link: MediaLink | None = None
    transcripts: list[MediaLink] = field(default_factory=list)
    # Podlove Simple Chapters, in the feed itself: no fetch needed.
    chapters: list[Chapter] = field(default_factory=list)
