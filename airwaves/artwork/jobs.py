"""The background job: fetch each publisher image once, make its thumbnails, record why not.

`fetch_pending_artwork()` is one bounded run, safe to call from any number of processes
at once and to call again at once (it then finds nothing to do):

1. Queue: URLs the triggers put in `artwork_queue` become Artwork rows (one per URL,
   merged by key; rows that exist are left alone), and leave the queue, in batches.
   Nothing scans the catalogue: only what changed since the last run is read.
2. Take: the due rows (`next_fetch_at` passed, not claimed), oldest first, at most
   PER_HOST_BATCH × `per_host` of any one host, so that a host with 10,000 shows waits
   its turn instead of filling every run.
3. Claim: each row by a conditional UPDATE of `claimed_until` where it is unset or
   expired. A claim that loses the race does nothing: two workers never fetch one image.
4. Fetch: at most `concurrency` downloads at once, and `per_host` from one host, on
   threads (network only, no database), each bounded in size and time (fetch.py). The
   claims' lease covers the whole run, its slowest case included.
5. Record: in this thread, as downloads finish: decode and resize (images.py), write the
   thumbnails, then update the row where our claim still holds. A fetched image is due
   again in ARTWORK_REFRESH_DAYS (a conditional GET); a failure is tried again after
   1, 2, 4 … hours (never later than that); a refusal after ARTWORK_REFRESH_DAYS.

A bug costs one image, never the job: an unexpected exception is recorded on its row.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import httpx
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from airwaves.artwork.fetch import ArtworkFetchError, FetchedImage, fetch_image
from airwaves.artwork.images import ImageRefused, make_thumbnails
from airwaves.artwork.keys import artwork_key
from airwaves.artwork.models import Artwork, QueuedImageURL
from airwaves.artwork.store import delete_thumbnails, image_host, save_thumbnails
from airwaves.lib.net import make_client

log = logging.getLogger(__name__)

BATCH = 50  # images fetched by one run
QUEUE_BATCH = 1000  # queue rows read at a time
QUEUE_BATCHES_PER_RUN = 20  # so one run's queue step stays bounded after a big import
MAX_RETRY_DELAY = timedelta(hours=24)
PER_HOST_BATCH = 5  # a run takes at most this many times per_host images of one host
DECODE_SECONDS = 2  # what the lease allows for decoding and resizing one image


@dataclass
class ArtworkSummary:
    queued: int = 0  # new Artwork rows made from the queue
    statuses: Counter = field(default_factory=Counter)  # stored, unchanged, failed, refused

    @property
    def fetched(self) -> int:
        return sum(self.statuses.values())

    def describe(self) -> str:
        parts = [f"{count} {status}" for status, count in sorted(self.statuses.items())]
        return f"{self.queued} new image URLs; " + (", ".join(parts) or "nothing fetched")


class DueImage(NamedTuple):
    pk: int
    key: str
    url: str
    host: str
    fit: str
    etag: str
    last_modified: str
    stored: str
    content_hash: str
    error_count: int
    claimed_until: datetime


def queue_new_images(now: datetime | None = None) -> int:
    """Step 1: turns queued URLs into Artwork rows. Returns how many rows it made."""
    now = now or timezone.now()
    made = 0
    for _ in range(QUEUE_BATCHES_PER_RUN):
        rows = list(
            QueuedImageURL.objects.order_by("pk").values_list("pk", "url", "fit")[:QUEUE_BATCH]
        )
        if not rows:
            break
        wanted: dict[str, tuple[str, str]] = {}
        for _pk, url, fit in rows:
            wanted.setdefault(artwork_key(url), (url, fit))
        known = set(Artwork.objects.filter(key__in=wanted).values_list("key", flat=True))
        new = [
            Artwork(key=key, url=url, fit=fit, host=image_host(url), next_fetch_at=now)
            for key, (url, fit) in wanted.items()
            if key not in known
        ]
        with transaction.atomic():
            # Another run may be making the same rows: the unique key keeps one.
            Artwork.objects.bulk_create(new, ignore_conflicts=True)
            # By primary key, not by range: a row queued by a transaction that commits
            # after this read may have a smaller id than the ones read.
            QueuedImageURL.objects.filter(pk__in=[row[0] for row in rows]).delete()
        made += len(new)
    return made


def _free(now: datetime) -> Q:
    return Q(claimed_until=None) | Q(claimed_until__lt=now)


def take_due_images(
    now: datetime, *, limit: int, per_host: int, lease: timedelta
) -> list[DueImage]:
    """Steps 2 and 3: the due images this run fetches, claimed."""
    candidates = (
        Artwork.objects.filter(_free(now), next_fetch_at__lte=now)
        .order_by("next_fetch_at", "pk")
        .values_list("pk", "host")[: limit * 4]
    )
    per_host_taken: Counter = Counter()
    chosen: list[int] = []
    for pk, host in candidates:
        if per_host_taken[host] >= per_host:
            continue
        per_host_taken[host] += 1
        chosen.append(pk)
        if len(chosen) == limit:
            break
    until = now + lease
    claimed = [
        pk for pk in chosen if Artwork.objects.filter(_free(now), pk=pk).update(claimed_until=until)
    ]
    rows = Artwork.objects.filter(pk__in=claimed, claimed_until=until).values_list(
        *DueImage._fields[:-1]
    )
    return [DueImage(*row, claimed_until=until) for row in rows]


def fetch_pending_artwork(
    limit: int = BATCH,
    *,
    concurrency: int | None = None,
    per_host: int | None = None,
    transport: httpx.BaseTransport | None = None,
) -> ArtworkSummary:
    """One run of the job (see the module docstring). `transport` is for tests."""
    concurrency = concurrency or settings.ARTWORK_CONCURRENCY
    per_host = per_host or settings.ARTWORK_PER_HOST
    timeout = settings.ARTWORK_TIMEOUT
    summary = ArtworkSummary()
    now = timezone.now()
    summary.queued = queue_new_images(now)
    # Every download may take the whole timeout, in rounds of `per_host` at the worst
    # (threads waiting for one busy host), and each image is then decoded in this
    # thread. Only a crashed run's images wait that long.
    rounds = math.ceil(limit / min(concurrency, per_host))
    lease = timedelta(seconds=(rounds + 1) * timeout + limit * DECODE_SECONDS + 60)
    due = take_due_images(now, limit=limit, per_host=per_host * PER_HOST_BATCH, lease=lease)
    if not due:
        return summary
    client = make_client(
        allow_private=settings.ALLOW_PRIVATE_URLS, timeout=min(20.0, timeout), transport=transport
    )
    host_slots = {image.host: threading.BoundedSemaphore(per_host) for image in due}
    with client, ThreadPoolExecutor(min(concurrency, len(due)), "artwork-fetch") as pool:
        futures: dict[Future, DueImage] = {
            pool.submit(_download, client, image, host_slots[image.host]): image
            for image in _interleaved(due)
        }
        for future in as_completed(futures):
            image = futures[future]
            try:
                status = record(image, future.result())
            except Exception as exc:  # a bug costs one image, never the job
                log.exception("artwork %s: recording failed", image.url)
                status = record(image, ArtworkFetchError(f"internal error: {exc!r}"))
            summary.statuses[status] += 1
    return summary


def _interleaved(images: list[DueImage]) -> list[DueImage]:
    """One image of each host in turn, so that threads waiting for a busy host's slot
    are as few as can be."""
    by_host: dict[str, list[DueImage]] = {}
    for image in images:
        by_host.setdefault(image.host, []).append(image)
    order: list[DueImage] = []
    while by_host:
        for host in list(by_host):
            order.append(by_host[host].pop(0))
            if not by_host[host]:
                del by_host[host]
    return order


def _download(
    client: httpx.Client, image: DueImage, host_slot: threading.BoundedSemaphore
) -> FetchedImage | ArtworkFetchError:
    try:
        with host_slot:
            return fetch_image(
                image.url,
                max_bytes=settings.ARTWORK_MAX_BYTES,
                total_timeout=settings.ARTWORK_TIMEOUT,
                etag=image.etag if image.stored else "",
                last_modified=image.last_modified if image.stored else "",
                client=client,
                allow_private=settings.ALLOW_PRIVATE_URLS,
            )
    except ArtworkFetchError as exc:
        return exc


def record(image: DueImage, outcome: FetchedImage | ArtworkFetchError) -> str:
    """Step 5 for one image. Returns what happened: stored, unchanged, failed or refused."""
    now = timezone.now()
    if isinstance(outcome, ArtworkFetchError):
        return _record_failure(image, str(outcome), refused=outcome.refused, now=now)
    if outcome.status == 304 and not image.stored:
        # We sent no validators: a 304 is the server's mistake, with nothing to show.
        return _record_failure(
            image, "HTTP 304 to an unconditional request", refused=False, now=now
        )
    fresh = now + timedelta(days=settings.ARTWORK_REFRESH_DAYS)
    validators = {"etag": outcome.etag, "last_modified": outcome.last_modified}
    content_hash = hashlib.sha256(outcome.data).hexdigest() if outcome.status != 304 else ""
    if outcome.status == 304 or (image.stored and content_hash == image.content_hash):
        if outcome.status == 304:
            validators = {}  # a 304 may omit them; keep the ones that matched
        _update(image, status=Artwork.Status.OK, next_fetch_at=fresh, checked_at=now, **validators)
        return "unchanged"
    try:
        thumbnails = make_thumbnails(
            outcome.data, max_pixels=settings.ARTWORK_MAX_PIXELS, fit=image.fit
        )
    except ImageRefused as exc:
        return _record_failure(image, str(exc), refused=True, now=now)
    prefix = save_thumbnails(image.key, content_hash, thumbnails)
    updated = _update(
        image,
        status=Artwork.Status.OK,
        stored=prefix,
        content_hash=content_hash,
        source_format=thumbnails.source_format,
        width=thumbnails.width,
        height=thumbnails.height,
        next_fetch_at=fresh,
        fetched_at=now,
        checked_at=now,
        **validators,
    )
    if not updated:
        # Our claim ran out and another run owns the row now; the files are kept if
        # that run stored the same picture (the same names) or is still at it.
        current = Artwork.objects.filter(pk=image.pk).values_list("stored", "claimed_until")
        stored, claimed_until = current.first() or ("", None)
        if stored != prefix and claimed_until is None:
            delete_thumbnails(prefix)
        return "unchanged"
    if image.stored and image.stored != prefix:
        delete_thumbnails(image.stored)
    return "stored"


def _record_failure(image: DueImage, reason: str, *, refused: bool, now: datetime) -> str:
    if refused:
        retry = timedelta(days=settings.ARTWORK_REFRESH_DAYS)
    else:
        retry = min(timedelta(hours=2**image.error_count), MAX_RETRY_DELAY)
    if image.stored:
        # The thumbnails we have stay: the image was fine when we fetched it.
        status = Artwork.Status.OK
    else:
        status = Artwork.Status.REFUSED if refused else Artwork.Status.FAILED
    log.info("artwork %s: %s", image.url, reason)
    _update(
        image,
        status=status,
        last_error=reason[:2000],
        error_count=F("error_count") + 1,
        next_fetch_at=now + retry,
        checked_at=now,
        clear_error=False,
    )
    return "refused" if refused else "failed"


def _update(image: DueImage, *, clear_error: bool = True, **values) -> bool:
    """Writes the outcome where our claim still holds, and ends the claim."""
    if clear_error:
        values |= {"last_error": "", "error_count": 0}
    return bool(
        Artwork.objects.filter(pk=image.pk, claimed_until=image.claimed_until).update(
            claimed_until=None, **values
        )
    )


def fetch_artwork_quietly() -> ArtworkSummary | None:
    """One run for the long-running loops (`airwaves serve`, `airwaves crawl`), called
    once per tick: logs what it did and never raises, so artwork cannot stop a crawler."""
    try:
        summary = fetch_pending_artwork()
        if summary.queued or summary.fetched:
            log.warning("artwork: %s", summary.describe())
        return summary
    except Exception:
        log.exception("fetching artwork failed")
        return None
    finally:
        close_old_connections()
