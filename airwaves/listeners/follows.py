"""Following shows, and importing or exporting follows as OPML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from airwaves.listeners.models import Follow
from airwaves.listeners.opml import ExportFeed, OpmlDocument, Problem, write_opml
from airwaves.podcasts.feeds import InvalidFeedURL, find_or_create_feed
from airwaves.podcasts.models import Podcast


@dataclass(frozen=True, slots=True)
class ImportedFeed:
    podcast: Podcast
    title: str  # the outline's title: a show new to the directory has none of its own yet
    line: int
    new_to_directory: bool

    @property
    def name(self) -> str:
        return self.podcast.title or self.title or self.podcast.feed_url


@dataclass
class ImportReport:
    followed: list[ImportedFeed] = field(default_factory=list)  # followed now
    already: list[ImportedFeed] = field(default_factory=list)  # followed before
    invalid: list[Problem] = field(default_factory=list)

    @property
    def new_to_directory(self) -> int:
        return sum(1 for item in self.followed if item.new_to_directory)


def import_follows(
    user, document: OpmlDocument, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Follows every feed in `document`. Feeds the directory does not know are added
    and left for the crawler to fetch. Running it again with the same file changes
    nothing. `progress(done, total)` is called after each feed."""
    report = ImportReport(invalid=list(document.problems))
    already_following = set(Follow.objects.filter(user=user).values_list("podcast_id", flat=True))
    seen: set[int] = set()
    total = len(document.feeds)
    for done, outline in enumerate(document.feeds, start=1):
        try:
            podcast, created = find_or_create_feed(outline.url)
        except InvalidFeedURL as error:
            report.invalid.append(Problem(outline.line, str(error), outline.title))
        else:
            if podcast.pk not in seen:
                seen.add(podcast.pk)
                item = ImportedFeed(podcast, outline.title, outline.line, created)
                if podcast.pk in already_following:
                    report.already.append(item)
                else:
                    Follow.objects.get_or_create(user=user, podcast=podcast)
                    report.followed.append(item)
        if progress:
            progress(done, total)
    report.invalid.sort(key=lambda problem: problem.line)
    return report


def export_follows(user) -> bytes:
    follows = (
        Follow.objects.filter(user=user)
        .select_related("podcast")
        .order_by("podcast__title", "podcast__feed_url")
    )
    feeds = [ExportFeed(f.podcast.title, f.podcast.feed_url, f.podcast.link) for f in follows]
    return write_opml(f"{user.get_username()}'s podcasts", feeds, timezone.now())


def toggle_follow(user, podcast: Podcast) -> bool:
    """Follows or unfollows; returns whether the user now follows the show."""
    deleted, _ = Follow.objects.filter(user=user, podcast=podcast).delete()
    if deleted:
        return False
    Follow.objects.get_or_create(user=user, podcast=podcast)
    return True
