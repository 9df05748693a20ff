"""Shows, episodes and categories: read by anybody."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q
from ninja import Query, Router, Status

from airwaves.api import cursors
from airwaves.api.auth import WRITE
from airwaves.api.errors import ApiError, not_found
from airwaves.api.pages import DEFAULT_LIMIT, MAX_LIMIT, page
from airwaves.api.schemas import (
    CategoryOut,
    EpisodeOut,
    EpisodePage,
    ErrorOut,
    FeedIn,
    FeedQueued,
    ShowOut,
    ShowPage,
    category_out,
    episode_out,
    show_out,
)
from airwaves.lib import guard
from airwaves.listeners import ratelimit
from airwaves.podcasts.feeds import InvalidFeedURL, find_or_create_feed, normalize_feed_url
from airwaves.podcasts.models import LISTED, Category, Episode, Podcast

router = Router(tags=["shows"])

# Orders of GET /shows, each read off its own partial index (Podcast.Meta.indexes).
SHOW_ORDERS = {
    "title": ("title", "id"),
    "new": ("-created_at", "-id"),
    "updated": ("-latest_episode_at", "-id"),
}
ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def category_slugs(shows) -> dict[int, str]:
    ids = {s.category_id for s in shows if s.category_id}
    return dict(Category.objects.filter(pk__in=ids).values_list("pk", "slug"))


def shows_out(request, shows) -> list[dict]:
    slugs = category_slugs(shows)
    return [show_out(request, s, slugs.get(s.category_id)) for s in shows]


def listed_show(slug: str) -> Podcast:
    show = Podcast.objects.filter(LISTED, slug=slug[:120]).first()
    if show is None:
        raise not_found(f"No show in the directory has the slug {slug[:120]!r}.")
    return show


@router.get("/shows", response={200: ShowPage, **ERRORS})
def list_shows(
    request,
    order: Literal["title", "new", "updated"] = "updated",
    category: str | None = Query(None, max_length=120, description="A category's slug"),
    feed_url: str | None = Query(
        None, max_length=2048, description="The show with this feed URL, if the directory has it"
    ),
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Shows in the directory: recently updated first, newest in the directory first
    (`new`), or by title; in one category (and its subcategories) newest in the
    directory first; or the one show with a feed URL."""
    if feed_url is not None:
        try:
            url = normalize_feed_url(feed_url)
        except InvalidFeedURL as error:
            raise ApiError(422, "invalid", str(error), "feed_url") from None
        shows = list(Podcast.objects.filter(LISTED, feed_url=url))
        return {"items": shows_out(request, shows), "next": None}
    if category is not None:
        return category_page(request, category, cursor, limit)
    rows = Podcast.objects.filter(LISTED)
    if order == "updated":
        rows = rows.filter(latest_episode_at__isnull=False)
    shows, following = page(rows, f"shows:{order}", SHOW_ORDERS[order], cursor, limit)
    return {"items": shows_out(request, shows), "next": following}


def category_page(request, slug: str, cursor: str | None, limit: int) -> dict:
    """Keys from the show-category index, newest show first, as the category page reads
    them (podcasts.views.CategoryRows)."""
    cat = Category.objects.filter(slug=slug).first()
    if cat is None:
        raise ApiError(404, "not_found", f"There is no category {slug!r}.", "category")
    list_name = f"category:{cat.pk}"
    through = Podcast.categories.through.objects.filter(category=cat)
    key = cursors.decode(cursor, list_name)
    if key is not None:
        through = through.filter(podcast_id__lt=key[0])
    keys = list(through.order_by("-podcast_id").values_list("podcast_id", flat=True)[: limit + 1])
    following = cursors.encode(list_name, keys[limit - 1]) if len(keys) > limit else None
    keys = keys[:limit]
    by_id = Podcast.objects.filter(LISTED).in_bulk(keys)
    shows = [by_id[k] for k in keys if k in by_id]
    return {"items": shows_out(request, shows), "next": following}


