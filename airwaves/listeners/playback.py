"""Play positions: saving them from the player and reading them back for resume
offers, "Continue listening" and the history page.

A listener with an account keeps positions as gPodder `play` actions
(`EpisodeAction`), shared with their podcast apps; a guest keeps them in the
session (`guest.py`) until they log in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from airwaves.listeners import guest
from airwaves.listeners.models import (
    FINISHED_FRACTION,
    FINISHED_MARGIN,
    EpisodeAction,
    is_finished,
)
from airwaves.podcasts.models import Episode
from airwaves.sync.changes import received_now

# Saves closer together than this, from the same starting point, extend one play
# action instead of adding another: the player saves every 15 s while playing.
SAME_PLAY_GAP = timedelta(minutes=10)
# Positions this close to the start are not worth offering to resume.
MIN_RESUME = 5
PLAY = EpisodeAction.Action.PLAY


@dataclass(frozen=True, slots=True)
class PlayState:
    """Where a listener is in an episode."""

    position: int
    total: int | None
    at: datetime

    @property
    def finished(self) -> bool:
        return is_finished(self.position, self.total)

    @property
    def resumable(self) -> bool:
        return not self.finished and self.position >= MIN_RESUME

    @property
    def remaining(self) -> int | None:
        return max(self.total - self.position, 0) if self.total else None

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return min(100, round(100 * self.position / self.total)) if self.total else 0


def record_position(
    request, episode: Episode, *, position: int, total: int | None, started: int, ended: bool
) -> PlayState:
    """Saves where the listener is in `episode`; `ended` when the audio played to its end."""
    if total is not None and position > total:
        total = position
    if ended:
        # gPodder clients treat position == total as played.
        total = total or position
        position = total
    if not request.user.is_authenticated:
        guest.save_position(request.session, episode.pk, position, total)
        return PlayState(position, total, timezone.now())

    now = timezone.now()
    with transaction.atomic():
        stamp = received_now(request.user)  # apps ask for actions `since` (sync/changes.py)
        latest = (
            EpisodeAction.objects.select_for_update()
            .filter(user=request.user, episode=episode, action=PLAY, device="")
            .order_by("-timestamp", "-pk")
            .first()
        )
        if latest and latest.started == started and now - latest.timestamp <= SAME_PLAY_GAP:
            latest.position, latest.total, latest.timestamp = position, total, now
            latest.updated_at = stamp
            latest.save(update_fields=["position", "total", "timestamp", "updated_at"])
        else:
            EpisodeAction.objects.create(
                user=request.user,
                episode=episode,
                podcast_url=episode.podcast.feed_url,
                episode_url=episode.enclosure_url,
                action=PLAY,
                timestamp=now,
                started=started,
                position=position,
                total=total,
                updated_at=stamp,
            )
    return PlayState(position, total, now)


def play_states(request, episode_ids) -> dict[int, PlayState]:
    """The latest position in each of these episodes that the listener has played."""
    ids = list(episode_ids)
    if not ids:
        return {}
    if not request.user.is_authenticated:
        stored = guest.positions(request.session)
        return {
            pk: PlayState(v["position"], v["total"], v["at"])
            for pk, v in stored.items()
            if pk in ids
        }
    rows = (
        EpisodeAction.objects.filter(user=request.user, action=PLAY, episode_id__in=ids)
        .order_by("episode_id", "-timestamp", "-pk")
        .values_list("episode_id", "position", "total", "timestamp")
    )
    states: dict[int, PlayState] = {}
    for pk, position, total, at in rows:
        states.setdefault(pk, PlayState(position, total, at))
    return states


def play_state(request, episode: Episode) -> PlayState | None:
    return play_states(request, [episode.pk]).get(episode.pk)


def _played_episodes(user) -> QuerySet[Episode]:
    """Episodes the user has played, newest play first, each with `last_*` fields."""
    latest = EpisodeAction.objects.filter(user=user, action=PLAY, episode=OuterRef("pk")).order_by(
        "-timestamp", "-pk"
    )
    return (
        Episode.objects.filter(
            pk__in=EpisodeAction.objects.filter(user=user, action=PLAY).values("episode_id")
        )
        .annotate(
            last_played=Subquery(latest.values("timestamp")[:1]),
            last_position=Subquery(latest.values("position")[:1]),
            last_total=Subquery(latest.values("total")[:1]),
        )
        .select_related("podcast")
        .order_by("-last_played", "-pk")
    )


def with_play_state(episode: Episode) -> Episode:
    episode.play = PlayState(episode.last_position, episode.last_total, episode.last_played)
    return episode


def history(request):
    """Every episode the listener has played, newest first: a queryset of episodes
    with `last_*` fields for an account (see `with_play_state`), a list with `play`
    set for a guest."""
    if request.user.is_authenticated:
        return _played_episodes(request.user)
    stored = guest.positions(request.session)
    episodes = Episode.objects.select_related("podcast").in_bulk(list(stored))
    items = []
    for pk, value in sorted(stored.items(), key=lambda kv: kv[1]["at"], reverse=True):
        if pk in episodes:
            episode = episodes[pk]
            episode.play = PlayState(value["position"], value["total"], value["at"])
            items.append(episode)
    return items


def continue_listening(request, limit: int = 6) -> list[Episode]:
    """Episodes started and not finished, most recently played first, with `play` set."""
    if request.user.is_authenticated:
        unfinished = (
            _played_episodes(request.user)
            .filter(last_position__gte=MIN_RESUME)
            # Not finished: the SQL form of models.is_finished().
            .exclude(
                Q(last_total__isnull=False)
                & Q(last_position__gte=F("last_total") - FINISHED_MARGIN)
                & Q(last_position__gte=F("last_total") * FINISHED_FRACTION)
            )
        )
        return [with_play_state(e) for e in unfinished[:limit]]
    return [e for e in history(request) if e.play.resumable][:limit]
