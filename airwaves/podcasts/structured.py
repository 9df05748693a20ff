"""schema.org JSON-LD for pages: PodcastEpisode, PodcastSeries, FAQPage, BreadcrumbList."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from airwaves.lib.durations import iso8601_duration
from airwaves.podcasts.faq import Question
from airwaves.podcasts.models import Episode, Podcast

Absolute = Callable[[str], str]  # turns a path (or URL) into an absolute URL


def podcast_series(podcast: Podcast, absolute: Absolute) -> dict:
    data: dict = {
        "@context": "https://schema.org",
        "@type": "PodcastSeries",
        "name": podcast.title,
        "url": absolute(podcast.get_absolute_url()),
    }
    if podcast.summary:
        data["description"] = podcast.summary
    if podcast.image_url:
        data["image"] = absolute(podcast.image_url)
    if podcast.author:
        data["author"] = {"@type": "Person", "name": podcast.author}
    if podcast.feed_url and podcast.source == Podcast.Source.FEED:
        data["webFeed"] = podcast.feed_url
    if podcast.category_id:
        data["genre"] = podcast.category.name
    if podcast.language:
        data["inLanguage"] = podcast.language
    return data


def podcast_episode(episode: Episode, absolute: Absolute) -> dict:
    podcast = episode.podcast
    data: dict = {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": episode.title,
        "url": absolute(episode.get_absolute_url()),
        "partOfSeries": {
            "@type": "PodcastSeries",
            "name": podcast.title,
            "url": absolute(podcast.get_absolute_url()),
        },
    }
    if episode.summary:
        data["description"] = episode.summary
    if episode.published_at:
        data["datePublished"] = episode.published_at.date().isoformat()
    if episode.artwork_url:
        data["image"] = absolute(episode.artwork_url)
    author = episode.author or podcast.author
    if author:
        data["author"] = {"@type": "Person", "name": author}
    if episode.number:
        data["episodeNumber"] = episode.number
    if episode.has_audio:
        media: dict = {"@type": "AudioObject", "contentUrl": absolute(episode.enclosure_url)}
        if episode.enclosure_type:
            media["encodingFormat"] = episode.enclosure_type
        if episode.duration:
            media["duration"] = iso8601_duration(episode.duration)
        data["associatedMedia"] = media
    # schema.org puts duration on the media; "duration" on the episode is what search
    # engines read for podcast episodes, so both carry it.
    if episode.duration:
        data["duration"] = iso8601_duration(episode.duration)
    return data


def faq_page(questions: Sequence[Question]) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": q.question,
                "acceptedAnswer": {"@type": "Answer", "text": q.answer},
            }
            for q in questions
        ],
    }


def breadcrumbs(trail: Sequence[tuple[str, str]], absolute: Absolute) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": absolute(url)}
            for i, (name, url) in enumerate(trail, start=1)
        ],
    }


def chapter_parts(chapters: Sequence, episode_url: str) -> list[dict]:
    """The episode's chapters as schema.org Clips (for the episode's `hasPart`), each
    with its offsets in seconds and a link that starts the player there. A chapter
    without a known end has no endOffset."""
    parts = []
    for position, chapter in enumerate(chapters, start=1):
        clip: dict = {
            "@type": "Clip",
            "name": chapter.title or f"Chapter {position}",
            "position": position,
            "startOffset": int(chapter.start),
            "url": f"{episode_url}?t={int(chapter.start)}",
        }
        if chapter.end is not None:
            clip["endOffset"] = int(chapter.end)
        parts.append(clip)
    return parts
