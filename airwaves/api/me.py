"""The calling listener's own records: favourites, follows, play positions; and adding a
feed to the directory. Only ever the caller's rows, whatever ids are sent: every query
here is filtered by request.user, and writes go through the website's own functions."""

from __future__ import annotations

from ninja import Query, Router

from airwaves.api import cursors
from airwaves.api.auth import READ, WRITE
from airwaves.api.catalogue import ERRORS, listed_episode, listed_show, shows_out
from airwaves.api.errors import ApiError
from airwaves.api.pages import DEFAULT_LIMIT, MAX_LIMIT, after
from airwaves.api.schemas import (
    EpisodePage,
    ErrorOut,
    FavouriteState,
    FollowState,
    PositionIn,
    PositionOut,
    ShowPage,
    StationPage,
    TokenInfo,
    episode_out,
    station_out,
)
from airwaves.api.stations import station_by_slug
from airwaves.listeners import favourites, playback
from airwaves.listeners.follows import toggle_follow
from airwaves.listeners.models import Favourite, Follow
from airwaves.radio.models import StationFavourite

router = Router(tags=["listener"])

AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut, **ERRORS}
NEWEST = ("-created_at", "-id")


def listener_page(rows, list_name: str, cursor: str | None, limit: int):
    """Rows of a listener's own table, newest first, after the cursor's key."""
    key = cursors.decode(cursor, list_name)
    if key is not None:
        if len(key) != 2 or not isinstance(key[1], int):
            raise ApiError(400, "invalid_cursor", "This cursor belongs to another list.", "cursor")
        rows = rows.filter(after(NEWEST, [cursors.as_datetime(key[0]), key[1]]))
    found = list(rows.order_by(*NEWEST)[: limit + 1])
    following = None
    if len(found) > limit:
        last = found[limit - 1]
        following = cursors.encode(list_name, last.created_at, last.pk)
    return found[:limit], following


@router.get("/me", response={200: TokenInfo, **AUTH_ERRORS}, auth=READ)
def whoami(request):
    """Who the token (or session) belongs to, and what it may do."""
    token = getattr(request, "api_token", None)
    return {
        "user": request.user.get_username(),
        "name": token.name if token else "session",
        "prefix": token.prefix if token else "",
        "scope": token.scope if token else "write",
    }


@router.get("/me/favourites/episodes", response={200: EpisodePage, **AUTH_ERRORS}, auth=READ)
def favourite_episodes(
    request,
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Episodes the listener hearted, newest heart first."""
    rows = Favourite.objects.filter(user=request.user).select_related("episode__podcast")
    found, following = listener_page(rows, f"fav-episodes:{request.user.pk}", cursor, limit)
    items = [episode_out(request, f.episode, f.episode.podcast.slug) for f in found]
    return {"items": items, "next": following}


def set_favourite(request, episode_id: int, wanted: bool) -> dict:
    episode = listed_episode(episode_id)
    if favourites.is_favourite(request, episode) != wanted:
        favourites.toggle(request, episode)
    return {"favourite": wanted}


@router.put(
    "/me/favourites/episodes/{episode_id}",
    response={200: FavouriteState, **AUTH_ERRORS},
    auth=WRITE,
)
def add_favourite_episode(request, episode_id: int):
    return set_favourite(request, episode_id, True)


@router.delete(
    "/me/favourites/episodes/{episode_id}",
    response={200: FavouriteState, **AUTH_ERRORS},
    auth=WRITE,
)
def remove_favourite_episode(request, episode_id: int):
    return set_favourite(request, episode_id, False)


@router.get("/me/favourites/stations", response={200: StationPage, **AUTH_ERRORS}, auth=READ)
def favourite_stations(
    request,
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Stations the listener hearted, newest heart first."""
    rows = StationFavourite.objects.filter(user=request.user).select_related("station")
    found, following = listener_page(rows, f"fav-stations:{request.user.pk}", cursor, limit)
    return {"items": [station_out(request, f.station) for f in found], "next": following}


@router.put(
    "/me/favourites/stations/{slug}", response={200: FavouriteState, **AUTH_ERRORS}, auth=WRITE
)
def add_favourite_station(request, slug: str):
    StationFavourite.objects.get_or_create(user=request.user, station=station_by_slug(slug))
    return {"favourite": True}


@router.delete(
    "/me/favourites/stations/{slug}", response={200: FavouriteState, **AUTH_ERRORS}, auth=WRITE
)
def remove_favourite_station(request, slug: str):
    StationFavourite.objects.filter(user=request.user, station=station_by_slug(slug)).delete()
    return {"favourite": False}


@router.get("/me/follows", response={200: ShowPage, **AUTH_ERRORS}, auth=READ)
def follows(
    request,
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """Shows the listener follows, newest follow first."""
    rows = Follow.objects.filter(user=request.user).select_related("podcast")
    found, following = listener_page(rows, f"follows:{request.user.pk}", cursor, limit)
    return {"items": shows_out(request, [f.podcast for f in found]), "next": following}


def set_follow(request, slug: str, wanted: bool) -> dict:
    show = listed_show(slug)
    if Follow.objects.filter(user=request.user, podcast=show).exists() != wanted:
        toggle_follow(request.user, show)
    return {"following": wanted}


@router.put("/me/follows/{slug}", response={200: FollowState, **AUTH_ERRORS}, auth=WRITE)
def follow(request, slug: str):
    return set_follow(request, slug, True)


@router.delete("/me/follows/{slug}", response={200: FollowState, **AUTH_ERRORS}, auth=WRITE)
def unfollow(request, slug: str):
    return set_follow(request, slug, False)


def position_out(episode_id: int, state: playback.PlayState | None) -> dict:
    if state is None:
        return {"episode": episode_id, "position": None, "total": None, "finished": False}
    return {
        "episode": episode_id,
        "position": state.position,
        "total": state.total,
        "finished": state.finished,
    }


@router.get("/me/positions/{episode_id}", response={200: PositionOut, **AUTH_ERRORS}, auth=READ)
def get_position(request, episode_id: int):
    """Where the listener is in the episode (the newest position from any of their
    devices: the site's player and gPodder apps write the same records)."""
    episode = listed_episode(episode_id)
    return position_out(episode.pk, playback.play_state(request, episode))


@router.put("/me/positions/{episode_id}", response={200: PositionOut, **AUTH_ERRORS}, auth=WRITE)
def put_position(request, episode_id: int, data: PositionIn):
    """Saves where the listener is, as the site's player does."""
    episode = listed_episode(episode_id)
    if not episode.has_audio:
        raise ApiError(422, "no_audio", "This episode has no audio to play.")
    state = playback.record_position(
        request,
        episode,
        position=data.position,
        total=data.total or None,
        started=data.position if data.started is None else data.started,
        ended=data.ended,
    )
    return position_out(episode.pk, state)
