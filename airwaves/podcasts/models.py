from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from django.db import models
from django.urls import reverse
from django.utils import timezone

from airwaves.lib.slugs import slugify, unique_slug

# Paths under /podcasts/ that are pages of their own, never a show's slug.
RESERVED_SLUGS = frozenset({"new", "updated", "trending", "page", "feed", "search", "categories"})

# A show is listed (linked from the directory's pages) once fetched and titled, and
# while it is not merged into another feed. Triggers (migration 0004) count listed
# shows with the same condition; the partial indexes below cover exactly these rows.
LISTED = ~models.Q(title="") & models.Q(moved_to=None)


def feed_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "")[:255]
    except ValueError:
        return ""


class Category(models.Model):
    """An iTunes-style category; children point at their parent ("Technology > Tech News")."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children"
    )
    # One of the Apple Podcasts categories (podcasts/categories.py), which the pages
    # are built on; other names feeds use are kept but not linked.
    in_tree = models.BooleanField(default=False, db_default=False)
    # Shows in this category or one of its subcategories, each counted once; kept by
    # triggers on the show-category table (migration 0004), never recounted by a page.
    show_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["name"]
        indexes = [
            # The home page's biggest categories.
            models.Index(
                fields=["-show_count", "name"],
                condition=models.Q(in_tree=True, parent=None),
                name="category_top_by_shows",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="category_unique_name_per_parent"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(parent=None),
                name="category_unique_top_level_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} > {self.name}" if self.parent_id else self.name

    def save(self, *args, **kwargs):
        from airwaves.podcasts.categories import is_tree_name

        # Categories the crawler makes from feeds' names are pages of the directory
        # when they are spelt as in Apple's tree.
        if is_tree_name(self.name, self.parent.name if self.parent_id else None):
            self.in_tree = True
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("category", args=[self.slug])


class Podcast(models.Model):
    """A show, and the health of its feed (one row per feed URL)."""

    class Source(models.TextChoices):
        FEED = "feed", "Crawled feed"
        DEMO = "demo", "Bundled demo content (never crawled)"

    class FetchStatus(models.TextChoices):
        NEW = "new", "Not fetched yet"
        OK = "ok", "OK"
        NOT_MODIFIED = "not_modified", "Not modified"
        ERROR = "error", "Error"

    slug = models.SlugField(max_length=120, unique=True)
    feed_url = models.URLField(max_length=2048, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FEED)

    title = models.CharField(max_length=500, blank=True)
    link = models.URLField(max_length=2048, blank=True)
    description = models.TextField(blank=True, help_text="Sanitized HTML")
    summary = models.TextField(blank=True, help_text="Plain-text summary")
    author = models.CharField(max_length=500, blank=True)
    owner_name = models.CharField(max_length=500, blank=True)
    owner_email = models.CharField(max_length=500, blank=True)
    image_url = models.URLField(max_length=2048, blank=True)
    language = models.CharField(max_length=35, blank=True)
    # iTunes' show fields (Google Play's when only those are given): "episodic"/"serial",
    # the publisher's requests not to be listed and that no more episodes will come.
    itunes_type = models.CharField(max_length=10, blank=True)
    block = models.BooleanField(null=True)
    itunes_complete = models.BooleanField(null=True)
    keywords = models.JSONField(default=list, db_default=[], blank=True)
    explicit = models.BooleanField(null=True)
    copyright = models.CharField(max_length=500, blank=True)
    podcast_guid = models.CharField(max_length=100, blank=True)
    # Podcasting 2.0 tags as parsed (crawler/p20_tags.py), for display only: nothing
    # queries them, so one JSON column instead of a table each (people: people_models).
    p20 = models.JSONField(default=dict, db_default={}, blank=True)
    category = models.ForeignKey(Category, models.SET_NULL, null=True, blank=True, related_name="+")
    categories = models.ManyToManyField(Category, blank=True, related_name="podcasts")

    # Crawl state. `host` is denormalized from feed_url so the scheduler can limit
    # how many feeds of one host are refreshed at once.
    host = models.CharField(max_length=255, blank=True, db_index=True)
    # Set while a refresh runs (a lease: a crashed refresh frees it when it passes).
    claimed_until = models.DateTimeField(null=True, blank=True)
    # The feed's own cadence (episode intervals, <ttl>, sy:updatePeriod), in seconds,
    # learnt at the last parse so a 304 can be scheduled without parsing.
    feed_interval = models.PositiveIntegerField(null=True, blank=True)
    first_error_at = models.DateTimeField(null=True, blank=True)
    # Failing for so long that it is only re-checked rarely; the operator can revive it.
    dead = models.BooleanField(default=False)
    # This feed announced a move to a feed already in the directory and was merged into it.
    # Not indexed as a whole: SQLite without statistics takes "moved_to IS NULL" for a
    # selective condition and would read every listed show through that index instead
    # of the directory's partial indexes. Merged shows are few: they get their own.
    moved_to = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_from",
        db_index=False,
    )

    # Feed health, shown to the operator in the admin.
    fetch_status = models.CharField(
        max_length=20, choices=FetchStatus.choices, default=FetchStatus.NEW
    )
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    # Digest of the channel as last parsed (everything but the items): when it is the
    # same, a refresh leaves the show's details and categories alone.
    channel_hash = models.CharField(max_length=32, blank=True)

    # Kept by triggers on the episode table (migration 0004), whatever writes the
    # episodes, so no page counts a show's episodes or looks for its newest one.
    episode_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # The newest publish date among its episodes, ignoring dates in the future.
    latest_episode_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Hearts and plays of its episodes in the last TRENDING_DAYS days (ShowActivity).
    trending_score = models.IntegerField(default=0, db_default=0, editable=False)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # /podcasts/new/ and the like are pages, whatever wrote the show's row.
            models.CheckConstraint(
                condition=~models.Q(slug__in=sorted(RESERVED_SLUGS)),
                name="podcast_slug_not_reserved",
            ),
        ]
        indexes = [
            # The directory's orderings, over listed shows only: the show index (by
            # title), new shows, recently updated shows, trending shows.
            models.Index(fields=["title", "id"], condition=LISTED, name="podcast_listed_title"),
            models.Index(
                fields=["-created_at", "-id"], condition=LISTED, name="podcast_listed_new"
            ),
            models.Index(
                fields=["-latest_episode_at", "-id"],
                condition=LISTED & models.Q(latest_episode_at__isnull=False),
                name="podcast_listed_updated",
            ),
            models.Index(
                fields=["-trending_score", "-id"],
                condition=LISTED & models.Q(trending_score__gt=0),
                name="podcast_listed_trending",
            ),
            models.Index(
                fields=["moved_to"],
                condition=models.Q(moved_to__isnull=False),
                name="podcast_merged",
            ),
            # The scheduler's "which feeds are due" query (crawler/claims.py); dead
            # feeds stay in it with a next check far ahead.
            models.Index(
                fields=["next_check_at"],
                condition=models.Q(source="feed", moved_to=None),
                name="podcast_due_feeds",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.feed_url

    def save(self, *args, **kwargs):
        self.host = feed_host(self.feed_url)
        if "update_fields" in kwargs and "feed_url" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "host"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("podcast", args=[self.slug])

    @staticmethod
    def placeholder_slug(feed_url: str) -> str:
        """A unique slug for a feed not fetched yet; replaced by one made from the
        title on the first successful fetch."""
        return "feed-" + hashlib.sha256(feed_url.encode()).hexdigest()[:16]

    def assign_slug(self) -> None:
        def taken(slug: str) -> bool:
            return (
                slug in RESERVED_SLUGS
                or Podcast.objects.filter(slug=slug).exclude(pk=self.pk).exists()
            )

        base = slugify(self.title or "podcast") or "podcast"
        if self.pk and self.slug.startswith(base) and taken(self.slug):
            # Another first fetch of a show with the same title took this slug while
            # ours was being saved (store.save_with_unique_slug tries again): many such
            # fetches at once would take -2, -3 ... from each other round after round,
            # so this one takes the slug its id makes, which no other show's can be.
            by_id = f"{base}-{self.pk}"
            if not taken(by_id):
                self.slug = by_id
                return
        self.slug = unique_slug(self.title or "podcast", taken)


class Episode(models.Model):
    podcast = models.ForeignKey(Podcast, models.CASCADE, related_name="episodes")
    # Unique per podcast and never changed once set, so the page keeps its URL
    # when the publisher edits the title. Looked up with its show only, which
    # episode_unique_slug serves: no index of its own.
    slug = models.SlugField(max_length=120, db_index=False)
    # Identity within the feed: the item's GUID, else its enclosure URL, else its link.
    guid = models.CharField(max_length=512)
    # Digest of the item's XML as last read (parse_common.item_digest): a refresh does
    # not read or write items whose XML is unchanged.
    source_hash = models.CharField(max_length=32, blank=True)

    title = models.CharField(max_length=1000)
    link = models.URLField(max_length=2048, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    description = models.TextField(blank=True, help_text="Sanitized HTML show notes")
    summary = models.TextField(blank=True, help_text="Plain-text summary")
    author = models.CharField(max_length=500, blank=True)
    enclosure_url = models.URLField(max_length=2048, blank=True)
    enclosure_type = models.CharField(max_length=100, blank=True)
    enclosure_length = models.BigIntegerField(null=True, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds")
    image_url = models.URLField(max_length=2048, blank=True)
    explicit = models.BooleanField(null=True)
    block = models.BooleanField(null=True)  # itunes:block / googleplay:block
    keywords = models.JSONField(default=list, db_default=[], blank=True)
    season = models.PositiveIntegerField(null=True, blank=True)
    number = models.PositiveIntegerField(null=True, blank=True)
    episode_type = models.CharField(max_length=20, blank=True)
    # Podcasting 2.0 tags as parsed, for display only (see Podcast.p20).
    p20 = models.JSONField(default=dict, db_default={}, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["podcast", "guid"], name="episode_unique_guid"),
            models.UniqueConstraint(fields=["podcast", "slug"], name="episode_unique_slug"),
        ]
        # A show's episode list, newest first with undated episodes last, has an index
        # of its own made in migration 0004 (episode_show_newest): PostgreSQL needs
        # NULLS LAST in it, which SQLite's CREATE INDEX does not accept.
        indexes = [
            # "Latest episodes" on the home page.
            models.Index(fields=["-published_at"], name="episode_latest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("episode", args=[self.podcast.slug, self.slug])

    @property
    def has_audio(self) -> bool:
        return bool(self.enclosure_url)

    @property
    def artwork_url(self) -> str:
        return self.image_url or self.podcast.image_url


TRENDING_DAYS = 7
# Rows the count of listed shows is spread over (triggers.py says why).
LISTED_SHARDS = 16


class ShowActivity(models.Model):
    """Hearts and plays of a show's episodes on one day (UTC): what Podcast.trending_score
    adds up. Written by triggers on the favourites and episode-action tables; days that
    leave the window are subtracted and deleted by trending.expire()."""

    podcast = models.ForeignKey(Podcast, models.CASCADE, related_name="+")
    day = models.DateField()
    score = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["podcast", "day"], name="show_activity_unique_day"),
        ]
        indexes = [models.Index(fields=["day"], name="show_activity_by_day")]

    def __str__(self) -> str:
        return f"{self.podcast_id} on {self.day}: {self.score}"


class Total(models.Model):
    """A number kept in the database: `listed_shows/0` to `/15`, kept up to date by
    triggers so that no page counts the catalogue (their sum is listed_shows());
    `trending_day`, the last day trending.expire ran for (an ordinal)."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"

    @staticmethod
    def get(name: str) -> int:
        return Total.objects.filter(name=name).values_list("value", flat=True).first() or 0

    @staticmethod
    def listed_shows() -> int:
        """Shows in the directory: the sum of the LISTED_SHARDS rows kept by triggers."""
        shards = Total.objects.filter(name__startswith="listed_shows/")
        return shards.aggregate(total=models.Sum("value"))["total"] or 0


