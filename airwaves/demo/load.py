"""Loads the bundled demo shows: the same parse → process → store path as a crawled
feed, read from files in the package instead of fetched, so it works offline."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings

from airwaves.artwork.store import store_local_artwork
from airwaves.crawler.parse import parse_feed
from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, store_feed
from airwaves.lib.slugs import unique_slug
from airwaves.podcasts.models import Episode, Podcast

DEMO_DIR = Path(settings.BASE_DIR) / "static" / "airwaves" / "demo"
# Where the demo files are served; relative enclosure and artwork URLs in the demo
# feeds resolve against it to site-relative paths that play from any host.
DEMO_STATIC_URL = settings.STATIC_URL + "airwaves/demo/feeds/"
# Demo shows are never crawled; this reserved domain marks their identity.
DEMO_FEED_BASE = "https://demo.airwaves.invalid/"
DEMO_ART_URL = settings.STATIC_URL + "airwaves/demo/art/"


def demo_feed_files() -> list[Path]:
    return sorted((DEMO_DIR / "feeds").glob("*.xml"))


def load_demo() -> list[Podcast]:
    """Creates or updates every demo show. Running it again changes nothing."""
    shows = []
    for path in demo_feed_files():
        data = path.read_bytes()
        feed = process_feed(parse_feed(data, url=DEMO_STATIC_URL + path.name, known={}))
        podcast = Podcast.objects.filter(feed_url=DEMO_FEED_BASE + path.name).first()
        if podcast is None:
            podcast = Podcast.objects.create(
                feed_url=DEMO_FEED_BASE + path.name,
                source=Podcast.Source.DEMO,
                title=feed.title,
                slug=unique_slug(feed.title, lambda s: Podcast.objects.filter(slug=s).exists()),
            )
        digest = hashlib.sha256(data).hexdigest()
        if podcast.content_hash != digest:
            store_feed(podcast.pk, feed, FeedMeta(content_hash=digest))
        shows.append(podcast)
    store_demo_artwork(shows)
    return shows


def demo_art_file(url: str) -> Path | None:
    """The raster file behind a demo image URL. The feeds name SVG files, which the
    artwork path does not rasterise; each has a JPEG copy (scripts/make-demo-assets.sh)."""
    if not url.startswith(DEMO_ART_URL):
        return None
    name = Path(url.removeprefix(DEMO_ART_URL)).name
    path = DEMO_DIR / "art" / (Path(name).stem + ".jpg")
    return path if path.is_file() else None


def store_demo_artwork(shows: list[Podcast]) -> None:
    """The demo's thumbnails, made from its files through the same resize path as
    fetched artwork, so the demo shows them offline and the job never fetches them."""
    urls = {show.image_url for show in Podcast.objects.filter(pk__in=[s.pk for s in shows])}
    urls |= set(
        Episode.objects.filter(podcast__in=shows)
        .exclude(image_url="")
        .values_list("image_url", flat=True)
    )
    for url in sorted(urls):
        path = demo_art_file(url)
        if path is not None:
            store_local_artwork(url, path)
