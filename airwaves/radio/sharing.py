"""A station's share image: `/radio/<station>/share.jpg`, the 1200×630 card that its
page names in og:image and twitter:image (a station's own logo is a favicon-sized
picture, and pages never hot-link a publisher's file).

The card (artwork/cards.py) shows the station's name, what it is (country, codec,
bitrate), the site's name and our thumbnail of its logo once the artwork job has made one
(the radio mark until then). It is drawn on the first request for what it shows and kept
in Django's cache under the digest of its inputs, which is also its ETag: a rename or a
new logo makes a new card, and nothing else draws one again. Two queries per request,
whatever the size of the directory.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from airwaves.artwork.cards import Card, make_card
from airwaves.artwork.keys import artwork_key, size_for
from airwaves.artwork.models import Artwork
from airwaves.pagecache import etag_matches
from airwaves.radio.models import Station

log = logging.getLogger(__name__)

CARD_SCHEME = "station-card-1"  # a new drawing of the cards gets a new name
LOGO_SIZE = size_for(180)  # the stored thumbnail drawn on the card (WebP keeps transparency)
CARD_MAX_AGE = 86400  # browsers and previews keep a card a day
PENDING_MAX_AGE = 300  # while the logo is still being fetched, the card will change soon


def station_facts(station: Station) -> str:
    parts = [station.country or station.country_code]
    parts.append(station.codec)
    if station.bitrate:
        parts.append(f"{station.bitrate} kbps")
    return " · ".join(p for p in parts if p)


def stored_logo(station: Station) -> tuple[str, str]:
    """(status, storage name of our thumbnail of the logo, or "")."""
    if not station.favicon:
        return "none", ""
    row = (
        Artwork.objects.filter(key=artwork_key(station.favicon))
        .values_list("status", "stored")
        .first()
    )
    if row is None:
        return Artwork.Status.PENDING, ""
    status, stored = row
    if status == Artwork.Status.OK and stored:
        return status, f"{stored}/{LOGO_SIZE}.webp"
    return status, ""


def read_logo(name: str) -> bytes | None:
    if not name:
        return None
    try:
        with default_storage.open(name) as file:
            return file.read(2_000_000)
    except OSError:
        log.warning("station card: %s is missing from storage", name)
        return None


@require_safe
def share_image(request, slug: str):
    station = get_object_or_404(
        Station.objects.only("name", "country", "country_code", "codec", "bitrate", "favicon"),
        slug=slug,
    )
    status, logo_name = stored_logo(station)
    facts = station_facts(station)
    inputs = "\n".join([CARD_SCHEME, station.name, facts, settings.SITE_NAME, logo_name])
    digest = hashlib.sha256(inputs.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    etag = f'"{digest}"'
    max_age = PENDING_MAX_AGE if status == Artwork.Status.PENDING else CARD_MAX_AGE
    cache_control = f"public, max-age={max_age}"
    if etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponseNotModified()
    else:
        key = f"station-card:{digest}"
        data = cache.get(key)
        if data is None:
            card = Card(
                title=station.name,
                label="Live radio",
                facts=facts,
                footer=settings.SITE_NAME,
                logo=read_logo(logo_name),
            )
            data = make_card(card)
            cache.set(key, data, timeout=CARD_MAX_AGE)
        response = HttpResponse(data, content_type="image/jpeg")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response
