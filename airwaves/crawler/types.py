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
    # Set by `parse` when asked (parse_feed's `known`): a digest of the item's XML, and
    # whether it is the same as when last stored. An unchanged item is a stub: only its
    # identity key and date are filled in, and there is nothing to write.
    fingerprint: str = ""
    unchanged: bool = False
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
