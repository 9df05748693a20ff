"""Episode actions over the gPodder API, stored as listeners.EpisodeAction: the rows
the web player writes, so a position reached on the phone resumes on the website and
the other way round.

An upload is checked whole before anything is stored, then stored in one transaction:
a bad action refuses the request and leaves nothing behind. Actions are matched to the
directory's episodes by podcast and media URL, or by the RSS guid when the media URL
changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from airwaves.listeners.models import EpisodeAction
from airwaves.podcasts.models import Episode, Podcast
from airwaves.sync.auth import BadInput
from airwaves.sync.changes import answered_until, received_now
from airwaves.sync.devices import check_device_id, touch_all
from airwaves.sync.feedurls import sanitize_url
from airwaves.sync.models import DEVICE_ID, WEBSITE_DEVICE
from airwaves.sync.subscriptions import page
from airwaves.sync.timestamps import BadTimestamp, format_timestamp, parse_timestamp

ACTIONS = {choice.value for choice in EpisodeAction.Action}
PLAY = EpisodeAction.Action.PLAY
# Actions in one upload. AntennaPod sends 30 at a time; other apps send a first sync's
# thousands at once.
MAX_ACTIONS_PER_UPLOAD = 50_000
MAX_ACTIONS_PER_DOWNLOAD = 10_000
MAX_SECONDS = 2**31 - 1
MAX_GUID_LENGTH = 512
# Stored for actions uploaded without a device: not a valid device id, so it is nobody's,
# and not "" (the website's own player, which extends its own rows).
NO_DEVICE = "?"
KNOWN_KEYS = {"podcast", "episode", "action", "timestamp", "device", "guid"} | {
    "started",
    "position",
    "total",
}


@dataclass(frozen=True, slots=True)
class ActionIn:
    podcast_url: str
    episode_url: str
    guid: str
    action: str
    timestamp: datetime
    device: str
    started: int | None
    position: int | None
    total: int | None


@dataclass
class ActionUpload:
    actions: list[ActionIn]
    update_urls: list[list[str]]


def _seconds(item: dict, key: str, where: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(f"{where}: {key!r} must be a number of seconds, not {value!r}.")
    if value != value or value < -1 or value > MAX_SECONDS:  # NaN, or out of range
        raise BadInput(f"{where}: {key!r} must be between -1 and {MAX_SECONDS}, not {value!r}.")
    # -1 is how apps say "unknown".
    return None if value == -1 else int(value)


def _text(item: dict, key: str, where: str, required: bool) -> str:
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadInput(f"{where}: {key!r} must be a non-empty string.")
    return value


def parse_actions(data, now: datetime, default_device: str = NO_DEVICE) -> ActionUpload:
    """Checks an uploaded list of actions; BadInput names the first bad one. Actions
    naming no device are stored under `default_device`."""
    if not isinstance(data, list):
        raise BadInput("Send a JSON list of episode actions.")
    if len(data) > MAX_ACTIONS_PER_UPLOAD:
        raise BadInput(
            f"At most {MAX_ACTIONS_PER_UPLOAD} actions per upload; "
            "send the rest in another request."
        )
    actions: list[ActionIn] = []
    update_urls: dict[str, str] = {}
    for index, item in enumerate(data):
        where = f"action {index}"
        if not isinstance(item, dict):
            raise BadInput(f"{where}: each action must be a JSON object.")
        podcast = _text(item, "podcast", where, True)
        episode = _text(item, "episode", where, True)
        action = _text(item, "action", where, True).strip().lower()
        if action not in ACTIONS:
            raise BadInput(
                f"{where}: unknown action {item['action'][:40]!r}; "
                f"use one of {', '.join(sorted(ACTIONS))}."
            )
        guid = _text(item, "guid", where, False)
        if len(guid) > MAX_GUID_LENGTH:
            raise BadInput(f"{where}: guid is longer than {MAX_GUID_LENGTH} characters.")
        device = _text(item, "device", where, False)
        if device:
            check_device_id(device)
        timestamp = now
        if item.get("timestamp") is not None:
            try:
                timestamp = parse_timestamp(item["timestamp"])
            except BadTimestamp as error:
                raise BadInput(f"{where}: {error}.") from None
        started = _seconds(item, "started", where)
        position = _seconds(item, "position", where)
        total = _seconds(item, "total", where)
        podcast_url, episode_url = sanitize_url(podcast), sanitize_url(episode)
        for raw, url in ((podcast, podcast_url), (episode, episode_url)):
            if url != raw:
                update_urls[raw] = url or ""
        if podcast_url is None or episode_url is None:
            continue  # not http(s): reported in update_urls, not stored
        if action == PLAY:
            # A play whose position the app did not know still says "played here".
            position = position if position is not None else 0
        else:
            started = position = total = None
        actions.append(
            ActionIn(
                podcast_url,
                episode_url,
                guid,
                action,
                timestamp,
                device or default_device,
                started,
                position,
                total,
            )
        )
    return ActionUpload(actions, [[raw, url] for raw, url in update_urls.items()])


def match_episodes(actions: list[ActionIn]) -> dict[tuple[str, str, str], int]:
    """(podcast URL, episode URL, guid) -> the directory's episode id, where known: one
    query, through the podcasts' feed URLs."""
    if not actions:
        return {}
    rows = Episode.objects.filter(
        Q(enclosure_url__in={a.episode_url for a in actions})
        | Q(guid__in={a.guid for a in actions if a.guid}),
        podcast__feed_url__in={a.podcast_url for a in actions},
    ).values_list("pk", "podcast__feed_url", "enclosure_url", "guid")
    by_url: dict[tuple[str, str], int] = {}
    by_guid: dict[tuple[str, str], int] = {}
    for pk, feed, url, guid in rows:
        by_url.setdefault((feed, url), pk)
        by_guid.setdefault((feed, guid), pk)
    found = {}
    for a in actions:
        # The media URL first: a guid is the feed's to reuse, the URL is what was played.
        pk = by_url.get((a.podcast_url, a.episode_url)) or (
            a.guid and by_guid.get((a.podcast_url, a.guid))
        )
        if pk:
            found[(a.podcast_url, a.episode_url, a.guid)] = pk
    return found


