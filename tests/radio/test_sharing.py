"""A station's share image: the 1200×630 card its page names in og:image and
twitter:image, drawn with the station's name, facts and our thumbnail of its logo."""

from __future__ import annotations

import io
import time

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from lxml import html
from PIL import Image

from airwaves.artwork.cards import PANEL_BOX, Card, _font, make_card, wrap
from airwaves.artwork.keys import artwork_key
from airwaves.artwork.models import Artwork
from airwaves.artwork.store import store_local_artwork
from airwaves.radio.models import Station
from airwaves.radio.sharing import LOGO_SIZE
from tests.radio.fixtures import make_station

pytestmark = pytest.mark.django_db

LOGO = "https://jazz.example.org/logo.png"
CARD = "/radio/jazz-fm/share.jpg"
GREEN = (0, 200, 0)


@pytest.fixture
def jazz() -> Station:
    return make_station(
        "Jazz FM",
        "http://jazz.example.org/live",
        country="Germany",
        country_code="DE",
        codec="MP3",
        bitrate=128,
        favicon=LOGO,
    )


def card_image(response) -> Image.Image:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("JPEG", (1200, 630))
    return image.convert("RGB")


def panel_centre(image: Image.Image) -> tuple[int, int, int]:
    left, top, right, bottom = PANEL_BOX
    return image.getpixel(((left + right) // 2 + 100, (top + bottom) // 2 + 100))


def near(colour, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def store_logo(tmp_path, colour=GREEN) -> None:
    path = tmp_path / "logo.png"
    Image.new("RGB", (300, 300), colour).save(path)
    store_local_artwork(LOGO, path, fit=Artwork.Fit.CONTAIN)


def test_the_station_page_shares_its_card_never_the_publishers_logo(client, jazz):
    doc = html.fromstring(client.get("/radio/jazz-fm/").content)
    tags = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}
    tags |= {m.get("name"): m.get("content") for m in doc.xpath("//meta[@name]")}

    card = "http://testserver" + CARD
    assert tags["og:image"] == tags["twitter:image"] == card
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:type"] == "image/jpeg"
    assert tags["og:image:alt"] == "Jazz FM"
    assert tags["twitter:card"] == "summary_large_image"
    assert LOGO not in tags.values()


def test_the_card_is_a_1200_by_630_jpeg_kept_by_its_etag(client, jazz, django_assert_num_queries):
    with django_assert_num_queries(2):  # the station, its logo's artwork row
        response = client.get(CARD)
    card_image(response)
    # No logo stored yet: the card will change when the artwork job has made one.
    assert response["Cache-Control"] == "public, max-age=300"
    etag = response["ETag"]

    again = client.get(CARD, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag


def test_the_card_draws_our_thumbnail_of_the_logo_once_stored(client, jazz, tmp_path):
    before = client.get(CARD)
    assert not near(panel_centre(card_image(before)), GREEN)

    store_logo(tmp_path)
    after = client.get(CARD)
    assert near(panel_centre(card_image(after)), GREEN)
    assert after["ETag"] != before["ETag"]
    assert after["Cache-Control"] == "public, max-age=86400"


def test_a_rename_makes_a_new_card(client, jazz):
    first = client.get(CARD)
    Station.objects.filter(pk=jazz.pk).update(name="Jazz FM Berlin")
    second = client.get(CARD)
    assert second["ETag"] != first["ETag"]
    assert second.content != first.content


def test_a_station_without_a_logo_gets_the_radio_mark(client):
    make_station("Plain Radio", "http://plain.example.org/live")
    response = client.get("/radio/plain-radio/share.jpg")
    card_image(response)
    assert response["Cache-Control"] == "public, max-age=86400"


def test_a_broken_stored_logo_costs_the_logo_not_the_card(client, jazz, tmp_path):
    store_logo(tmp_path)
    stored = Artwork.objects.get(key=artwork_key(LOGO)).stored
    for name in default_storage.listdir(stored)[1]:
        default_storage.delete(f"{stored}/{name}")
    logo = f"{stored}/{LOGO_SIZE}.webp"
    default_storage.save(logo, ContentFile(b"<html>not an image</html>"))
    card = card_image(client.get(CARD))
    assert not near(panel_centre(card), GREEN)

    default_storage.delete(logo)  # missing altogether
    cache.clear()
    card_image(client.get(CARD))


def test_hostile_names_are_cut_and_drawn_in_bounded_time(client):
    name = "\u202e\x07" + "Ｗ" * 5000 + " 🎷" * 2000 + "\n\t" + "a " * 5000
    make_station(name[:400], "http://long.example.org/live", country="x" * 100, codec="MP3")
    slug = Station.objects.get(url="http://long.example.org/live").slug
    started = time.perf_counter()
    card_image(client.get(f"/radio/{slug}/share.jpg"))
    assert time.perf_counter() - started < 5

    direct = make_card(Card(title=name, label="Live radio" * 50, facts=name, footer=name))
    assert Image.open(io.BytesIO(direct)).size == (1200, 630)


def test_long_titles_wrap_on_three_lines_at_most_the_last_cut():
    font = _font(76)
    lines = wrap("Radio " + "Supercalifragilistic" * 8 + " and more words", font, 580, 3)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(font.getlength(line) <= 580 for line in lines)
    assert wrap("Jazz FM", font, 580, 3) == ["Jazz FM"]


def test_an_unknown_station_is_a_404_and_only_gets_are_answered(client, jazz):
    assert client.get("/radio/no-such-station/share.jpg").status_code == 404
    assert client.post(CARD).status_code == 405
