"""What a listener without an account keeps in their session: hearted episodes, hearted
radio stations and play positions. It moves into their account when they sign up or log
in (`merge_into_account`), so nothing a guest did is lost.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from airwaves.listeners.models import EpisodeAction, Favourite
from airwaves.podcasts.models import Episode
from airwaves.radio.models import Station, StationFavourite
from airwaves.sync.changes import received_now

FAVOURITES_KEY = "listeners.favourites"
STATION_FAVOURITES_KEY = "listeners.station_favourites"
POSITIONS_KEY = "listeners.positions"
# Sessions are not meant to be a database: the oldest entries go past these.
MAX_FAVOURITES = 500
MAX_POSITIONS = 200


def favourites(session) -> list[tuple[int, datetime]]:
    """Hearted episode ids with when they were hearted, oldest first."""
    return _hearted(session, FAVOURITES_KEY)


def is_favourite(session, episode_id: int) -> bool:
    return _is_hearted(session, FAVOURITES_KEY, episode_id)


def toggle_favourite(session, episode_id: int) -> bool:
    """Hearts or un-hearts; returns whether the episode is now a favourite."""
    return _toggle(session, FAVOURITES_KEY, episode_id)


def station_favourites(session) -> list[tuple[int, datetime]]:
    """Hearted station ids with when they were hearted, oldest first."""
    return _hearted(session, STATION_FAVOURITES_KEY)


def is_station_favourite(session, station_id: int) -> bool:
    return _is_hearted(session, STATION_FAVOURITES_KEY, station_id)


def toggle_station_favourite(session, station_id: int) -> bool:
    """Hearts or un-hearts; returns whether the station is now a favourite."""
    return _toggle(session, STATION_FAVOURITES_KEY, station_id)


# Episode and station hearts are kept alike, as [[id, ISO time], ...] under their own
# key, so one id space never shadows the other.


def _hearted(session, key: str) -> list[tuple[int, datetime]]:
    return [(int(pk), datetime.fromisoformat(at)) for pk, at in session.get(key, [])]


def _is_hearted(session, key: str, pk: int) -> bool:
    return any(row[0] == pk for row in session.get(key, []))


def _toggle(session, key: str, pk: int) -> bool:
    rows = [row for row in session.get(key, []) if row[0] != pk]
    now_hearted = len(rows) == len(session.get(key, []))
    if now_hearted:
        rows.append([pk, timezone.now().isoformat()])
    session[key] = rows[-MAX_FAVOURITES:]
    return now_hearted


def positions(session) -> dict[int, dict]:
    """{episode id: {"position", "total", "at"}} with `at` a datetime."""
    return {
        int(pk): {**value, "at": datetime.fromisoformat(value["at"])}
        for pk, value in session.get(POSITIONS_KEY, {}).items()
    }


def save_position(session, episode_id: int, position: int, total: int | None) -> None:
    stored = dict(session.get(POSITIONS_KEY, {}))
    stored.pop(str(episode_id), None)
    stored[str(episode_id)] = {
        "position": position,
        "total": total,
        "at": timezone.now().isoformat(),
    }
    # Dicts keep insertion order, and the entry just saved went last.
    session[POSITIONS_KEY] = dict(list(stored.items())[-MAX_POSITIONS:])


def merge_into_account(session, user) -> None:
    """Moves the session's favourites (episodes and stations) and positions into
    `user`'s records.

    Favourites the account already has keep their date. Each guest position becomes a
    `play` action with the time it was saved, so whichever of the account's and the
    guest's positions is newer is the one that counts.
    """
    hearted = favourites(session)
    played = positions(session)
    stations = station_favourites(session)
    if not hearted and not played and not stations:
        return
    known = set(
        Episode.objects.filter(pk__in=[pk for pk, _ in hearted] + list(played)).values_list(
            "pk", flat=True
        )
    )
    episodes = Episode.objects.select_related("podcast").in_bulk(
        [pk for pk in played if pk in known]
    )
    known_stations = set(
        Station.objects.filter(pk__in=[pk for pk, _ in stations]).values_list("pk", flat=True)
    )
    with transaction.atomic():
        stamp = received_now(user)  # apps ask for actions `since` (sync/changes.py)
        Favourite.objects.bulk_create(
            [
                Favourite(user=user, episode_id=pk, created_at=at)
                for pk, at in hearted
                if pk in known
            ],
            ignore_conflicts=True,
        )
        EpisodeAction.objects.bulk_create(
            [
                EpisodeAction(
                    user=user,
                    episode=episode,
                    podcast_url=episode.podcast.feed_url,
                    episode_url=episode.enclosure_url,
                    action=EpisodeAction.Action.PLAY,
                    timestamp=played[pk]["at"],
                    started=None,  # not known for a guest
                    position=played[pk]["position"],
                    total=played[pk]["total"],
                    updated_at=stamp,
                )
                for pk, episode in episodes.items()
            ]
        )
        StationFavourite.objects.bulk_create(
            [
                StationFavourite(user=user, station_id=pk, created_at=at)
                for pk, at in stations
                if pk in known_stations
            ],
            ignore_conflicts=True,
        )
    session.pop(FAVOURITES_KEY, None)
    session.pop(POSITIONS_KEY, None)
    session.pop(STATION_FAVOURITES_KEY, None)
