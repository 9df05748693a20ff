from __future__ import annotations

from django.db import models
from django.utils import timezone


class Artwork(models.Model):
    """One publisher image (a show's or an episode's cover, a station's logo), keyed by
    its URL (keys.artwork_key), and the thumbnails we made of it.

    `status` says what the thumbnail URLs serve: the stored thumbnails (ok) or the
    placeholder (pending, failed, refused). A fetched image whose re-check fails stays
    ok, with the reason in `last_error`: a publisher's bad day loses nothing.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Not fetched yet"
        OK = "ok", "Thumbnails stored"
        FAILED = "failed", "Could not be fetched (will try again)"
        REFUSED = "refused", "Refused (not an image we show)"

    class Fit(models.TextChoices):
        COVER = "cover", "Cover: the centre square (show and episode artwork)"
        CONTAIN = "contain", "Contain: the whole image, padded (station logos)"

    class Source(models.TextChoices):
        FETCHED = "fetched", "Fetched from the publisher"
        LOCAL = "local", "Local file (the demo), never fetched"

    key = models.CharField(max_length=32, unique=True)
    url = models.TextField()
    host = models.CharField(max_length=255, blank=True)
    fit = models.CharField(max_length=10, choices=Fit.choices, default=Fit.COVER)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FETCHED)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    last_error = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)

    # Where the thumbnails are in default_storage: "<stored>/<size>.webp" and ".jpg".
    stored = models.CharField(max_length=200, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the original")
    source_format = models.CharField(max_length=10, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    # The job's schedule: due when next_fetch_at has passed (None: never, a local file).
    next_fetch_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # Set while a job fetches it (a lease: a crashed job frees it when it passes).
    claimed_until = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True, help_text="Last new image stored")
    checked_at = models.DateTimeField(null=True, blank=True, help_text="Last fetch attempt")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The job's "which images are due" query (jobs.due_artwork).
            models.Index(
                fields=["next_fetch_at"],
                condition=models.Q(next_fetch_at__isnull=False),
                name="artwork_due",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def thumbnail_name(self, size: int, fmt: str) -> str:
        return f"{self.stored}/{size}.{fmt}"


class QueuedImageURL(models.Model):
    """An image URL that appeared or changed on a show, episode or station, waiting
    for the job to give it an Artwork row. Filled by database triggers (triggers.py),
    because the crawler writes episodes with plain SQL; the job empties it. Not unique:
    a trigger must never fail the crawler's write, so duplicates are merged when read."""

    url = models.TextField()
    fit = models.CharField(max_length=10, default=Artwork.Fit.COVER)

    class Meta:
        db_table = "artwork_queue"

    def __str__(self) -> str:
        return self.url
