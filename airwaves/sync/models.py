"""What sync keeps beyond the website's own records.

Subscriptions are the website's follows (listeners.Follow), play positions and other
episode actions are listeners.EpisodeAction, whoever wrote them. Sync adds the devices
listeners sync from, the log of subscription changes that devices download (`since`),
app passwords, and pending Nextcloud log-ins.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils import timezone

# gpodder.net's device ids: letters, digits, dot, dash and underscore.
DEVICE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The device the website's own follows, unfollows and positions are recorded under, so
# phones see them like any other device's changes. Apps cannot upload as it.
WEBSITE_DEVICE = "airwaves-website"


class Device(models.Model):
    """A podcast app a listener syncs, named by the id the app chose."""

    class Kind(models.TextChoices):
        DESKTOP = "desktop", "Desktop"
        LAPTOP = "laptop", "Laptop"
        MOBILE = "mobile", "Mobile"
        SERVER = "server", "Server"
        OTHER = "other", "Other"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="devices")
    uid = models.CharField(max_length=64)
    caption = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    created_at = models.DateTimeField(default=timezone.now)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    # With per-device lists (SyncAccount.merged_devices off): devices with the same
    # number share one list (a gpodder.net sync group); null, a list of its own.
    sync_group = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "uid"], name="device_unique_uid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.uid}"


class SubscriptionChange(models.Model):
    """One subscribe or unsubscribe, from a device or the website, in the order the
    server received them: a device asking for changes `since` a time gets every change
    the server received after it, whatever the sending device's clock said."""

    class Action(models.TextChoices):
        ADD = "add", "Subscribed"
        REMOVE = "remove", "Unsubscribed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="subscription_changes"
    )
    # Null once the device is removed: the change still counts for the others.
    device = models.ForeignKey(Device, models.SET_NULL, null=True, blank=True, related_name="+")
    # Whose list it changes: null for the account's list (the website's follows, which
    # every device shares while the lists are merged); a device for its own list, kept
    # only while the account has per-device lists (lists.py).
    list_device = models.ForeignKey(
        Device, models.CASCADE, null=True, blank=True, related_name="list_changes"
    )
    podcast = models.ForeignKey(
        "podcasts.Podcast", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    url = models.CharField(max_length=2048)
    action = models.CharField(max_length=6, choices=Action.choices)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # "Changes since": one user's, in the order received.
            models.Index(fields=["user", "received_at"], name="subchange_by_user_received"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.url}"


class AppPassword(models.Model):
    """A password for one app, made in the account settings and shown once; it works
    where the account password does for sync (HTTP Basic) and can be revoked alone.

    Only a SHA-256 digest is kept: the password is 32 random bytes, which no dictionary
    holds, so a slow hash would add cost to every request and no safety."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="app_passwords")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.name}"


class LoginFlow(models.Model):
    """A Nextcloud Login Flow v2 sign-in: the app polls with `poll_digest`'s token while
    the listener confirms in the browser with `login_token`; the app password made then
    is handed to the first poll after, once."""

    poll_digest = models.CharField(max_length=64, unique=True)
    login_token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True)
    app_name = models.CharField(max_length=100, blank=True)
    # The password itself until the app has fetched it; never stored after.
    app_password = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="loginflow_age")]

    def __str__(self) -> str:
        return f"login flow {self.pk}"


class SyncAccount(models.Model):
    """A listener's sync choices. Without a row, the defaults hold: no secret sync
    address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="sync_account"
    )
    # The secret sync address's token (as a SHA-256 digest), for apps such as gPodder
    # desktop that can be set up without a password: the token is the user name.
    # Empty: turned off, the default.
    token_digest = models.CharField(max_length=64, blank=True, db_index=True)
    token_created_at = models.DateTimeField(null=True, blank=True)
    # The `since` last handed to a device: rows written after are stamped no earlier
    # (changes.py), so the next answer has them.
    answered_until = models.DateTimeField(null=True, blank=True)
    # On (the default): every device shares the account's list, the website's follows.
    # Off: each device (or sync group) has its own list (lists.py).
    merged_devices = models.BooleanField(default=True)
    # With per-device lists: the last account-list change (SubscriptionChange pk) made
    # before they were split; a device's changes until then are the account list's.
    split_after = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"sync settings of {self.user}"


class DeviceSubscription(models.Model):
    """A podcast on one device's own list, while the account has per-device lists."""

    device = models.ForeignKey(Device, models.CASCADE, related_name="subscriptions")
    podcast = models.ForeignKey(
        "podcasts.Podcast", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    url = models.CharField(max_length=2048)
    # SHA-256 of `url`: URLs are too long for a unique index on PostgreSQL.
    url_key = models.CharField(max_length=64)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "url_key"], name="devicesub_unique_url"),
        ]

    def __str__(self) -> str:
        return f"{self.device} {self.url}"


class SyncSetting(models.Model):
    """Settings apps store through the gPodder settings API, per account, device,
    podcast or episode (`target` names the one), as one JSON object."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", "Account"
        DEVICE = "device", "Device"
        PODCAST = "podcast", "Podcast"
        EPISODE = "episode", "Episode"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    target = models.TextField(blank=True)  # a device id, podcast URL, or both URLs
    # SHA-256 of `target`: URLs are too long for a unique index on PostgreSQL.
    target_key = models.CharField(max_length=64)
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "target_key"], name="sync_setting_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.scope} {self.target}"
