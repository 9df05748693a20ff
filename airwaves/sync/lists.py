"""Per-device subscription lists, the account setting that turns them on, and sync groups.

By default (`SyncAccount.merged_devices`) every device shares the account's list, the
website's follows, and its changes are logged with no `list_device`. With the setting
off, each device has a list of its own (`DeviceSubscription`), as on gpodder.net, and
its changes are logged under it; devices in one sync group share a list. The website
stays the one truth for what the site shows:

- the account's list (the website's follows) is the union of every device's list,
  the website's own device (`airwaves-website`) included, and its log of changes is
  kept in both settings;
- a follow or unfollow on the website reaches every device's list;
- a device that drops a podcast drops it from its group's list, and from the website
  only when no other device's list (the website's included) still holds it.

Switching the setting loses nothing, step by step:

1. Off (split): every device's list starts as the account's list, and the account
   keeps the last account-list change made before (`split_after`): a device asking
   `since` a time before the split gets the account list's changes up to it, then its
   own list's.
2. On (merged): the website already follows the union of the lists; every podcast it
   follows is logged again as added, so a device whose own list was shorter gets the
   rest on its next sync, and the per-device lists and their logs are dropped.

Every write here holds the user's sync lock and stamps rows with `received_now`
(changes.py), so `since` stays exact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q

from airwaves.listeners.models import Follow
from airwaves.sync.auth import BadInput
from airwaves.sync.changes import received_now
from airwaves.sync.devices import MAX_DEVICES, check_device_id, website_device
from airwaves.sync.models import (
    WEBSITE_DEVICE,
    Device,
    DeviceSubscription,
    SubscriptionChange,
    SyncAccount,
)

ADD, REMOVE = SubscriptionChange.Action.ADD, SubscriptionChange.Action.REMOVE


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def split_account(user) -> SyncAccount | None:
    """The account's sync row when it has per-device lists; None when they are merged."""
    return SyncAccount.objects.filter(user=user, merged_devices=False).first()


def is_merged(user) -> bool:
    return split_account(user) is None


def group_of(device: Device) -> list[Device]:
    """The devices sharing `device`'s list: its sync group, or itself alone."""
    if device.sync_group is None:
        return [device]
    return list(
        Device.objects.filter(user_id=device.user_id, sync_group=device.sync_group).order_by("pk")
    )


def device_urls(device: Device) -> list[str]:
    return list(
        DeviceSubscription.objects.filter(device=device)
        .order_by("added_at", "pk")
        .values_list("url", flat=True)
    )


def device_changes(user, device: Device, account: SyncAccount):
    """The log a device with its own list pages through with `since`."""
    return SubscriptionChange.objects.filter(user=user).filter(
        Q(list_device=device) | Q(list_device__isnull=True, pk__lte=account.split_after)
    )


@dataclass(frozen=True, slots=True)
class ListChange:
    url: str
    podcast: object  # a Podcast, or None for a URL the directory does not have
    action: str


def change_lists(user, devices: Iterable[Device], changes: list[ListChange], now, by) -> None:
    """Applies `changes` to each device's own list, inside the caller's transaction
    (which holds the sync lock), logging what changed on each under it; `by` is the
    device that made the change."""
    rows = []
    for device in devices:
        held = set(
            DeviceSubscription.objects.filter(device=device).values_list("url_key", flat=True)
        )
        adding, removing = [], []
        for change in changes:
            key = url_key(change.url)
            if change.action == ADD and key not in held:
                held.add(key)
                adding.append(
                    DeviceSubscription(
                        device=device,
                        podcast=change.podcast,
                        url=change.url,
                        url_key=key,
                        added_at=now,
                    )
                )
            elif change.action == REMOVE and key in held:
                held.discard(key)
                removing.append(key)
            else:
                continue
            rows.append(
                SubscriptionChange(
                    user=user,
                    device=by,
                    list_device=device,
                    podcast=change.podcast,
                    url=change.url,
                    action=change.action,
                    received_at=now,
                )
            )
        DeviceSubscription.objects.filter(device=device, url_key__in=removing).delete()
        DeviceSubscription.objects.bulk_create(adding, ignore_conflicts=True)
    SubscriptionChange.objects.bulk_create(rows)


def held_by_any(user, urls: Iterable[str]) -> set[str]:
    """Which of these URLs some device of the user (the website's included) still holds."""
    keys = {url_key(url): url for url in urls}
    found = DeviceSubscription.objects.filter(
        device__user=user, url_key__in=list(keys)
    ).values_list("url_key", flat=True)
    return {keys[key] for key in found}


def website_changed(user, podcast, followed: bool, now) -> None:
    """A follow or unfollow made on the website, inside its transaction: every device's
    own list gets it, when the account has per-device lists."""
    if is_merged(user):
        return
    devices = list(Device.objects.filter(user=user).order_by("pk"))
    change = ListChange(podcast.feed_url, podcast, ADD if followed else REMOVE)
    change_lists(user, devices, [change], now, website_device(user))