def store_actions(user, upload: ActionUpload) -> datetime:
    """Stores every action of a checked upload in one transaction; returns when."""
    episodes = match_episodes(upload.actions)
    devices = {a.device for a in upload.actions if DEVICE_ID.fullmatch(a.device)}
    with transaction.atomic():
        now = received_now(user)  # see changes.py
        touch_all(user, devices, now)
        EpisodeAction.objects.bulk_create(
            [
                EpisodeAction(
                    user=user,
                    episode_id=episodes.get((a.podcast_url, a.episode_url, a.guid)),
                    podcast_url=a.podcast_url,
                    episode_url=a.episode_url,
                    guid=a.guid,
                    device=a.device,
                    action=a.action,
                    timestamp=a.timestamp,
                    started=a.started,
                    position=a.position,
                    total=a.total,
                    updated_at=now,
                )
                for a in upload.actions
            ],
            batch_size=500,
        )
    return now


def link_new_episodes(user) -> int:
    """Links the user's actions stored before their episode was in the directory (a
    podcast a phone subscribed to is fetched by the crawler afterwards) to it now, by
    media URL or guid, as uploads are matched. Shows still without episodes cost one
    small query; `updated_at` is left alone, as the action itself did not change."""
    orphans = EpisodeAction.objects.filter(user=user, episode__isnull=True)
    shows = set(orphans.values_list("podcast_url", flat=True).distinct())
    fetched = set(
        Podcast.objects.filter(feed_url__in=shows, episode_count__gt=0).values_list(
            "feed_url", flat=True
        )
    )
    if not fetched:
        return 0
    rows = list(
        orphans.filter(podcast_url__in=fetched).values_list(
            "pk", "podcast_url", "episode_url", "guid"
        )
    )
    keys = [(podcast_url, episode_url, guid) for _, podcast_url, episode_url, guid in rows]
    found = match_episodes(
        [ActionIn(p, e, g, "", timezone.now(), "", None, None, None) for p, e, g in set(keys)]
    )
    by_episode: dict[int, list[int]] = {}
    for (pk, *_), key in zip(rows, keys, strict=True):
        if key in found:
            by_episode.setdefault(found[key], []).append(pk)
    for episode_id, pks in by_episode.items():
        EpisodeAction.objects.filter(pk__in=pks).update(episode_id=episode_id)
    return sum(len(pks) for pks in by_episode.values())


def action_dict(row: EpisodeAction) -> dict:
    item = {
        "podcast": row.podcast_url,
        "episode": row.episode_url,
        "action": row.action,
        "timestamp": format_timestamp(row.timestamp),
    }
    if row.device != NO_DEVICE:
        item["device"] = row.device or WEBSITE_DEVICE
    if row.guid:
        item["guid"] = row.guid
    if row.action == PLAY:
        for key in ("started", "position", "total"):
            value = getattr(row, key)
            if value is not None:
                item[key] = value
    return item


def actions_since(
    user,
    since: datetime | None,
    podcast: str | None = None,
    device: str | None = None,
    aggregated: bool = False,
) -> tuple[list[dict], int]:
    """Actions the server received since `since`, oldest first, and the next `since`."""
    link_new_episodes(user)
    rows = EpisodeAction.objects.filter(user=user)
    if podcast is not None:
        rows = rows.filter(podcast_url=sanitize_url(podcast) or podcast)
    if device is not None:
        rows = rows.filter(device="" if device == WEBSITE_DEVICE else device)
    with transaction.atomic():
        found, timestamp = page(
            rows,
            "updated_at",
            since or datetime.min.replace(tzinfo=UTC),
            answered_until(user, EpisodeAction.objects.filter(user=user), "updated_at"),
            MAX_ACTIONS_PER_DOWNLOAD,
        )
    items = [action_dict(row) for row in found]
    if aggregated:
        # Only the latest action for each episode (by the time it happened).
        latest: dict[tuple[str, str], dict] = {}
        for item, row in zip(items, found, strict=True):
            key = (item["podcast"], item["episode"])
            if key not in latest or row.timestamp >= latest[key]["_at"]:
                latest[key] = {**item, "_at": row.timestamp}
        items = [{k: v for k, v in item.items() if k != "_at"} for item in latest.values()]
    return items, timestamp
