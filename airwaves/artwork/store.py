"""Thumbnails in Django's default storage (MEDIA_ROOT, data/media, unless configured
otherwise), and local images (the demo's) stored through the same resize path."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from airwaves.artwork.images import FILES, Thumbnails, make_thumbnails
from airwaves.artwork.keys import artwork_key
from airwaves.artwork.models import Artwork


def image_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "")[:255]
    except ValueError:
        return ""


def thumbnails_prefix(key: str, content_hash: str) -> str:
    # By content as well as by key: a new image at the same URL is written next to the
    # old one, which keeps being served until the row points at the new one.
    return f"artwork/{key[:2]}/{key}/{content_hash[:16]}"


def save_thumbnails(key: str, content_hash: str, thumbnails: Thumbnails) -> str:
    """Writes every thumbnail; returns the prefix to store in Artwork.stored."""
    prefix = thumbnails_prefix(key, content_hash)
    for thumbnail in thumbnails.files:
        name = f"{prefix}/{thumbnail.size}.{thumbnail.format}"
        if default_storage.exists(name):  # left by a run that died before recording it
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(thumbnail.data))
        if saved != name:
            raise RuntimeError(f"storage saved {name} as {saved}")
    return prefix


def all_stored(prefix: str) -> bool:
    return all(default_storage.exists(f"{prefix}/{size}.{fmt}") for size, fmt in FILES)


def delete_thumbnails(prefix: str) -> None:
    if not prefix:
        return
    for size, fmt in FILES:
        name = f"{prefix}/{size}.{fmt}"
        if default_storage.exists(name):
            default_storage.delete(name)


def store_local_artwork(url: str, path: Path, *, fit: str = Artwork.Fit.COVER) -> Artwork:
    """Makes the thumbnails of a local file and records them as the artwork of `url`,
    which is then never fetched. For content shipped with the site (the demo), whose
    image URLs point at our own static files. Raises images.ImageRefused."""
    data = path.read_bytes()
    content_hash = hashlib.sha256(data).hexdigest()
    key = artwork_key(url)
    existing = Artwork.objects.filter(key=key).first()
    if existing and existing.status == Artwork.Status.OK and existing.content_hash == content_hash:
        return existing
    prefix = thumbnails_prefix(key, content_hash)
    if all_stored(prefix):
        # Made from these very bytes before (the names say so): a database reset, or
        # the demo loaded again, need not encode them again.
        with Image.open(path) as image:
            source_format, (width, height) = image.format or "", image.size
    else:
        thumbnails = make_thumbnails(data, max_pixels=settings.ARTWORK_MAX_PIXELS, fit=fit)
        prefix = save_thumbnails(key, content_hash, thumbnails)
        source_format, width, height = thumbnails.source_format, thumbnails.width, thumbnails.height
    now = timezone.now()
    artwork, _ = Artwork.objects.update_or_create(
        key=key,
        defaults={
            "url": url,
            "host": image_host(url),
            "fit": fit,
            "source": Artwork.Source.LOCAL,
            "status": Artwork.Status.OK,
            "last_error": "",
            "error_count": 0,
            "stored": prefix,
            "content_hash": content_hash,
            "source_format": source_format,
            "width": width,
            "height": height,
            "next_fetch_at": None,
            "claimed_until": None,
            "fetched_at": now,
            "checked_at": now,
        },
    )
    if existing and existing.stored and existing.stored != prefix:
        delete_thumbnails(existing.stored)
    return artwork
