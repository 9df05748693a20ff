"""gpodder.net's device updates: what changed for one device since it last asked, in one
answer: the podcasts to subscribe to (with their titles), the ones to drop, and the new
episodes of the podcasts it follows, each with the listener's status in it (and, with
`include_actions`, the latest episode action).

Subscriptions come from the same log as `/api/2/subscriptions/` (so `since` pages the
same way); episodes are the ones the directory got since then (`Episode.created_at`,
the server's time, as `since` is everywhere here), at most EPISODES_PER_PODCAST newest a
podcast, as gpodder.net sends. The crawler stamps an episode when it starts storing its
feed and commits up to REFRESH_TIME_BUDGET seconds later, so episodes stored that long
before `since` are given again: an episode twice is harmless, one never sent is not.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from airwaves.listeners.models import EpisodeAction
from airwaves.podcasts.models import Episode, Podcast
from airwaves.sync import subscriptions
from airwaves.sync.actions import action_dict
from airwaves.sync.auth import BadInput, answer, sync_view
from airwaves.sync.devices import check_device_id, device_for, touch
from airwaves.sync.lists import is_merged
from airwaves.sync.models import DeviceSubscription
from airwaves.sync.timestamps import format_timestamp
from airwaves.sync.views import since_of

EPISODES_PER_PODCAST = 5  # gpodder.net's number
# Episodes in one answer, whatever the number of podcasts followed.
MAX_EPISODES = 2_000
# Only these say where a listener is with an episode; "flattr" does not.
STATUSES = ("new", "download", "play", "delete")
TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off", "")


def podcast_dict(podcast: Podcast | None, url: str, site: str) -> dict:
    if podcast is None:  # not in the directory (or no longer): the URL is all there is
        return {"url": url, "title": "", "description": "", "website": "", "logo_url": ""}
    return {
        "url": podcast.feed_url,
        "title": podcast.title,
        "description": podcast.summary,
        "website": podcast.link,
        "logo_url": podcast.image_url,
        "mygpo_link": site + podcast.get_absolute_url(),
    }


def episode_dict(episode: Episode, site: str) -> dict:
    return {
        "title": episode.title,
        "url": episode.enclosure_url,
        "podcast_title": episode.podcast.title,
        "podcast_url": episode.podcast.feed_url,
        "description": episode.summary,
        "website": episode.link,
        "mygpo_link": site + episode.get_absolute_url(),
        "released": format_timestamp(episode.published_at or episode.created_at),
    }


def new_episodes(user, since, device=None) -> list[Episode]:
    """The newest episodes of each show the device follows (the account's follows, or
    its own list when the account has per-device lists) that the directory got since
    `since` (or a refresh's time before it)."""
    if device is not None and not is_merged(user):
        episodes = Episode.objects.filter(
            podcast__in=DeviceSubscription.objects.filter(device=device).values("podcast")
        )
    else:
        episodes = Episode.objects.filter(podcast__follows__user=user)
    if since is not None:
        overlap = timedelta(seconds=settings.REFRESH_TIME_BUDGET + 60)
        episodes = episodes.filter(created_at__gte=since - overlap)
    ranked = episodes.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("podcast_id")],
            order_by=[F("published_at").desc(nulls_last=True), F("pk").desc()],
        )
    ).filter(rank__lte=EPISODES_PER_PODCAST)
    return list(ranked.select_related("podcast").order_by("podcast_id", "rank")[:MAX_EPISODES])


def latest_actions(user, episodes: list[Episode]) -> dict[int, EpisodeAction]:
    """The listener's latest action (by when it happened) on each of these episodes."""
    latest: dict[int, EpisodeAction] = {}
    rows = EpisodeAction.objects.filter(
        user=user, episode_id__in=[e.pk for e in episodes], action__in=STATUSES
    ).order_by("episode_id", "timestamp", "pk")
    for row in rows:
        latest[row.episode_id] = row
    return latest


def flag(request, name: str) -> bool:
    value = request.GET.get(name, "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise BadInput(f"{name} must be true or false, not {value[:20]!r}.")


@sync_view(("GET",))
def device_updates(request, username: str, device: str):
    check_device_id(device)
    user = request.sync_user
    since = since_of(request)
    include_actions = flag(request, "include_actions")
    found = device_for(user, device)
    delta = subscriptions.changes_since(user, since, found)
    touch(found)
    site = request.build_absolute_uri("/").rstrip("/")
    known = {p.feed_url: p for p in Podcast.objects.filter(feed_url__in=delta.add)}
    episodes = new_episodes(user, since, found)
    actions = latest_actions(user, episodes)
    updates = []
    for episode in episodes:
        item = episode_dict(episode, site)
        action = actions.get(episode.pk)
        item["status"] = action.action if action else "new"
        if include_actions and action:
            item["action"] = action_dict(action)
        updates.append(item)
    return answer(
        {
            "add": [podcast_dict(known.get(url), url, site) for url in delta.add],
            # "remove" as gpodder.net's documentation names it, "rem" as its server sends.
            "remove": delta.remove,
            "rem": delta.remove,
            "updates": updates,
            "timestamp": delta.timestamp,
        }
    )
