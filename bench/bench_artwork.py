"""Artwork benchmark: what the queue triggers add to the crawler's store, how fast the
job turns queued URLs into rows, and how long one image takes to become thumbnails.

    .venv/bin/python bench/bench_artwork.py              # 300 feeds of 30 episodes
    .venv/bin/python bench/bench_artwork.py --feeds 1000

Runs in a fresh SQLite database in a temporary data directory. Every episode has an
image of its own (the triggers' worst case: one queue row per episode).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=300)  # about 2 minutes
    args = parser.parse_args()
    os.environ["AIRWAVES_DATA_DIR"] = tempfile.mkdtemp(prefix="airwaves-bench-artwork-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from airwaves.artwork import triggers

    with_triggers = store_pass(args.feeds, "t")
    triggers.remove_triggers(connection)
    without = store_pass(args.feeds, "n")
    triggers.install_triggers(connection)
    print(f"store_feed, {args.feeds} new feeds × 30 episodes, each with its own image:")
    for label, (new, changed) in (("with triggers", with_triggers), ("without", without)):
        print(
            f"  {label:14} new {new * 1000:6.2f} ms/feed   changed images {changed * 1000:6.2f} ms/feed"
        )
    print(
        f"  triggers add {100 * (with_triggers[0] / without[0] - 1):+.0f}% (new), "
        f"{100 * (with_triggers[1] / without[1] - 1):+.0f}% (changed)"
    )
    queue_pass()
    thumbnail_pass()


def parsed(prefix: str, n: int, version: int):
    from airwaves.crawler.process import process_feed
    from airwaves.crawler.types import ParsedEpisode, ParsedFeed

    episodes = [
        ParsedEpisode(
            guid=f"{prefix}{n}-{e}",
            title=f"Episode {e}",
            image_url=f"https://img{n % 50}.example/{prefix}{n}/{e}-v{version}.jpg",
            enclosure_url=f"https://media.example/{prefix}{n}/{e}.mp3",
        )
        for e in range(30)
    ]
    return process_feed(ParsedFeed(title=f"Feed {n}", episodes=episodes))


def store_pass(feeds: int, prefix: str) -> tuple[float, float]:
    """Seconds per feed: first store (30 inserts), then a store whose 30 images changed."""
    from airwaves.crawler.store import FeedMeta, store_feed
    from airwaves.podcasts.models import Podcast

    ids = [
        Podcast.objects.create(feed_url=f"https://f.example/{prefix}{n}", slug=f"{prefix}{n}").pk
        for n in range(feeds)
    ]
    first = [parsed(prefix, n, 1) for n in range(feeds)]
    second = [parsed(prefix, n, 2) for n in range(feeds)]
    started = time.perf_counter()
    for pk, feed in zip(ids, first, strict=True):
        store_feed(pk, feed, FeedMeta(content_hash="1"))
    new = (time.perf_counter() - started) / feeds
    started = time.perf_counter()
    for pk, feed in zip(ids, second, strict=True):
        store_feed(pk, feed, FeedMeta(content_hash="2"))
    changed = (time.perf_counter() - started) / feeds
    return new, changed


def queue_pass() -> None:
    from airwaves.artwork.jobs import queue_new_images
    from airwaves.artwork.models import QueuedImageURL

    queued = QueuedImageURL.objects.count()
    started = time.perf_counter()
    made = 0
    while QueuedImageURL.objects.exists():
        made += queue_new_images()
    elapsed = time.perf_counter() - started
    print(
        f"queue → Artwork rows: {queued} queued URLs, {made} rows, {queued / elapsed:,.0f} URLs/s"
    )


def thumbnail_pass() -> None:
    from PIL import Image

    from airwaves.artwork.images import make_thumbnails

    print("one image → 8 thumbnails (4 sizes × WebP, JPEG):")
    for fmt, size in (("JPEG", 3000), ("JPEG", 1400), ("PNG", 1400), ("PNG", 600)):
        out = io.BytesIO()
        Image.effect_noise((size, size), 40).convert("RGB").save(out, fmt)
        data = out.getvalue()
        runs = 3
        started = time.perf_counter()
        for _ in range(runs):
            make_thumbnails(data, max_pixels=50_000_000)
        each = (time.perf_counter() - started) / runs
        print(f"  {fmt:4} {size}×{size} ({len(data) // 1024:,} KB): {each * 1000:5.0f} ms")


if __name__ == "__main__":
    main()
