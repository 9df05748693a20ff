"""What the API answers and accepts: the typed schemas the OpenAPI document is made from,
and the functions that fill them from the site's models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from airwaves.podcasts.models import Category, Episode, Podcast
from airwaves.radio.models import Station


class ErrorDetail(Schema):
    code: str = Field(description="Stable, for programs: not_found, invalid, rate_limited…")
    message: str = Field(description="What was wrong and what to do, for people")
    field: str | None = Field(description="The parameter or body field at fault, if any")


class ErrorOut(Schema):
    error: ErrorDetail


class CategoryOut(Schema):
    slug: str
    name: str
    parent: str | None = Field(description="The parent category's slug")
    show_count: int


class ShowOut(Schema):
    id: int
    slug: str
    url: str = Field(description="The show's page on this site")
    feed_url: str
    title: str
    author: str
    summary: str = Field(description="Plain text")
    description: str = Field(description="Sanitized HTML")
    link: str
    image_url: str
    language: str
    explicit: bool | None
    category: str | None = Field(description="The main category's slug")
    episode_count: int
    latest_episode_at: datetime | None
    created_at: datetime


class EpisodeOut(Schema):
    id: int
    slug: str
    show: str = Field(description="The show's slug")
    url: str = Field(description="The episode's page on this site")
    title: str
    published_at: datetime | None
    duration: int | None = Field(description="Seconds")
    author: str
    summary: str = Field(description="Plain text")
    description: str = Field(description="Sanitized HTML show notes")
    link: str
    image_url: str
    enclosure_url: str = Field(description="The audio; empty when the feed has none")
    enclosure_type: str
    enclosure_length: int | None = Field(description="Bytes, as the feed says")
    explicit: bool | None
    season: int | None
    number: int | None
    episode_type: str


class StationOut(Schema):
    id: int
    uuid: UUID
    slug: str
    url: str = Field(description="The station's page on this site")
    name: str
    stream_url: str = Field(description="The stream itself, after playlists and redirects")
    homepage: str
    favicon: str
    tags: list[str]
    country: str
    country_code: str
    state: str
    languages: list[str]
    language_codes: list[str]
    codec: str
    bitrate: int | None = Field(description="kbit/s")
    hls: bool
    broken: bool
    last_check_ok: bool | None
    last_check_at: datetime | None
    votes: int
    click_count: int
    click_trend: int
    geo_lat: float | None
    geo_long: float | None
    changed_at: datetime


class ShowPage(Schema):
    items: list[ShowOut]
    next: str | None = Field(description="Pass as `cursor` for the next page; null at the end")


class EpisodePage(Schema):
    items: list[EpisodeOut]
    next: str | None


class StationPage(Schema):
    items: list[StationOut]
    next: str | None


class ShowHit(ShowOut):
    snippet: str = Field(description="HTML: matched words in <mark>, everything else escaped")


class EpisodeHit(EpisodeOut):
    snippet: str = Field(
        description="HTML: matched words in <mark>; from the transcript when in_transcript"
    )
    in_transcript: bool = Field(description="Matched in its transcript alone")
    transcript_at: int | None = Field(
        description="Second of the transcript line holding the words, when the file has times"
    )


class StationHit(StationOut):
    snippet: str


class ShowHits(Schema):
    count: int = Field(description="Matches, counted up to 1,001 (more are shown as 1001)")
    items: list[ShowHit]
    next: str | None


class EpisodeHits(Schema):
    count: int
    items: list[EpisodeHit]
    next: str | None


class StationHits(Schema):
    count: int
    items: list[StationHit]
    next: str | None


class FeedIn(Schema):
    model_config = {"strict": True}

    feed_url: str = Field(max_length=2048, description="The feed's http(s) URL")


class FeedQueued(Schema):
    status: Literal["queued", "known"] = Field(
        description="queued: waiting for its first fetch; known: in the directory already"
    )
    feed_url: str = Field(description="The feed URL as stored")
    slug: str | None = Field(description="The show's slug, once fetched")
    url: str | None = Field(description="The show's page, once fetched")
    api_url: str = Field(description="Where the show's API record is, or will be once fetched")


class PositionIn(Schema):
    # JSON numbers only: a string that looks like one is a client's bug to hear about.
    model_config = {"strict": True}

    position: int = Field(ge=0, lt=10**7, description="Seconds into the episode")
    total: int | None = Field(None, ge=0, lt=10**7, description="Length in seconds")
    started: int | None = Field(
        None, ge=0, lt=10**7, description="Where this stretch of listening began"
    )
    ended: bool = Field(False, description="The audio played to its end")


class PositionOut(Schema):
    episode: int
    position: int | None
    total: int | None
    finished: bool


class FavouriteState(Schema):
    favourite: bool


class FollowState(Schema):
    following: bool


class Counted(Schema):
    counted: bool = Field(description="False when this client was already counted today")


class TokenInfo(Schema):
    name: str
    prefix: str
    scope: Literal["read", "write"]
    user: str


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def category_out(category: Category, parent_slug: str | None) -> dict:
    return {
        "slug": category.slug,
        "name": category.name,
        "parent": parent_slug,
        "show_count": category.show_count,
    }


def show_out(request, show: Podcast, category_slug: str | None = None) -> dict:
    return {
        "id": show.pk,
        "slug": show.slug,
        "url": absolute(request, show.get_absolute_url()),
        "feed_url": show.feed_url,
        "title": show.title,
        "author": show.author,
        "summary": show.summary,
        "description": show.description,
        "link": show.link,
        "image_url": show.image_url,
        "language": show.language,
        "explicit": show.explicit,
        "category": category_slug,
        "episode_count": show.episode_count,
        "latest_episode_at": show.latest_episode_at,
        "created_at": show.created_at,
    }


def episode_out(request, episode: Episode, show_slug: str) -> dict:
    return {
        "id": episode.pk,
        "slug": episode.slug,
        "show": show_slug,
        "url": absolute(request, f"/podcasts/{show_slug}/{episode.slug}/"),
        "title": episode.title,
        "published_at": episode.published_at,
        "duration": episode.duration,
        "author": episode.author,
        "summary": episode.summary,
        "description": episode.description,
        "link": episode.link,
        "image_url": episode.image_url,
        "enclosure_url": episode.enclosure_url,
        "enclosure_type": episode.enclosure_type,
        "enclosure_length": episode.enclosure_length,
        "explicit": episode.explicit,
        "season": episode.season,
        "number": episode.number,
        "episode_type": episode.episode_type,
    }


def station_out(request, station: Station) -> dict:
    return {
        "id": station.pk,
        "uuid": station.uuid,
        "slug": station.slug,
        "url": absolute(request, station.get_absolute_url()),
        "name": station.name,
        "stream_url": station.stream_url,
        "homepage": station.homepage,
        "favicon": station.favicon,
        "tags": station.tag_list,
        "country": station.country,
        "country_code": station.country_code,
        "state": station.state,
        "languages": station.language_list,
        "language_codes": station.language_code_list,
        "codec": station.codec,
        "bitrate": station.bitrate,
        "hls": station.hls,
        "broken": station.broken,
        "last_check_ok": station.last_check_ok,
        "last_check_at": station.last_check_at,
        "votes": station.votes,
        "click_count": station.click_count,
        "click_trend": station.click_trend,
        "geo_lat": station.geo_lat,
        "geo_long": station.geo_long,
        "changed_at": station.changed_at,
    }
