"""Episodes' chapters and transcripts: kept in step with the feed, fetched in the background.

`sync_episode_media(podcast_id, items)` runs inside the refresh's transaction
(crawler/store.py), for the items whose XML changed: an episode's EpisodeFile rows become
the files its item lists (new URLs added, pending; those gone deleted, with what was read
from them), and its psc:chapters replace the ones stored when they differ. Nothing is
fetched there.

`fetch_pending_media()` is one bounded run of the job, safe to call from any number of
processes at once (`airwaves crawl`/`serve` after each pass, or the Celery task
`airwaves.fetch_episode_media`):

1. Take: the due files (`next_fetch_at` passed, not claimed), oldest first.
2. Claim: each by a conditional UPDATE of `claimed_until` where it is unset or expired;
   a claim that loses the race does nothing, so no file is fetched twice at once.
3. Fetch: at most MEDIA_CONCURRENCY at once, on threads (network only, no database),
   each through the guarded client, capped in size and time (crawler/media_files.py).
4. Record: in this thread, where our claim still holds: the chapters or lines read,
   or why not. A file read is due again in MEDIA_REFRESH_DAYS; a failure after 1, 2,
   4 … hours (never later than a day); a refusal after MEDIA_REFRESH_DAYS, and a refused
   transcript hands over to the episode's next best one. The show's cached pages are
   built anew.

A bug costs one file, never the job: an unexpected exception is recorded on its row.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import httpx
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from airwaves.artwork.models import QueuedImageURL
from airwaves.crawler.media_files import (
    FetchedFile,
    MediaFileError,
    fetch_file,
    parse_chapters,
    parse_transcript,
    transcript_rank,
)
from airwaves.crawler.types import Chapter, ParsedEpisode
from airwaves.lib.net import make_client
from airwaves.podcasts.models import Episode, EpisodeChapter, EpisodeFile

log = logging.getLogger(__name__)

BATCH = 40  # files fetched by one run
CHUNK = 500  # rows asked for at once by the refresh's sync
MAX_RETRY_DELAY = timedelta(hours=24)
KIND = EpisodeFile.Kind
STATUS = EpisodeFile.Status


# Kept in step with the feed ------------------------------------------------------------


class WantedFile(NamedTuple):
    kind: str
    url: str
    type: str
    language: str
    rel: str
    rank: int


def wanted_files(item: ParsedEpisode) -> list[WantedFile]:
    media = item.media
    files = []
    if media.chapters_link is not None:
        link = media.chapters_link
        files.append(WantedFile(KIND.CHAPTERS, link.url, link.type[:100], "", "", 0))
    for link in media.transcripts:
        files.append(
            WantedFile(
                KIND.TRANSCRIPT,
                link.url,
                link.type[:100],
                link.language[:35],
                link.rel[:20],
                transcript_rank(link.type),
            )
        )
    return files


def _chapter_key(chapter: Chapter) -> tuple:
    return (chapter.start, chapter.end, chapter.title[:500], chapter.img, chapter.url)


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def sync_episode_media(podcast_id: int, items: list[ParsedEpisode]) -> None:
    """Makes the stored files and feed chapters of the changed `items` what they list
    (see the module docstring). Runs in the refresh's transaction, after the episodes
    were written."""
    changed = [item for item in items if not item.unchanged]
    if not changed:
        return
    # Most shows have neither; then only items that list something need their ids.
    anything_stored = (
        EpisodeFile.objects.filter(episode__podcast_id=podcast_id).exists()
        or EpisodeChapter.objects.filter(episode__podcast_id=podcast_id, file=None).exists()
    )
    if not anything_stored:
        changed = [
            i for i in changed if i.media.chapters_link or i.media.transcripts or i.media.chapters
        ]
        if not changed:
            return
    by_guid = {item.guid: item for item in changed}
    ids: dict[str, int] = {}
    for guids in _chunks(list(by_guid)):
        rows = Episode.objects.filter(podcast_id=podcast_id, guid__in=guids).values_list(
            "guid", "pk"
        )
        ids.update(rows)
    files: dict[int, dict[tuple[str, str], EpisodeFile]] = {}
    chapters: dict[int, list[tuple]] = {}
    if anything_stored:
        for pks in _chunks(list(ids.values())):
            for row in EpisodeFile.objects.filter(episode_id__in=pks).only(
                "episode_id", "kind", "url", "type", "language", "rel", "rank", "status"
            ):
                files.setdefault(row.episode_id, {})[(row.kind, row.url)] = row
            for row in EpisodeChapter.objects.filter(episode_id__in=pks, file=None).order_by(
                "episode_id", "position"
            ):
                chapters.setdefault(row.episode_id, []).append(
                    (row.start, row.end, row.title, row.image_url, row.url)
                )
    now = timezone.now()
    new_files: list[EpisodeFile] = []
    gone: list[int] = []
    to_choose: list[int] = []
    new_chapters: list[EpisodeChapter] = []
    stale_chapters: list[int] = []
    for guid, episode_id in ids.items():
        item = by_guid[guid]
        stored = files.get(episode_id, {})
        wanted = {(f.kind, f.url): f for f in wanted_files(item)}
        transcripts_changed = False
        for key, row in stored.items():
            if key not in wanted:
                gone.append(row.pk)
                transcripts_changed |= row.kind == KIND.TRANSCRIPT
        for key, want in wanted.items():
            row = stored.get(key)
            if row is None:
                new_files.append(
                    EpisodeFile(
                        episode_id=episode_id,
                        kind=want.kind,
                        url=want.url,
                        type=want.type,
                        language=want.language,
                        rel=want.rel,
                        rank=want.rank,
                        status=STATUS.PENDING if want.kind == KIND.CHAPTERS else STATUS.SPARE,
                        next_fetch_at=now if want.kind == KIND.CHAPTERS else None,
                    )
                )
                transcripts_changed |= want.kind == KIND.TRANSCRIPT
            elif (row.type, row.language, row.rel) != (want.type, want.language, want.rel):
                EpisodeFile.objects.filter(pk=row.pk).update(
                    type=want.type, language=want.language, rel=want.rel, rank=want.rank
                )
                transcripts_changed |= want.kind == KIND.TRANSCRIPT
        if transcripts_changed:
            to_choose.append(episode_id)
        feed_chapters = [_chapter_key(c) for c in item.media.chapters]
        if feed_chapters != chapters.get(episode_id, []):
            stale_chapters.append(episode_id)
            new_chapters.extend(
                EpisodeChapter(
                    episode_id=episode_id,
                    position=position,
                    start=chapter.start,
                    end=chapter.end,
                    title=chapter.title[:500],
                    image_url=chapter.img,
                    url=chapter.url,
                )
                for position, chapter in enumerate(item.media.chapters)
            )
    for pks in _chunks(gone):
        EpisodeFile.objects.filter(pk__in=pks).delete()
    for pks in _chunks(stale_chapters):
        EpisodeChapter.objects.filter(episode_id__in=pks, file=None).delete()
    EpisodeFile.objects.bulk_create(new_files, batch_size=CHUNK)
    EpisodeChapter.objects.bulk_create(new_chapters, batch_size=CHUNK)
    queue_images(chapter.image_url for chapter in new_chapters)
    for episode_id in to_choose:
        choose_transcript(episode_id, now)


def queue_images(urls: Iterable[str]) -> None:
    """Chapter images go to the artwork job like every publisher image: pages show our
    thumbnails, never the publisher's originals."""
    wanted = sorted({url for url in urls if url})
    QueuedImageURL.objects.bulk_create(
        [QueuedImageURL(url=url) for url in wanted], batch_size=CHUNK
    )


