"""Hearted episodes, for listeners with an account (`Favourite`) and guests (the session)."""

from __future__ import annotations

from django.db.models import Count, Max

from airwaves.listeners import guest
from airwaves.listeners.models import Favourite, Follow
from airwaves.podcasts.models import Episode, Podcast


def is_favourite(request, episode: Episode) -> bool:
    if request.user.is_authenticated:
        return Favourite.objects.filter(user=request.user, episode=episode).exists()
    return guest.is_favourite(request.session, episode.pk)


def toggle(request, episode: Episode) -> bool:
    """Hearts or un-hearts; returns whether the episode is now a favourite."""
    if not request.user.is_authenticated:
        return guest.toggle_favourite(request.session, episode.pk)
    deleted, _ = Favourite.objects.filter(user=request.user, episode=episode).delete()
    if deleted:
        return False
    Favourite.objects.get_or_create(user=request.user, episode=episode)
    return True


def heart_context(request, episode: Episode) -> dict:
    """What the heart button shows: whether this listener hearted the episode, and
    how many listeners did. A guest's own heart is counted for them, although it is
    stored in their session until they log in."""
    hearted = is_favourite(request, episode)
    count = Favourite.objects.filter(episode=episode).count()
    if hearted and not request.user.is_authenticated:
        count += 1
    return {"episode": episode, "is_favourite": hearted, "heart_count": count}


def heart_contexts(request, episodes: dict[int, Episode]) -> dict[int, dict]:
    """heart_context() for many episodes at once, in two queries whatever their number
    (a cached page asks /me/state for every heart it shows)."""
    if not episodes:
        return {}
    if request.user.is_authenticated:
        hearted = set(
            Favourite.objects.filter(user=request.user, episode__in=episodes).values_list(
                "episode_id", flat=True
            )
        )
    else:
        hearted = {pk for pk in episodes if guest.is_favourite(request.session, pk)}
    counts = dict(
        Favourite.objects.filter(episode__in=episodes)
        .values_list("episode")
        .annotate(n=Count("pk"))
        .order_by()
    )
    guest_own = 0 if request.user.is_authenticated else 1
    return {
        pk: {
            "episode": episode,
            "is_favourite": pk in hearted,
            "heart_count": counts.get(pk, 0) + (guest_own if pk in hearted else 0),
        }
        for pk, episode in episodes.items()
    }


def follow_contexts(request, podcasts: dict[int, Podcast]) -> dict[int, dict]:
    """follow_context() for many shows at once, in one query at most."""
    following: set[int] = set()
    if podcasts and request.user.is_authenticated:
        following = set(
            Follow.objects.filter(user=request.user, podcast__in=podcasts).values_list(
                "podcast_id", flat=True
            )
        )
    return {
        pk: {"podcast": podcast, "is_following": pk in following}
        for pk, podcast in podcasts.items()
    }


def favourite_episodes(request):
    """The listener's favourite episodes, newest hearted first (a queryset for an
    account, a list for a guest)."""
    if request.user.is_authenticated:
        # Filtering before annotating makes Max() see only this listener's hearts.
        return (
            Episode.objects.filter(favourites__user=request.user)
            .annotate(hearted_at=Max("favourites__created_at"))
            .select_related("podcast")
            .order_by("-hearted_at", "-pk")
        )
    ids = [pk for pk, _ in reversed(guest.favourites(request.session))]
    episodes = Episode.objects.select_related("podcast").in_bulk(ids)
    return [episodes[pk] for pk in ids if pk in episodes]


def follow_context(request, podcast: Podcast) -> dict:
    following = (
        request.user.is_authenticated
        and Follow.objects.filter(user=request.user, podcast=podcast).exists()
    )
    return {"podcast": podcast, "is_following": following}