class EpisodeFile(models.Model):
    """A chapters or transcript file an episode's feed item points at (podcast:chapters,
    podcast:transcript), and what fetching it in the background gave (podcasts/extras.py).

    Kept current by refreshes (crawler/store.py → extras.sync_episode_media): a URL the
    item no longer lists goes, with what was read from it. Of an episode's transcripts
    one is fetched, the best format (`rank`, media_files.TRANSCRIPT_RANK); the others
    wait as spares and the next one is tried when the chosen one is refused. Why a file
    could not be used is kept in `last_error`, for the operator; the page shows what was
    read, or nothing."""

    class Kind(models.TextChoices):
        CHAPTERS = "chapters", "Chapters"
        TRANSCRIPT = "transcript", "Transcript"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be fetched"
        SPARE = "spare", "Not fetched: another format is preferred"
        OK = "ok", "Fetched and read"
        FAILED = "failed", "Could not be fetched (will try again)"
        REFUSED = "refused", "Refused (too big, not the promised format, a private address)"

    episode = models.ForeignKey(Episode, models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url = models.URLField(max_length=2048)
    type = models.CharField(max_length=100, blank=True, help_text="As the feed declares it")
    language = models.CharField(max_length=35, blank=True)
    rel = models.CharField(max_length=20, blank=True)
    rank = models.PositiveSmallIntegerField(default=0, help_text="Lower is preferred")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    last_error = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # Transcripts: [[start, end, text], …] (start and end in seconds, or null), and the
    # text alone, for search.
    lines = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)
    # The job's schedule: due when next_fetch_at has passed (None: never, a spare).
    next_fetch_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "kind", "url"], name="episode_file_unique_url"
            ),
        ]
        indexes = [
            # The job's "which files are due" query (extras.take_due_files).
            models.Index(
                fields=["next_fetch_at"],
                condition=models.Q(next_fetch_at__isnull=False),
                name="episode_file_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.url}"


class EpisodeChapter(models.Model):
    """One chapter of an episode: from psc:chapters in the feed (`file` unset) or read
    from its Podcasting 2.0 chapters file. The feed's own chapters are shown when
    there is no file's."""

    episode = models.ForeignKey(Episode, models.CASCADE, related_name="chapters")
    file = models.ForeignKey(EpisodeFile, models.CASCADE, null=True, blank=True, related_name="+")
    position = models.PositiveIntegerField()
    start = models.FloatField(help_text="Seconds")
    end = models.FloatField(null=True, blank=True)
    title = models.CharField(max_length=500, blank=True)
    image_url = models.URLField(max_length=2048, blank=True)
    url = models.URLField(max_length=2048, blank=True)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["episode", "position"], name="episode_chapter_order")]

    def __str__(self) -> str:
        return f"{self.start:g}s {self.title}"


# Registered with the app here; the module says what they are for.
from airwaves.podcasts.people_models import EpisodePerson, Person, PodcastPerson  # noqa: E402, F401
