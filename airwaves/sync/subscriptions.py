"""Subscriptions over the gPodder API: the website's follows, and the log of changes
(`SubscriptionChange`) that devices page through with `since`.

By default every device of an account sees one list, the account's follows, whichever
device (or the website) changed it: per-device lists confuse people, and the website has
only one. An account may turn that off for per-device lists and sync groups (lists.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from airwaves.listeners import ratelimit
from airwaves.listeners.follows import known_feeds
from airwaves.listeners.models import Follow
from airwaves.podcasts.feeds import InvalidFeedURL, find_or_create_feed
from airwaves.podcasts.models import Podcast
from airwaves.sync.auth import BadInput
from airwaves.sync.changes import answered_until, received_now
from airwaves.sync.devices import touch
from airwaves.sync.feedurls import sanitize_url
from airwaves.sync.lists import (
    ListChange,
    change_lists,
    device_changes,
    device_urls,
    group_of,
    held_by_any,
    split_account,
)
from airwaves.sync.models import Device, SubscriptionChange
from airwaves.sync.timestamps import unix

# URLs in one upload's add and remove lists together.
MAX_URLS_PER_UPLOAD = 10_000
# Changes in one download answer; the answer's timestamp pages on to the rest.
MAX_CHANGES_PER_DOWNLOAD = 5_000


@dataclass
class SubscriptionUpload:
    add: list[str] = field(default_factory=list)  # sanitized, in order, no repeats
    remove: list[str] = field(default_factory=list)
    update_urls: list[list[str]] = field(default_factory=list)  # [as sent, as stored]


def url_list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
        raise BadInput(f"{key!r} must be a list of podcast URLs (strings).")
    return value


def parse_upload(data) -> SubscriptionUpload:
    """Checks a {"add": [...], "remove": [...]} document; BadInput says what is wrong."""
    if not isinstance(data, dict):
        raise BadInput('Send a JSON object: {"add": [URLs], "remove": [URLs]}.')
    unknown = sorted(set(data) - {"add", "remove"})
    if unknown:
        raise BadInput(f"Unknown key {unknown[0]!r}: only 'add' and 'remove' are read.")
    add, remove = url_list(data, "add"), url_list(data, "remove")
    if len(add) + len(remove) > MAX_URLS_PER_UPLOAD:
        raise BadInput(
            f"At most {MAX_URLS_PER_UPLOAD} URLs per upload; send the rest in another request."
        )
    upload = SubscriptionUpload()
    sanitized: dict[str, list[str]] = {"add": [], "remove": []}
    for key, urls in (("add", add), ("remove", remove)):
        for raw in urls:
            url = sanitize_url(raw)
            if url != raw:
                # Left out (not http(s), or too long): reported with an empty URL.
                upload.update_urls.append([raw, url or ""])
            if url and url not in sanitized[key]:
                sanitized[key].append(url)
    both = set(sanitized["add"]) & set(sanitized["remove"])
    if both:
        raise BadInput(f"{sorted(both)[0]!r} is both added and removed in one upload.")
    upload.add, upload.remove = sanitized["add"], sanitized["remove"]
    return upload


def apply_upload(user, device: Device, upload: SubscriptionUpload) -> datetime:
    """Follows and unfollows, recorded as changes of `device`; returns when they were
    received. Podcasts new to the directory are added for the crawler, at most
    OPML_NEW_FEEDS_PER_DAY an account a day like OPML imports (the change is still kept
    for the account's other devices)."""
    known = known_feeds(set(upload.add) | set(upload.remove))
    for url in upload.add:
        if url in known:
            continue
        # Reserved outside the transaction below: reserve() must commit its rows.
        reservation = ratelimit.reserve((ratelimit.Action.OPML_FEED, str(user.pk)))
        if isinstance(reservation, ratelimit.Refusal):
            continue
        try:
            podcast, created = find_or_create_feed(url)
        except InvalidFeedURL:
            reservation.release()
            continue
        if not created:
            reservation.release()
        known[url] = podcast
    with transaction.atomic():
        now = received_now(user)  # see changes.py
        removed = upload.remove
        if split_account(user) is not None:
            # The device's (and its group's) own list first; the website follows the
            # union of the lists, so it drops only what no list holds any more.
            change_lists(
                user,
                group_of(device),
                [
                    ListChange(url, known.get(url), SubscriptionChange.Action.ADD)
                    for url in upload.add
                ]
                + [
                    ListChange(url, known.get(url), SubscriptionChange.Action.REMOVE)
                    for url in upload.remove
                ],
                now,
                device,
            )
            held = held_by_any(user, upload.remove)
            removed = [url for url in upload.remove if url not in held]
        following = set(Follow.objects.filter(user=user).values_list("podcast_id", flat=True))
        new = [known[url] for url in upload.add if url in known]
        Follow.objects.bulk_create(
            [Follow(user=user, podcast=p) for p in new if p.pk not in following],
            ignore_conflicts=True,
        )
        gone = [known[url].pk for url in removed if url in known]
        Follow.objects.filter(user=user, podcast_id__in=gone).delete()
        SubscriptionChange.objects.bulk_create(
            [
                SubscriptionChange(
                    user=user,
                    device=device,
                    podcast=known.get(url),
                    url=url,
                    action=action,
                    received_at=now,
                )
                for action, urls in (
                    (SubscriptionChange.Action.ADD, upload.add),
                    (SubscriptionChange.Action.REMOVE, removed),
                )
                for url in urls
            ]
        )
    touch(device)
    return now


@dataclass(frozen=True, slots=True)
class SubscriptionDelta:
    add: list[str]
    remove: list[str]
    timestamp: int


def current_urls(user) -> list[str]:
    return list(
        Podcast.objects.filter(follows__user=user)
        .order_by("follows__created_at", "pk")
        .values_list("feed_url", flat=True)
    )


def list_urls(user, device: Device | None) -> list[str]:
    """The list `device` syncs: its own with per-device lists, else the account's."""
    if device is not None and split_account(user) is not None:
        return device_urls(device)
    return current_urls(user)


def changes_since(user, since: datetime | None, device: Device | None = None) -> SubscriptionDelta:
    """What changed since `since` (oldest first), or the whole list for None: of
    `device`'s own list when the account has per-device lists, else of the account's."""
    with transaction.atomic():
        end = answered_until(user, SubscriptionChange.objects.filter(user=user), "received_at")
        account = split_account(user) if device is not None else None
        if account is None:
            log = SubscriptionChange.objects.filter(user=user, list_device__isnull=True)
        else:
            log = device_changes(user, device, account)
        if since is None:
            # The list as it is now: every change stamped before `end` is in it.
            return SubscriptionDelta(list_urls(user, device), [], unix(end))
        rows, timestamp = page(log, "received_at", since, end, MAX_CHANGES_PER_DOWNLOAD)
    last: dict[str, str] = {}
    for row in rows:
        last.pop(row.url, None)  # keeps the order of each URL's latest change
        last[row.url] = row.action
    add = [url for url, action in last.items() if action == SubscriptionChange.Action.ADD]
    remove = [url for url, action in last.items() if action == SubscriptionChange.Action.REMOVE]
    return SubscriptionDelta(add, remove, timestamp)


def page(queryset, time_field: str, since: datetime, end: datetime, limit: int) -> tuple[list, int]:
    """Rows stamped from `since` until `end` (a whole second, from changes.answered_until),
    oldest first, and the `since` to ask with next: `end`, where this answer stops and no
    row written later is stamped before. Past `limit` rows the answer ends with the whole
    second its last row is in, and the next `since` is the second after: integer
    timestamps cannot split a second, so a capped answer pages on without dropping or
    repeating rows."""
    ordered = queryset.filter(**{f"{time_field}__gte": since, f"{time_field}__lt": end}).order_by(
        time_field, "pk"
    )
    rows = list(ordered[: limit + 1])
    if len(rows) <= limit:
        return rows, unix(end)
    last = getattr(rows[limit - 1], time_field).replace(microsecond=0)
    cut = last + timedelta(seconds=1)
    rows = list(ordered.filter(**{f"{time_field}__lt": cut}))
    return rows, unix(cut)
