"""`{% episode_media episode as media %}`: the chapters and transcript lines an episode
page shows (podcasts/extras.episode_media), and `{{ seconds|clock }}` / `|seek_seconds`
for their times."""

from __future__ import annotations

from django import template

from airwaves.podcasts.extras import EpisodeMediaView, media_of

register = template.Library()


@register.simple_tag
def episode_media(episode) -> EpisodeMediaView:
    return media_of(episode)


@register.filter
def clock(seconds: float | None) -> str:
    """90.5 -> "1:30"; 3725 -> "1:02:05" (as the player bar writes times)."""
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def seek_seconds(seconds: float | None) -> str:
    """A time as the `?t=` of a deep link: whole seconds ("" without a time)."""
    return "" if seconds is None else str(int(seconds))


@register.filter
def exact_seconds(seconds: float | None) -> str:
    """A time for data attributes read by chapters.js: seconds with millisecond precision."""
    return "" if seconds is None else f"{seconds:.3f}".rstrip("0").rstrip(".")