@router.post(
    "/shows",
    response={200: FeedQueued, 202: FeedQueued, 401: ErrorOut, 403: ErrorOut, **ERRORS},
    auth=WRITE,
)
def add_show(request, data: FeedIn):
    """Adds a feed to the directory, for the crawler to fetch: 202 with where the show
    will be (its page and API record appear once the feed is fetched), or 200 when the
    directory has it already. A listener may add OPML_NEW_FEEDS_PER_DAY new feeds a day,
    the same allowance as OPML imports on the website."""
    try:
        url = normalize_feed_url(data.feed_url)
        guard.check_url(url, allow_private=settings.ALLOW_PRIVATE_URLS)
    except (InvalidFeedURL, guard.UnsupportedURLError, guard.BlockedAddressError) as error:
        raise ApiError(422, "invalid", str(error), "feed_url") from None
    api_url = request.build_absolute_uri("/api/v1/shows?" + urlencode({"feed_url": url}))
    known = Podcast.objects.filter(feed_url=url).first()
    if known is None:
        reservation = ratelimit.reserve((ratelimit.Action.OPML_FEED, str(request.user.pk)))
        if isinstance(reservation, ratelimit.Refusal):
            raise ApiError(
                429,
                "rate_limited",
                reservation.message,
                headers={"Retry-After": str(reservation.retry_after)},
            )
        known, created = find_or_create_feed(url)
        if not created:
            reservation.release()  # somebody else added it meanwhile
    else:
        created = False
    listed = Podcast.objects.filter(LISTED, pk=known.pk).exists()
    body = {
        "status": "known" if listed else "queued",
        "feed_url": known.feed_url,
        "slug": known.slug if listed else None,
        "url": request.build_absolute_uri(known.get_absolute_url()) if listed else None,
        "api_url": api_url,
    }
    request.api_location = api_url
    return Status(200 if listed else 202, body)


@router.get("/shows/{slug}", response={200: ShowOut, **ERRORS})
def get_show(request, slug: str):
    show = listed_show(slug)
    return show_out(request, show, category_slugs([show]).get(show.category_id))


# Newest first, undated episodes last: the order of the show page, on the index made in
# podcasts migration 0004 (episode_show_newest).
def episodes_after(key: list) -> Q:
    published, pk = cursors.as_datetime(key[0]), key[1]
    if published is None:
        return Q(published_at__isnull=True, id__lt=pk)
    return (
        Q(published_at__lt=published)
        | Q(published_at=published, id__lt=pk)
        | Q(published_at__isnull=True)
    )


@router.get("/shows/{slug}/episodes", response={200: EpisodePage, **ERRORS})
def list_episodes(
    request,
    slug: str,
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """A show's episodes, newest first, undated ones last."""
    from django.db.models import F

    show = listed_show(slug)
    list_name = f"episodes:{show.pk}"
    rows = Episode.objects.filter(podcast=show)
    key = cursors.decode(cursor, list_name)
    if key is not None:
        if len(key) != 2 or not isinstance(key[1], int):
            raise ApiError(400, "invalid_cursor", "This cursor belongs to another list.", "cursor")
        rows = rows.filter(episodes_after(key))
    found = list(rows.order_by(F("published_at").desc(nulls_last=True), "-id")[: limit + 1])
    following = None
    if len(found) > limit:
        last = found[limit - 1]
        following = cursors.encode(list_name, last.published_at, last.pk)
    items = [episode_out(request, e, show.slug) for e in found[:limit]]
    return {"items": items, "next": following}


@router.get("/shows/{slug}/episodes/{episode_slug}", response={200: EpisodeOut, **ERRORS})
def get_show_episode(request, slug: str, episode_slug: str):
    show = listed_show(slug)
    episode = Episode.objects.filter(podcast=show, slug=episode_slug[:120]).first()
    if episode is None:
        raise not_found(f"{show.title!r} has no episode with the slug {episode_slug[:120]!r}.")
    return episode_out(request, episode, show.slug)


@router.get("/episodes/{episode_id}", response={200: EpisodeOut, **ERRORS})
def get_episode(request, episode_id: int):
    episode = listed_episode(episode_id)
    return episode_out(request, episode, episode.podcast.slug)


def listed_episode(episode_id: int) -> Episode:
    episode = (
        Episode.objects.select_related("podcast")
        .filter(pk=episode_id, podcast__in=Podcast.objects.filter(LISTED))
        .first()
        if 0 < episode_id < 2**63
        else None
    )
    if episode is None:
        raise not_found(f"There is no episode {episode_id}.")
    return episode


@router.get("/categories", response={200: list[CategoryOut], 429: ErrorOut}, tags=["categories"])
def list_categories(request):
    """The directory's categories (Apple Podcasts' tree), by name; `parent` names the
    category a subcategory belongs to."""
    rows = list(Category.objects.filter(in_tree=True).order_by("name", "id"))
    slugs = {c.pk: c.slug for c in rows}
    return [category_out(c, slugs.get(c.parent_id)) for c in rows]