def choose_transcript(episode_id: int, now: datetime | None = None) -> None:
    """Of the episode's transcripts, the best format not refused (`rank`, then the
    feed's order) is the one fetched and shown; the others are spares."""
    now = now or timezone.now()
    rows = list(
        EpisodeFile.objects.filter(episode_id=episode_id, kind=KIND.TRANSCRIPT).order_by(
            "rank", "pk"
        )
    )
    chosen = next((row for row in rows if row.status != STATUS.REFUSED), None)
    for row in rows:
        if row is chosen and row.status == STATUS.SPARE:
            EpisodeFile.objects.filter(pk=row.pk).update(status=STATUS.PENDING, next_fetch_at=now)
        elif row is not chosen and row.status != STATUS.REFUSED and row.status != STATUS.SPARE:
            EpisodeFile.objects.filter(pk=row.pk).update(
                status=STATUS.SPARE, next_fetch_at=None, lines=[], text=""
            )


# Fetched in the background -------------------------------------------------------------


@dataclass
class MediaSummary:
    statuses: Counter = field(default_factory=Counter)  # ok, failed, refused

    @property
    def fetched(self) -> int:
        return sum(self.statuses.values())

    def describe(self) -> str:
        parts = [f"{count} {status}" for status, count in sorted(self.statuses.items())]
        return "chapters and transcripts: " + (", ".join(parts) or "nothing fetched")


