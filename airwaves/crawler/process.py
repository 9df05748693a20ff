"""Cleans a parsed feed before it is stored: sanitized HTML, plain-text summaries,
usable URLs, one identity key per episode. Pure functions; no Django, no network."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import fields, replace

from airwaves.crawler.budget import UNLIMITED, Budget
from airwaves.crawler.parse_common import RULES_VERSION
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.lib.sanitize import html_to_text, sanitize_notes

SUMMARY_CHARS = 280
MAX_GUID_LENGTH = 512
_WHITESPACE = re.compile(r"\s+")


def process_feed(feed: ParsedFeed, base_url: str = "", budget: Budget = UNLIMITED) -> ParsedFeed:
    """base_url is where the feed was fetched from; relative links in show notes
    resolve against it (or against the episode's own link). `budget` is checked once
    per episode.

    Items the parser passed through as `unchanged` stubs (their XML is as stored last
    time) stay as they are: there is nothing to clean and nothing to write."""
    episodes: list[ParsedEpisode] = []
    seen: set[str] = set()
    check = budget.check
    cuts: Counter[str] = Counter()
    for episode in feed.episodes:
        check("cleaning the items")
        cleaned = episode if episode.unchanged else process_episode(episode, base_url, cuts)
        # A feed that repeats an item (same identity) keeps the first, newest-listed copy.
        if cleaned.guid in seen:
            continue
        seen.add(cleaned.guid)
        episodes.append(cleaned)
    description = sanitize_notes(feed.description_html or feed.subtitle, feed.link or base_url)
    warnings = list(feed.warnings)
    if description.cut:
        warnings.append(f"the show's description was cut ({description.cut})")
    for reason, count in sorted(cuts.items()):
        items = "1 item" if count == 1 else f"{count:,} items"
        warnings.append(f"the show notes of {items} were cut ({reason})")
    return replace(
        feed,
        title=clean_text(feed.title),
        author=clean_text(feed.author),
        owner_name=clean_text(feed.owner_name),
        description_html=description.html,
        warnings=warnings,
        subtitle=summarize(feed.subtitle, feed.description_html),
        link=clean_url(feed.link),
        image_url=clean_url(feed.image_url),
        new_feed_url=clean_url(feed.new_feed_url),
        language=feed.language.strip()[:35],
        episodes=episodes,
    )


def process_episode(
    episode: ParsedEpisode, base_url: str = "", cuts: Counter[str] | None = None
) -> ParsedEpisode:
    """One item, cleaned. When its show notes had to be cut to be sanitized in bounded
    time, the reason is counted in `cuts`."""
    title = clean_text(episode.title)
    enclosure_url = clean_url(episode.enclosure_url)
    notes = sanitize_notes(episode.description_html or episode.subtitle, episode.link or base_url)
    if notes.cut and cuts is not None:
        cuts[notes.cut] += 1
    cleaned = replace(
        episode,
        title=title,
        author=clean_text(episode.author),
        link=clean_url(episode.link),
        enclosure_url=enclosure_url,
        enclosure_type=episode.enclosure_type.strip()[:100] if enclosure_url else "",
        enclosure_length=episode.enclosure_length if enclosure_url else None,
        image_url=clean_url(episode.image_url),
        description_html=notes.html,
        subtitle=summarize(episode.subtitle, episode.description_html),
    )
    cleaned.guid = identity_key(cleaned)
    if not cleaned.title:
        cleaned.title = untitled_name(cleaned)
    return cleaned


_CHANNEL_FIELDS = tuple(
    f.name for f in fields(ParsedFeed) if f.name not in ("episodes", "warnings")
)


def channel_fingerprint(feed: ParsedFeed) -> str:
    """A digest of everything parsed from the channel, items aside."""
    values = (RULES_VERSION, *(getattr(feed, name) for name in _CHANNEL_FIELDS))
    raw = repr(values).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def identity_key(episode: ParsedEpisode) -> str:
    """What identifies an item across refreshes: its GUID, else enclosure URL, else link,
    else its title and date. Long keys are hashed to fit the unique index."""
    key = episode.guid.strip() or episode.enclosure_url or episode.link
    if not key:
        stamp = episode.published.isoformat() if episode.published else ""
        key = f"title:{episode.title}|{stamp}"
    if len(key) > MAX_GUID_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def untitled_name(episode: ParsedEpisode) -> str:
    if episode.published:
        return f"Episode of {episode.published:%b} {episode.published.day}, {episode.published:%Y}"
    return "Untitled episode"


def summarize(subtitle: str, description_html: str) -> str:
    """A short plain-text summary: the subtitle when the feed has one, else the start of
    the show notes."""
    text = html_to_text(subtitle, SUMMARY_CHARS) if subtitle.strip() else ""
    return text or html_to_text(description_html, SUMMARY_CHARS)


def clean_text(value: str) -> str:
    """Titles and names are plain text: tags dropped, entities decoded, whitespace folded."""
    if "<" in value or "&" in value:
        value = html_to_text(value)
    return _WHITESPACE.sub(" ", value).strip()


def clean_url(url: str) -> str:
    """Keeps http(s) URLs and site-relative paths (bundled demo media); drops the rest
    (javascript:, data:, file:, ...), which must never reach a page."""
    url = url.strip()
    lowered = url.lower()
    if lowered.startswith(("http://", "https://")) or (
        url.startswith("/") and not url.startswith("//")
    ):
        return url if len(url) <= 2048 else ""
    return ""
