"""Serves thumbnails: `/artwork/<key>/<size>.webp` (or `.jpg`), one indexed lookup each.

The URL is derived from the publisher's image URL alone (keys.py), so pages write it
without asking the database and it exists before the image has been fetched: until then,
or when it could not be fetched, the answer is a placeholder with a short lifetime.

Cache lifetimes: a stored thumbnail is kept by browsers and proxies for the re-check
period (ARTWORK_REFRESH_DAYS), not marked `immutable`: the URL names the publisher's URL,
and a publisher may put a new picture at the same URL, which the monthly check picks up.
The ETag (the original's digest) makes a revalidation a 304 without a body.
"""

from __future__ import annotations

import functools
import io
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_safe
from PIL import Image

from airwaves.artwork.images import FILES
from airwaves.artwork.models import Artwork

log = logging.getLogger(__name__)

CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg"}
PENDING_MAX_AGE = 300  # the job may store it any minute
FAILED_MAX_AGE = 3600  # retried in an hour at the earliest
# The colour of `.artwork` boxes in site.css, so a placeholder looks like an empty frame.
PLACEHOLDER_COLOUR = (221, 216, 245)


@require_safe
def thumbnail(request: HttpRequest, key: str, size: int, fmt: str) -> HttpResponse:
    if (size, fmt) not in FILES:
        raise Http404("no such thumbnail size or format")
    row = Artwork.objects.filter(key=key).values_list("status", "stored", "content_hash").first()
    status, stored, content_hash = row or (Artwork.Status.PENDING, "", "")
    if status == Artwork.Status.OK and stored:
        etag = f'"{content_hash[:20]}-{size}{fmt}"'
        cache_control = f"public, max-age={settings.ARTWORK_REFRESH_DAYS * 86400}"
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            response["Cache-Control"] = cache_control
            return response
        try:
            # Our own thumbnails, at most 1200 px square (a few hundred kilobytes): read whole.
            # FileResponse would stream a synchronous file, which Django's ASGI handler
            # can only do through a thread per chunk, with a warning each time.
            with default_storage.open(f"{stored}/{size}.{fmt}") as file:
                data = file.read()
        except FileNotFoundError:
            log.warning("artwork %s: %s/%s.%s is missing from storage", key, stored, size, fmt)
        else:
            response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
            response["ETag"] = etag
            response["Cache-Control"] = cache_control
            return response
    max_age = PENDING_MAX_AGE if status == Artwork.Status.PENDING else FAILED_MAX_AGE
    response = HttpResponse(placeholder(size, fmt), content_type=CONTENT_TYPES[fmt])
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@functools.cache
def placeholder(size: int, fmt: str) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (size, size), PLACEHOLDER_COLOUR)
    image.save(out, "WEBP" if fmt == "webp" else "JPEG", quality=80)
    return out.getvalue()
