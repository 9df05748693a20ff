"""Following shows, and importing or exporting follows as OPML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from airwaves.listeners import ratelimit
from airwaves.listeners.models import Follow
from airwaves.listeners.opml import ExportFeed, OpmlDocument, Problem, write_opml
from airwaves.podcasts.feeds import InvalidFeedURL, find_or_create_feed, normalize_feed_url
from airwaves.podcasts.models import Podcast
from airwaves.sync.changes import website_followed


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
    # Feeds new to the directory left out: the account's daily number was used up.
    over_limit: list[Problem] = field(default_factory=list)
    limit: int = 0  # that daily number
    retry_after: int = 0  # seconds until more can be added

    @property
    def new_to_directory(self) -> int:
        return sum(1 for item in self.followed if item.new_to_directory)

    @property
    def over_limit_message(self) -> str:
        """Why some feeds were not added, and what to do; empty when none were left out."""
        if not self.over_limit:
            return ""
        n = len(self.over_limit)
        hours = max(1, -(-self.retry_after // 3600))
        return (
            f"{n} feed{'s' if n != 1 else ''} new to the directory "
            f"{'were' if n != 1 else 'was'} not added: an account may add at most "
            f"{self.limit} new feeds a day. Everything else in the file was imported; import "
            f"the same file again in {hours} hour{'s' if hours != 1 else ''} to add "
            f"{'them' if n != 1 else 'it'}."
        )


# Feed URLs looked up in the directory per query.
LOOKUP_BATCH = 500


def import_follows(
    user, document: OpmlDocument, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Follows every feed in `document`. Feeds the directory does not know are added
    and left for the crawler to fetch, at most OPML_NEW_FEEDS_PER_DAY of them per
    account per day (a file can list thousands, each a crawl forever after); the rest
    are reported in `over_limit`. Feeds the directory knows are always followed.
    Running it again with the same file changes nothing, or adds what was left out."""
    report = ImportReport(invalid=list(document.problems), limit=settings.OPML_NEW_FEEDS_PER_DAY)
    already_following = set(Follow.objects.filter(user=user).values_list("podcast_id", flat=True))
    urls: dict[int, str] = {}  # outline index -> normalized URL
    for index, outline in enumerate(document.feeds):
        try:
            urls[index] = normalize_feed_url(outline.url)
        except InvalidFeedURL as error:
            report.invalid.append(Problem(outline.line, str(error), outline.title))
    known = known_feeds(set(urls.values()))
    refusal: ratelimit.Refusal | None = None
    seen: set[int] = set()
    left_out: set[str] = set()
    total = len(document.feeds)
    for done, (index, outline) in enumerate(enumerate(document.feeds), start=1):
        podcast, created = known.get(urls.get(index, "")), False
        if index in urls and podcast is None:
            # Once refused, the rest of this file is refused too: no point asking again.
            reservation = refusal or ratelimit.reserve((ratelimit.Action.OPML_FEED, str(user.pk)))
            if isinstance(reservation, ratelimit.Refusal):
                refusal = reservation
                if urls[index] not in left_out:
                    left_out.add(urls[index])
                    report.over_limit.append(
                        Problem(outline.line, f"not added today: {urls[index]}", outline.title)
                    )
            else:
                podcast, created = find_or_create_feed(urls[index])
                if not created:
                    reservation.release()  # somebody else added it meanwhile
                known[podcast.feed_url] = podcast
        if podcast is not None and podcast.pk not in seen:
            seen.add(podcast.pk)
            item = ImportedFeed(podcast, outline.title, outline.line, created)
            if podcast.pk in already_following:
                report.already.append(item)
            else:
                _, followed = Follow.objects.get_or_create(user=user, podcast=podcast)
                if followed:
                    website_followed(user, podcast, True)
                report.followed.append(item)
        if progress:
            progress(done, total)
    if refusal:
        report.retry_after = refusal.retry_after
    report.invalid.sort(key=lambda problem: problem.line)
    return report


def known_feeds(urls: set[str]) -> dict[str, Podcast]:
    """The directory's podcasts for these feed URLs, in a few queries."""
    ordered = sorted(urls)
    found: dict[str, Podcast] = {}
    for start in range(0, len(ordered), LOOKUP_BATCH):
        batch = ordered[start : start + LOOKUP_BATCH]
        found.update((p.feed_url, p) for p in Podcast.objects.filter(feed_url__in=batch))
    return found


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
        website_followed(user, podcast, False)
        return False
    _, followed = Follow.objects.get_or_create(user=user, podcast=podcast)
    if followed:
        website_followed(user, podcast, True)
    return True
