from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# An episode counts as played within this many seconds of its end (outros, ads), or
# within the last tenth of a short one.
FINISHED_MARGIN = 30
FINISHED_FRACTION = 0.9


class Favourite(models.Model):
    """An episode a listener hearted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="favourites")
    episode = models.ForeignKey("podcasts.Episode", models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "episode"], name="favourite_unique"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="favourite_by_user")]

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.episode}"


class Follow(models.Model):
    """A show a listener subscribed to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="follows")
    podcast = models.ForeignKey("podcasts.Podcast", models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "podcast"], name="follow_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.podcast}"


class EpisodeAction(models.Model):
    """One gPodder episode action ("play", "download", "delete", "new").

    The site's player and the gPodder sync API write the same rows, so a position
    saved on the phone is the one the website resumes from and the other way round.
    A `play` action covers one stretch of listening: from `started` to `position`
    (seconds) of an episode `total` seconds long. While the web player plays, it
    moves `position` forward in the same row; the newest row per episode (by
    `timestamp`) is where the listener is now.
    """

    class Action(models.TextChoices):
        NEW = "new", "New"
        DOWNLOAD = "download", "Download"
        PLAY = "play", "Play"
        DELETE = "delete", "Delete"
        FLATTR = "flattr", "Flattr"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="episode_actions"
    )
    # Null when the episode is not (or no longer) in the directory: gPodder names
    # episodes by URL, and the action is kept under the URLs below.
    episode = models.ForeignKey(
        "podcasts.Episode", models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    podcast_url = models.URLField(max_length=2048, help_text="The show's feed URL, as sent")
    episode_url = models.URLField(max_length=2048, help_text="The episode's media URL, as sent")
    # The episode's RSS guid when the app sent it: finds the episode after its media URL
    # changed (tracking redirects, CDN moves).
    guid = models.CharField(max_length=512, blank=True, default="")
    # The gPodder device id the action came from; empty for the website's own player.
    device = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    # When it happened, by the clock of the device that did it.
    timestamp = models.DateTimeField(default=timezone.now)
    started = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds (play only)")
    position = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds (play only)")
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds (play only)")
    # When the server last wrote the row: what gPodder's "since" queries compare. Set by
    # every writer from sync.changes.received_now, not from the clock alone.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # "Where is this listener in these episodes": newest action per episode.
            models.Index(fields=["user", "episode", "-timestamp"], name="action_by_user_episode"),
            # History pages, and gPodder's "actions since" for a device.
            models.Index(fields=["user", "-timestamp"], name="action_by_user_time"),
            models.Index(fields=["user", "updated_at"], name="action_by_user_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(action="play") | models.Q(position__isnull=False),
                name="action_play_has_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.episode_url}"

    @property
    def finished(self) -> bool:
        return is_finished(self.position, self.total)


def is_finished(position: int | None, total: int | None) -> bool:
    if not total or position is None:
        return False
    return position >= total - FINISHED_MARGIN and position >= total * FINISHED_FRACTION


class Attempt(models.Model):
    """One use of a rate-limited action (listeners/ratelimit.py): a failed log-in,
    counted against the username from that client address, the username and the address;
    an account created from a client address; a password-reset e-mail asked for from an
    address and to an e-mail address; a feed an account's OPML import added to the
    directory.

    Kept in the database, not in a per-process cache, so the limits hold however many
    server processes share it. A row is written before the action happens (a
    reservation), and rows older than their window are deleted when new ones are.
    """

    class Action(models.TextChoices):
        LOGIN_PAIR = "pair", "Failed log-in for a username from an address"
        LOGIN_USERNAME = "username", "Failed log-in for a username"
        LOGIN_ADDRESS = "address", "Failed log-in from an address"
        SIGNUP = "signup", "Account created from an address"
        RESET_ADDRESS = "reset", "Password reset asked from an address"
        RESET_EMAIL = "reset-mail", "Password reset sent to an e-mail address"
        OPML_FEED = "opml-feed", "Feed added to the directory by an account's OPML import"

    action = models.CharField(max_length=10, choices=Action.choices)
    key = models.CharField(max_length=255)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["action", "key", "at"], name="attempt_lookup"),
            models.Index(fields=["at"], name="attempt_age"),  # deleting expired rows
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.key} at {self.at:%Y-%m-%d %H:%M:%S}"