def set_merged(user, merged: bool) -> None:
    """Turns the setting on or off (see the module's docstring); doing it twice is a no-op."""
    website = website_device(user)
    with transaction.atomic():
        now = received_now(user)
        account, _ = SyncAccount.objects.select_for_update().get_or_create(user=user)
        if account.merged_devices == merged:
            return
        devices = Device.objects.filter(user=user)
        if merged:
            following = Follow.objects.filter(user=user).select_related("podcast")
            SubscriptionChange.objects.bulk_create(
                SubscriptionChange(
                    user=user,
                    device=website,
                    podcast=f.podcast,
                    url=f.podcast.feed_url,
                    action=ADD,
                    received_at=now,
                )
                for f in following.order_by("created_at", "pk")
            )
            DeviceSubscription.objects.filter(device__user=user).delete()
            SubscriptionChange.objects.filter(user=user, list_device__isnull=False).delete()
            account.split_after = 0
        else:
            latest = SubscriptionChange.objects.filter(user=user).aggregate(pk=Max("pk"))["pk"]
            account.split_after = latest or 0
            podcasts = [
                f.podcast
                for f in Follow.objects.filter(user=user)
                .select_related("podcast")
                .order_by("created_at", "pk")
            ]
            DeviceSubscription.objects.bulk_create(
                DeviceSubscription(
                    device=device, podcast=p, url=p.feed_url, url_key=url_key(p.feed_url)
                )
                for device in devices
                for p in podcasts
            )
        devices.update(sync_group=None)
        account.merged_devices = merged
        account.save(update_fields=["merged_devices", "split_after"])


@dataclass
class GroupRequest:
    synchronize: list[list[str]]
    stop: list[str]


def parse_groups(data) -> GroupRequest:
    """Checks a {"synchronize": [[ids]], "stop-synchronize": [ids]} document."""
    shape = 'Send a JSON object: {"synchronize": [["phone", "laptop"]], "stop-synchronize": []}.'
    if not isinstance(data, dict):
        raise BadInput(shape)
    unknown = sorted(set(data) - {"synchronize", "stop-synchronize"})
    if unknown:
        raise BadInput(f"Unknown key {unknown[0][:40]!r}: {shape}")
    groups = data.get("synchronize") or []
    stop = data.get("stop-synchronize") or []
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and all(isinstance(uid, str) for uid in g) for g in groups
    ):
        raise BadInput("'synchronize' must be a list of lists of device ids.")
    if not isinstance(stop, list) or not all(isinstance(uid, str) for uid in stop):
        raise BadInput("'stop-synchronize' must be a list of device ids.")
    named = [uid for g in groups for uid in g] + stop
    if len(named) > MAX_DEVICES:
        raise BadInput(f"Name at most {MAX_DEVICES} devices in one request.")
    for uid in named:
        check_device_id(uid)
    both = {uid for g in groups for uid in g} & set(stop)
    if both:
        raise BadInput(f"{sorted(both)[0]!r} cannot both start and stop synchronising.")
    return GroupRequest(groups, stop)


def change_groups(user, request: GroupRequest) -> None:
    """Joins each `synchronize` group (with the groups its devices are in already) into
    one, whose devices all get the union of their lists; takes the `stop-synchronize`
    devices out of their groups, each keeping its list. Every device must exist: a
    BadInput names the first that does not, and nothing changes."""
    with transaction.atomic():
        now = received_now(user)
        devices = {
            d.uid: d for d in Device.objects.select_for_update().filter(user=user).order_by("pk")
        }
        for uid in [uid for g in request.synchronize for uid in g] + request.stop:
            if uid not in devices:
                raise BadInput(
                    f"There is no device {uid!r} on this account: an app makes its device "
                    "when it first syncs."
                )
        for uid in request.stop:
            device = devices[uid]
            group = device.sync_group
            if group is None:
                continue
            device.sync_group = None
            device.save(update_fields=["sync_group"])
            left = [d for d in devices.values() if d.sync_group == group]
            if len(left) == 1:
                left[0].sync_group = None
                left[0].save(update_fields=["sync_group"])
        for uids in request.synchronize:
            named = {devices[uid] for uid in uids}
            groups = {d.sync_group for d in named} - {None}
            members = named | {d for d in devices.values() if d.sync_group in groups}
            if len(members) < 2:
                continue
            number = min(d.pk for d in members)
            for device in members:
                device.sync_group = number
            Device.objects.filter(pk__in=[d.pk for d in members]).update(sync_group=number)
            union: dict[str, ListChange] = {}
            held = DeviceSubscription.objects.filter(device__in=members).select_related("podcast")
            for row in held.order_by("added_at", "pk"):
                union.setdefault(row.url_key, ListChange(row.url, row.podcast, ADD))
            ordered = sorted(members, key=lambda d: d.pk)
            change_lists(user, ordered, list(union.values()), now, None)


def group_answer(user) -> dict:
    """gpodder.net's sync-devices answer: the groups, and the devices in none."""
    devices = list(Device.objects.filter(user=user).exclude(uid=WEBSITE_DEVICE).order_by("pk"))
    if is_merged(user):
        uids = [d.uid for d in devices]
        if len(uids) > 1:
            return {"synchronized": [uids], "not-synchronized": []}
        return {"synchronized": [], "not-synchronized": uids}
    groups: dict[int | None, list[str]] = {}
    for device in devices:
        groups.setdefault(device.sync_group, []).append(device.uid)
    # A group whose other devices were removed is a device alone.
    alone = {d.uid for d in devices if d.sync_group is None or len(groups[d.sync_group]) < 2}
    return {
        "synchronized": [uids for n, uids in groups.items() if n is not None and len(uids) > 1],
        "not-synchronized": [d.uid for d in devices if d.uid in alone],
    }
