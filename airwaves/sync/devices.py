"""Devices: created by whatever first names them, as gpodder.net does."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from airwaves.sync.auth import BadInput
from airwaves.sync.models import DEVICE_ID, WEBSITE_DEVICE, Device

MAX_DEVICES = 100


def check_device_id(uid: str, *, website_allowed: bool = False) -> str:
    if not DEVICE_ID.fullmatch(uid):
        raise BadInput(
            f"{uid[:80]!r} is not a device id: use 1 to 64 letters, digits, dots, "
            "dashes or underscores (for example: phone-1)."
        )
    if uid == WEBSITE_DEVICE and not website_allowed:
        raise BadInput(f"The device id {WEBSITE_DEVICE!r} is the website's own; choose another.")
    return uid


def device_for(user, uid: str, **defaults) -> Device:
    """The user's device with this id, created if new (or BadInput past MAX_DEVICES)."""
    device = Device.objects.filter(user=user, uid=uid).first()
    if device is not None:
        return device
    if Device.objects.filter(user=user).count() >= MAX_DEVICES:
        raise BadInput(
            f"An account may have at most {MAX_DEVICES} devices; "
            "remove one in the account settings first."
        )
    try:
        with transaction.atomic():
            return Device.objects.create(user=user, uid=uid, **defaults)
    except IntegrityError:
        # Two requests named the new device at once.
        return Device.objects.get(user=user, uid=uid)


def website_device(user) -> Device:
    return device_for(user, WEBSITE_DEVICE, caption="Website", kind=Device.Kind.SERVER)


def touch(device: Device) -> None:
    now = timezone.now()
    Device.objects.filter(pk=device.pk).update(last_sync_at=now)
    device.last_sync_at = now


def touch_all(user, uids, now) -> None:
    """Marks these devices of `user` as synced at `now`, making the ones that are new:
    one UPDATE for each device the account has already (the usual case)."""
    for uid in sorted(uids):
        if not Device.objects.filter(user=user, uid=uid).update(last_sync_at=now):
            device = device_for(user, uid)
            Device.objects.filter(pk=device.pk).update(last_sync_at=now)
