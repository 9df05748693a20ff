"""Radio stations, their check results, and what listeners did with them.

Station fields follow radio-browser's data model (https://api.radio-browser.info/), so its
JSON exports import without loss: `uuid` is radio-browser's `stationuuid`, `tags` and
`language_codes` are comma-separated text as there. Browsing by tag or language reads
`StationFacet`, the same values one per row, so those pages use an index.
"""

from __future__ import annotations

import hashlib
import uuid as uuid_lib
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from airwaves.lib.slugs import unique_slug

# Path segments under /radio/ that are pages, never station slugs.
RESERVED_SLUGS = frozenset(
    {
        "country",
        "language",
        "tag",
        "codec",
        "favourites",
        "top-voted",
        "most-listened",
        "recently-changed",
        "import",
    }
)
MAX_TAG_LENGTH = 100


def normalize_stream_url(url: str) -> str:
    """The form two spellings of one stream URL share: scheme and host lower-cased,
    default port and fragment dropped. Path and query are kept as given (they are
    case-sensitive on most servers)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def split_list(text: str, *, lower: bool = True) -> list[str]:
    """ "Rock, Pop,,rock " -> ["rock", "pop"]: radio-browser's comma-separated lists,
    trimmed, de-duplicated, order kept."""
    values = []
    for raw in text.split(","):
        value = " ".join(raw.split())
        if lower:
            value = value.lower()
        if value and value not in values:
            values.append(value[:MAX_TAG_LENGTH])
    return values


class Station(models.Model):
    # radio-browser's stationuuid when imported from there; generated otherwise.
    uuid = models.UUIDField(unique=True, default=uuid_lib.uuid4, editable=False)
    # Made from the name when the station is added and never changed after, so the
    # page keeps its address when the name is edited.
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=400)
    url = models.URLField("stream URL", max_length=2048, help_text="As entered or imported")
    url_resolved = models.URLField(
        "resolved stream URL",
        max_length=2048,
        blank=True,
        help_text="The audio stream itself, after playlists and redirects",
    )
    # Identity for de-duplication: normalize_stream_url() of the resolved URL (or of the
    # entered URL while unresolved). A hash keeps the unique index small for long URLs.
    url_key = models.CharField(max_length=64, unique=True, editable=False)
    homepage = models.URLField(max_length=2048, blank=True)
    favicon = models.URLField(max_length=2048, blank=True)
    tags = models.CharField(max_length=1000, blank=True, help_text="Comma-separated")
    country = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    state = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=300, blank=True, help_text="Comma-separated names")
    language_codes = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated ISO 639 codes"
    )
    codec = models.CharField(max_length=30, blank=True)
    bitrate = models.PositiveIntegerField(null=True, blank=True, help_text="kbit/s")
    hls = models.BooleanField("HLS", default=False)
    https = models.BooleanField("HTTPS", default=False)
    geo_lat = models.FloatField(null=True, blank=True)
    geo_long = models.FloatField(null=True, blank=True)

    # Health, written by checks.check_station.
    last_check_ok = models.BooleanField(null=True, help_text="None until first checked")
    last_check_at = models.DateTimeField(null=True, blank=True)
    last_check_ok_at = models.DateTimeField(null=True, blank=True)
    last_check_error = models.TextField(blank=True)
    check_failures = models.PositiveIntegerField(default=0, help_text="Consecutive failed checks")
    broken = models.BooleanField(
        default=False, help_text="Failed several checks in a row; hidden from listings"
    )
    next_check_at = models.DateTimeField(null=True, blank=True)

    click_count = models.PositiveIntegerField(default=0)
    click_trend = models.IntegerField(default=0, help_text="Clicks today minus yesterday")
    votes = models.PositiveIntegerField(default=0)

    now_playing = models.CharField(max_length=500, blank=True)
    now_playing_at = models.DateTimeField(null=True, blank=True)

    # When the directory entry last changed (radio-browser's lastchangetime), for
    # "recently changed"; not touched by checks, clicks or votes.
    changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The browse lists, which leave broken stations out.
            models.Index(
                fields=["-votes"], condition=models.Q(broken=False), name="station_top_voted"
            ),
            models.Index(
                fields=["-click_count"],
                condition=models.Q(broken=False),
                name="station_most_listened",
            ),
            models.Index(
                fields=["-changed_at"],
                condition=models.Q(broken=False),
                name="station_recently_changed",
            ),
            models.Index(fields=["country_code", "-votes"], name="station_by_country"),
            models.Index(fields=["codec", "-votes"], name="station_by_codec"),
            # check_due_stations(): the stations whose next check is due.
            models.Index(fields=["next_check_at"], name="station_due_checks"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.assign_slug()
        if not self.url_key:
            self.url_key = Station.key_for(self.url_resolved or self.url)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("radio:station", args=[self.slug])

    @staticmethod
    def key_for(url: str) -> str:
        return hashlib.sha256(normalize_stream_url(url).encode()).hexdigest()

    def assign_slug(self) -> None:
        self.slug = unique_slug(
            self.name or "station",
            lambda s: s in RESERVED_SLUGS or Station.objects.filter(slug=s).exists(),
            fallback="station",
        )

    def rekey(self) -> bool:
        """Moves url_key to the current stream URL (after url or url_resolved changed),
        unless another station already has that stream: then the two are duplicates for
        the operator to merge, and this one keeps its key. True if the key moved."""
        key = Station.key_for(self.stream_url)
        if key == self.url_key:
            return False
        try:
            with transaction.atomic():
                Station.objects.filter(pk=self.pk).update(url_key=key)
        except IntegrityError:
            return False
        self.url_key = key
        return True

    @property
    def tag_list(self) -> list[str]:
        return split_list(self.tags)

    @property
    def language_code_list(self) -> list[str]:
        return split_list(self.language_codes)

    @property
    def language_list(self) -> list[str]:
        return split_list(self.language, lower=False)

    @property
    def stream_url(self) -> str:
        return self.url_resolved or self.url

    @property
    def needs_proxy(self) -> bool:
        """Plain-http streams play through /radio/<slug>/stream: a page served over
        https may not load http audio. HLS is played directly (a playlist of segments
        cannot be passed through as one stream)."""
        return not self.hls and not self.stream_url.lower().startswith("https://")

    def sync_facets(self) -> None:
        """Rewrites this station's StationFacet rows from `tags` and `language_codes`."""
        wanted = {(StationFacet.Kind.TAG, tag) for tag in self.tag_list}
        wanted |= {(StationFacet.Kind.LANGUAGE, code) for code in self.language_code_list}
        existing = {(f.kind, f.value): f.pk for f in self.facets.all()}
        stale = [pk for key, pk in existing.items() if key not in wanted]
        if stale:
            StationFacet.objects.filter(pk__in=stale).delete()
        StationFacet.objects.bulk_create(
            [
                StationFacet(station=self, kind=kind, value=value)
                for kind, value in sorted(wanted - existing.keys())
            ]
        )


