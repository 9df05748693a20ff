"""Chapters and transcripts in a feed item: podcast:chapters, every podcast:transcript
(Podcasting 2.0, either namespace URI) and Podlove Simple Chapters (psc:chapters).

Only the tags are read here; the files they point at are fetched later, in the
background (podcasts/extras.py), and read by crawler/media_files.py.
"""

from __future__ import annotations

import re
from typing import Any

from airwaves.crawler.parse_common import TagNames, resolve_url, text_of
from airwaves.crawler.types import Chapter, MediaLink, ParsedEpisode

MAX_TRANSCRIPTS = 20  # one per language and format is plenty; spam feeds send thousands
MAX_CHAPTERS = 500
MAX_TEXT = 500  # characters of a title, a type or a language
MAX_URL = 2048
MAX_SECONDS = 7 * 24 * 3600.0  # as lib/durations.py: longer is a typo

# Podlove's "normal play time": [[hh:]mm:]ss[.fff], hours of any length.
_NPT = re.compile(r"(?:(?:(\d{1,6}):)?(\d{1,2}):(\d{2})|(\d{1,9}))(?:\.(\d{1,9}))?")


def apply_media_tags(
    episode: ParsedEpisode, found: dict[str, Any], names: TagNames, base: str
) -> None:
    """Fills episode.media, chapters_url and transcript_urls from the item's children
    (`found`, as index_children made it, with podcast:transcript collected as a list)."""
    media = episode.media
    chapters = found.get("podcast:chapters")
    if chapters is not None:
        url = resolve_url(chapters.get("url"), base)
        episode.chapters_url = url
        if _is_web(url):
            link = MediaLink()
            link.url, link.type = url, _lower(chapters.get("type"))
            media.chapters_link = link
    transcripts = found.get("podcast:transcript")
    if transcripts is not None:
        urls = episode.transcript_urls
        seen: set[str] = set()
        for element in transcripts:
            url = resolve_url(element.get("url"), base)
            if not url:
                continue
            # Every URL for the episode's own list; the first few distinct web ones,
            # with their details, for the files fetched in the background.
            urls.append(url)
            if len(media.transcripts) == MAX_TRANSCRIPTS or url in seen or not _is_web(url):
                continue
            seen.add(url)
            link = MediaLink()
            link.url = url
            get = element.get
            link.type = _lower(get("type"))
            language = get("language")
            if language:
                link.language = language.strip()[:35]
            rel = get("rel")
            if rel:
                link.rel = _lower(rel)
            media.transcripts.append(link)
    simple = found.get("psc:chapters")
    if simple is not None:
        media.chapters = _simple_chapters(simple, names, base)


def _simple_chapters(element: Any, names: TagNames, base: str) -> list[Chapter]:
    chapters: list[Chapter] = []
    for child in element:
        if names.of(child.tag) != "psc:chapter":
            continue
        start = parse_npt(child.get("start"))
        if start is None:
            continue  # a chapter without a start cannot be placed or sought to
        chapters.append(
            Chapter(
                start=start,
                title=" ".join((child.get("title") or text_of(child)).split())[:MAX_TEXT],
                url=_url(child.get("href"), base),
                img=_url(child.get("image"), base),
            )
        )
        if len(chapters) == MAX_CHAPTERS:
            break
    return ordered_chapters(chapters)


def ordered_chapters(chapters: list[Chapter]) -> list[Chapter]:
    """Chapters by start time, each ending where the next starts (unless it says so
    itself, earlier); two chapters at the same second keep the first."""
    chapters = sorted(chapters, key=lambda c: c.start)
    kept: list[Chapter] = []
    for chapter in chapters:
        if kept and chapter.start == kept[-1].start:
            continue
        kept.append(chapter)
    for current, following in zip(kept, kept[1:], strict=False):
        if current.end is None or not current.start < current.end <= following.start:
            current.end = following.start
    if kept and kept[-1].end is not None and kept[-1].end <= kept[-1].start:
        kept[-1].end = None
    return kept


def parse_npt(value: str | None) -> float | None:
    """Seconds from a normal-play-time string ("00:01:02.500", "1:02", "62"); None when
    it is none."""
    if not value:
        return None
    match = _NPT.fullmatch(value.strip())
    if match is None:
        return None
    hours, minutes, clock_seconds, seconds, fraction = match.groups()
    total = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(clock_seconds or seconds)
    if fraction:
        total += float("0." + fraction)
    return float(total) if total <= MAX_SECONDS else None


def _url(value: str | None, base: str) -> str:
    url = resolve_url(value, base)
    return url if _is_web(url) else ""


def _is_web(url: str) -> bool:
    return len(url) <= MAX_URL and url.startswith(("http://", "https://"))


def _lower(value: str | None) -> str:
    return value.strip().lower()[:MAX_TEXT] if value else ""
