"""`airwaves manage fetch_artwork`: run the artwork job by hand (the long-running
`airwaves serve` and `airwaves crawl` loops run it every tick)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from airwaves.artwork.jobs import BATCH, fetch_pending_artwork
from airwaves.artwork.models import Artwork


class Command(BaseCommand):
    help = "Fetch artwork not fetched yet (or due for its monthly check) and make thumbnails."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=BATCH, help="images per run")
        parser.add_argument(
            "--until-done", action="store_true", help="run again until nothing is due"
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="make failed and refused images due now, then run",
        )
        parser.add_argument("--status", action="store_true", help="count images by status")

    def handle(self, *args, limit: int, until_done: bool, retry_failed: bool, status: bool, **kw):
        if limit < 1 or limit > 10_000:
            raise CommandError("--limit must be between 1 and 10000")
        if status:
            counts = Artwork.objects.values_list("status").annotate(n=Count("pk")).order_by()
            for name, count in sorted(counts):
                self.stdout.write(f"{name}: {count}")
            return
        if retry_failed:
            count = Artwork.objects.filter(
                status__in=[Artwork.Status.FAILED, Artwork.Status.REFUSED]
            ).update(next_fetch_at=timezone.now())
            self.stdout.write(f"{count} failed or refused images are due now")
        while True:
            summary = fetch_pending_artwork(limit=limit)
            self.stdout.write(summary.describe())
            if not until_done or (not summary.fetched and not summary.queued):
                break
