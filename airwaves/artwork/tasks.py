"""The artwork job as a Celery task, for directories run with a broker. Only imported
where Celery is in use (a worker, or a scheduler queueing the task): nothing else in
airwaves.artwork imports Celery."""

from __future__ import annotations

from celery import shared_task

from airwaves.artwork.jobs import BATCH, fetch_pending_artwork


@shared_task(name="airwaves.fetch_artwork", ignore_result=True)
def fetch_artwork_task(limit: int = BATCH) -> str:
    # Idempotent and claim-based, like refresh_feed: a task run twice, or two workers
    # running it at once, fetch each image once.
    return fetch_pending_artwork(limit=limit).describe()
