"""The people of Podcasting 2.0's <podcast:person>: one row per person across every show,
and which shows and episodes they appear in (crawler/store_people.py keeps these).

Pages show a show's and an episode's people from the JSON copy on the show or episode
row (`p20`), which costs no query; these tables serve the person page, whose list of
episodes across shows must come from an index, however large the directory.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone


class Person(models.Model):
    """A name as feeds write it, identified by its slug: the same name in two feeds is
    one page (feeds give people no identifier of their own)."""

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    img = models.URLField(max_length=2048, blank=True)
    href = models.URLField(max_length=2048, blank=True)
    # Rows in EpisodePerson for this person, kept by the store as it writes them, so
    # the person page never counts.
    episode_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("person", args=[self.slug])


class EpisodePerson(models.Model):
    person = models.ForeignKey(Person, models.CASCADE, related_name="appearances")
    episode = models.ForeignKey("podcasts.Episode", models.CASCADE, related_name="+")
    role = models.CharField(max_length=100, blank=True)  # "guest", "host, producer"
    group = models.CharField(max_length=50, blank=True)
    # The episode's publish date, undated episodes at the epoch: the person page's
    # order, newest first with undated ones last, read from one index on both databases
    # (a nullable column sorts its NULLs at different ends on SQLite and PostgreSQL).
    sort_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "episode"], name="episode_person_unique_episode"
            ),
        ]
        indexes = [
            # The person page: their episodes, newest first, a page at a time.
            models.Index(fields=["person", "-sort_at", "-id"], name="episode_person_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in episode {self.episode_id}"


class PodcastPerson(models.Model):
    person = models.ForeignKey(Person, models.CASCADE, related_name="shows")
    podcast = models.ForeignKey("podcasts.Podcast", models.CASCADE, related_name="+")
    role = models.CharField(max_length=100, blank=True)
    group = models.CharField(max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["podcast", "person"], name="podcast_person_unique_show"
            ),
        ]
        indexes = [models.Index(fields=["person", "position"], name="podcast_person_shows")]

    def __str__(self) -> str:
        return f"{self.person_id} in show {self.podcast_id}"