class DueFile(NamedTuple):
    pk: int
    episode_id: int
    kind: str
    url: str
    type: str
    error_count: int
    claimed_until: datetime


def _free(now: datetime) -> Q:
    return Q(claimed_until=None) | Q(claimed_until__lt=now)


def take_due_files(now: datetime, *, limit: int, lease: timedelta) -> list[DueFile]:
    """Steps 1 and 2: the due files this run fetches, claimed."""
    chosen = list(
        EpisodeFile.objects.filter(_free(now), next_fetch_at__lte=now)
        .order_by("next_fetch_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    until = now + lease
    claimed = [
        pk
        for pk in chosen
        if EpisodeFile.objects.filter(_free(now), pk=pk, next_fetch_at__lte=now).update(
            claimed_until=until
        )
    ]
    rows = EpisodeFile.objects.filter(pk__in=claimed, claimed_until=until).values_list(
        *DueFile._fields[:-1]
    )
    return [DueFile(*row, claimed_until=until) for row in rows]


def fetch_pending_media(
    limit: int = BATCH, *, transport: httpx.BaseTransport | None = None
) -> MediaSummary:
    """One run of the job (see the module docstring). `transport` is for tests."""
    timeout = settings.MEDIA_TIMEOUT
    concurrency = max(1, settings.MEDIA_CONCURRENCY)
    summary = MediaSummary()
    now = timezone.now()
    # Every download may take the whole timeout, `concurrency` at a time.
    lease = timedelta(seconds=(limit // concurrency + 2) * timeout + 60)
    due = take_due_files(now, limit=limit, lease=lease)
    if not due:
        return summary
    client = make_client(
        allow_private=settings.ALLOW_PRIVATE_URLS, timeout=min(20.0, timeout), transport=transport
    )
    with client, ThreadPoolExecutor(min(concurrency, len(due)), "media-fetch") as pool:
        futures: dict[Future, DueFile] = {pool.submit(_download, client, f): f for f in due}
        for future in as_completed(futures):
            due_file = futures[future]
            try:
                status = record(due_file, future.result())
            except Exception as exc:  # a bug costs one file, never the job
                log.exception("%s %s: recording failed", due_file.kind, due_file.url)
                status = record(due_file, MediaFileError(f"internal error: {exc!r}"))
            summary.statuses[status] += 1
    return summary


def _download(client: httpx.Client, due_file: DueFile) -> FetchedFile | MediaFileError:
    try:
        return fetch_file(
            due_file.url,
            client=client,
            max_bytes=settings.MEDIA_MAX_BYTES,
            total_timeout=settings.MEDIA_TIMEOUT,
            allow_private=settings.ALLOW_PRIVATE_URLS,
        )
    except MediaFileError as exc:
        return exc


def record(due_file: DueFile, outcome: FetchedFile | MediaFileError) -> str:
    """Step 4 for one file. Returns what happened: ok, failed or refused."""
    now = timezone.now()
    if isinstance(outcome, FetchedFile):
        try:
            if due_file.kind == KIND.CHAPTERS:
                return _record_chapters(due_file, parse_chapters(due_file.type, outcome), now)
            return _record_transcript(due_file, parse_transcript(due_file.type, outcome), now)
        except MediaFileError as exc:
            outcome = exc
    return _record_failure(due_file, outcome, now)


def _fresh(now: datetime) -> datetime:
    return now + timedelta(days=settings.MEDIA_REFRESH_DAYS)


def _record_chapters(due_file: DueFile, chapters: list[Chapter], now: datetime) -> str:
    with transaction.atomic():
        if not _update(due_file, status=STATUS.OK, next_fetch_at=_fresh(now), fetched_at=now):
            return "ok"  # our claim ran out: the run that owns the row now records it
        EpisodeChapter.objects.filter(file_id=due_file.pk).delete()
        EpisodeChapter.objects.bulk_create(
            EpisodeChapter(
                episode_id=due_file.episode_id,
                file_id=due_file.pk,
                position=position,
                start=chapter.start,
                end=chapter.end,
                title=chapter.title,
                image_url=chapter.img,
                url=chapter.url,
            )
            for position, chapter in enumerate(chapters)
        )
        queue_images(chapter.img for chapter in chapters)
    _pages_changed(due_file)
    return "ok"


def _record_transcript(due_file: DueFile, lines: list, now: datetime) -> str:
    updated = _update(
        due_file,
        status=STATUS.OK,
        next_fetch_at=_fresh(now),
        fetched_at=now,
        lines=[[line.start, line.end, line.text] for line in lines],
        text="\n".join(line.text for line in lines),
    )
    if updated:
        _pages_changed(due_file)
    return "ok"


def _record_failure(due_file: DueFile, error: MediaFileError, now: datetime) -> str:
    reason = str(error)
    log.info("%s %s: %s", due_file.kind, due_file.url, reason)
    if error.refused:
        retry = timedelta(days=settings.MEDIA_REFRESH_DAYS)
    else:
        retry = min(timedelta(hours=2 ** min(due_file.error_count, 10)), MAX_RETRY_DELAY)
    # What was read before stays on the page: a publisher's bad day loses nothing.
    status = STATUS.REFUSED if error.refused else STATUS.FAILED
    fetched_before = EpisodeFile.objects.filter(pk=due_file.pk, status=STATUS.OK).exists()
    _update(
        due_file,
        status=STATUS.OK if fetched_before and not error.refused else status,
        last_error=reason[:2000],
        error_count=F("error_count") + 1,
        next_fetch_at=now + retry,
        clear_error=False,
    )
    if error.refused and due_file.kind == KIND.TRANSCRIPT:
        EpisodeFile.objects.filter(pk=due_file.pk).update(lines=[], text="")
        choose_transcript(due_file.episode_id, now)
        _pages_changed(due_file)
    elif error.refused:
        EpisodeChapter.objects.filter(file_id=due_file.pk).delete()
        _pages_changed(due_file)
    return "refused" if error.refused else "failed"


def _update(due_file: DueFile, *, clear_error: bool = True, **values) -> bool:
    """Writes the outcome where our claim still holds, and ends the claim."""
    if clear_error:
        values |= {"last_error": "", "error_count": 0}
    return bool(
        EpisodeFile.objects.filter(pk=due_file.pk, claimed_until=due_file.claimed_until).update(
            claimed_until=None, **values
        )
    )


def _pages_changed(due_file: DueFile) -> None:
    from airwaves import pagecache

    slug = (
        Episode.objects.filter(pk=due_file.episode_id)
        .values_list("podcast__slug", flat=True)
        .first()
    )
    if slug:
        pagecache.show_changed(slug)


def fetch_media_quietly() -> MediaSummary | None:
    """One run for the long-running loops (`airwaves serve`, `airwaves crawl`), once per
    tick: logs what it did and never raises, so a transcript cannot stop a crawler."""
    try:
        summary = fetch_pending_media()
        if summary.fetched:
            log.warning("%s", summary.describe())
        return summary
    except Exception:
        log.exception("fetching chapters and transcripts failed")
        return None
    finally:
        close_old_connections()


# Read by the pages ---------------------------------------------------------------------


class Line(NamedTuple):
    start: float | None
    end: float | None
    text: str


@dataclass(frozen=True, slots=True)
class EpisodeMediaView:
    """What an episode page shows: its chapters (the fetched file's, else the feed's)
    and the lines of its transcript. Two queries, bounded by the caps on one file."""

    chapters: list[EpisodeChapter]
    lines: list[Line]
    transcript_language: str = ""


def episode_media(episode_id: int) -> EpisodeMediaView:
    chapters = list(EpisodeChapter.objects.filter(episode_id=episode_id))
    from_file = [c for c in chapters if c.file_id is not None]
    transcript = (
        EpisodeFile.objects.filter(episode_id=episode_id, kind=KIND.TRANSCRIPT)
        .filter(status=STATUS.OK)
        .order_by("rank", "pk")
        .values_list("lines", "language")
        .first()
    )
    lines: list[Line] = []
    language = ""
    if transcript is not None:
        raw, language = transcript
        lines = [Line(*row) for row in raw if isinstance(row, list) and len(row) == 3]
    return EpisodeMediaView(from_file or chapters, lines, language)


def media_of(episode: Episode) -> EpisodeMediaView:
    """episode_media for an episode instance, read once however many parts of its page
    (chapters, transcript, structured data) ask."""
    view = getattr(episode, "_media_view", None)
    if view is None:
        view = episode._media_view = episode_media(episode.pk)
    return view