class StationFacet(models.Model):
    """One tag or language code of a station, for browse pages (kept in step with
    Station.tags / Station.language_codes by Station.sync_facets)."""

    class Kind(models.TextChoices):
        TAG = "tag", "Tag"
        LANGUAGE = "language", "Language code"

    station = models.ForeignKey(Station, models.CASCADE, related_name="facets")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=MAX_TAG_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["station", "kind", "value"], name="station_facet_unique"
            ),
        ]
        indexes = [
            # /radio/tag/<tag>/ and /radio/language/<code>/, and tag counts.
            models.Index(fields=["kind", "value", "station"], name="station_facet_browse"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class StationClick(models.Model):
    """A listener started a station. One row per client per station per day, so a
    client counts once a day however often it presses play."""

    station = models.ForeignKey(Station, models.CASCADE, related_name="clicks")
    # HMAC of the client address and the day (see radio.clients): counts distinct
    # clients without storing their addresses.
    client_key = models.CharField(max_length=64)
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["station", "client_key", "day"], name="station_click_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["station", "day"], name="station_click_by_day")]

    def __str__(self) -> str:
        return f"click on {self.station_id} on {self.day}"


class StationVote(models.Model):
    """A vote for a station; one per client per station per day, like clicks."""

    station = models.ForeignKey(Station, models.CASCADE, related_name="vote_rows")
    client_key = models.CharField(max_length=64)
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["station", "client_key", "day"], name="station_vote_once_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"vote for {self.station_id} on {self.day}"


class StationFavourite(models.Model):
    """A station a listener hearted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="favourite_stations"
    )
    station = models.ForeignKey(Station, models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "station"], name="station_favourite_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="station_favourite_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.station}"
