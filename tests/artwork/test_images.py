"""Decoding and resizing (airwaves/artwork/images.py): sizes, formats, crops, and the
images we refuse."""

from __future__ import annotations

import io
import time
import tracemalloc

import pytest
from PIL import Image

from airwaves.artwork.images import FILES, ImageRefused, make_thumbnails
from tests.artwork.conftest import image_bytes, many_frames_gif, png_header_only, three_bands

MAX_PIXELS = 50_000_000


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_it_makes_every_size_as_webp_and_jpeg():
    thumbnails = make_thumbnails(image_bytes("PNG", (800, 600)), max_pixels=MAX_PIXELS)

    assert (thumbnails.source_format, thumbnails.width, thumbnails.height) == ("PNG", 800, 600)
    made = {(t.size, t.format): decoded(t.data) for t in thumbnails.files}
    assert set(made) == set(FILES)
    assert (1200, "jpg") in made  # the share image, for link previews
    for (size, fmt), image in made.items():
        assert image.size == (size, size)
        assert image.format == {"webp": "WEBP", "jpg": "JPEG"}[fmt]


def test_a_wide_cover_is_cropped_to_its_centre_not_squashed():
    # Thirds of 133 px: the centre square (150 to 250) is all green.
    thumbnails = make_thumbnails(three_bands((400, 100)), max_pixels=MAX_PIXELS)

    for thumbnail in thumbnails.files:
        image = decoded(thumbnail.data).convert("RGB")
        # Squashing would put red on the left edge and blue on the right.
        for x in (0, image.width // 2, image.width - 1):
            red, green, blue = image.getpixel((x, image.height // 2))
            assert green > 200 and red < 60 and blue < 60, (thumbnail.size, x)


def test_a_station_logo_is_contained_and_padded():
    thumbnails = make_thumbnails(three_bands((300, 100)), max_pixels=MAX_PIXELS, fit="contain")

    webp = decoded(next(t.data for t in thumbnails.files if t.format == "webp" and t.size == 160))
    jpeg = decoded(next(t.data for t in thumbnails.files if t.format == "jpg" and t.size == 160))
    assert webp.convert("RGBA").getpixel((80, 5))[3] == 0  # transparent padding above
    assert jpeg.convert("RGB").getpixel((80, 5)) == (255, 255, 255)  # white in JPEG
    red, _, _ = jpeg.convert("RGB").getpixel((3, 80))  # the whole logo, red end included
    assert red > 200


@pytest.mark.parametrize(
    "fmt, kwargs",
    [("JPEG", {}), ("GIF", {}), ("WEBP", {}), ("BMP", {}), ("ICO", {"sizes": [(64, 64)]})],
)
def test_it_reads_the_formats_feeds_use(fmt, kwargs):
    thumbnails = make_thumbnails(image_bytes(fmt, (64, 64), **kwargs), max_pixels=MAX_PIXELS)
    assert thumbnails.source_format == fmt
    assert len(thumbnails.files) == len(FILES)


def test_cmyk_and_transparent_palette_images_become_rgb():
    out = io.BytesIO()
    Image.new("CMYK", (50, 50), (0, 255, 255, 0)).save(out, "JPEG")
    make_thumbnails(out.getvalue(), max_pixels=MAX_PIXELS)

    palette = Image.new("P", (50, 50), 0)
    palette.info["transparency"] = 0
    out = io.BytesIO()
    palette.save(out, "PNG", transparency=0)
    jpeg = next(
        t for t in make_thumbnails(out.getvalue(), max_pixels=MAX_PIXELS).files if t.format == "jpg"
    )
    assert decoded(jpeg.data).convert("RGB").getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(
    "width, height",
    [
        (8000, 8000),  # 64 MP: over our cap, under Pillow's
        (10000, 10000),  # 100 MP: Pillow warns (an error under pytest)
        (30000, 30000),  # 900 MP: Pillow raises
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header(width, height):
    bomb = png_header_only(width, height)
    tracemalloc.start()
    try:
        with pytest.raises(ImageRefused, match="pixels"):
            make_thumbnails(bomb, max_pixels=MAX_PIXELS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024  # nothing was decoded


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML page"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"", "empty"),
        (b"\x00\x01garbage" * 20, "not an image"),
    ],
)
def test_what_is_not_a_raster_image_is_refused_with_what_it_looks_like(data, reason):
    with pytest.raises(ImageRefused, match=reason):
        make_thumbnails(data, max_pixels=MAX_PIXELS)


def test_formats_we_do_not_decode_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "TIFF")
    with pytest.raises(ImageRefused, match="not an image in a format we read"):
        make_thumbnails(out.getvalue(), max_pixels=MAX_PIXELS)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(fmt):
    out = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(out, fmt)
    data = out.getvalue()
    with pytest.raises(ImageRefused, match="truncated or corrupt|unreadable"):
        make_thumbnails(data[: len(data) // 2], max_pixels=MAX_PIXELS)


def test_a_gif_of_ten_thousand_frames_costs_its_first_frame_only():
    gif = many_frames_gif(10_000)
    assert Image.open(io.BytesIO(gif)).n_frames == 10_000

    started = time.monotonic()
    thumbnails = make_thumbnails(gif, max_pixels=MAX_PIXELS)
    assert time.monotonic() - started < 2.0
    first = decoded(next(t.data for t in thumbnails.files if t.format == "jpg")).convert("RGB")
    red, green, blue = first.getpixel((5, 5))
    assert red > 200 and blue < 60  # the first frame is red, all the others blue


def test_a_photo_stored_sideways_is_turned_as_browsers_turn_it():
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))  # left half red, right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: shown turned 90° clockwise
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)

    thumbnails = make_thumbnails(out.getvalue(), max_pixels=MAX_PIXELS)

    jpeg = decoded(next(t.data for t in thumbnails.files if t.size == 160 and t.format == "jpg"))
    top, bottom = jpeg.convert("RGB").getpixel((5, 5)), jpeg.convert("RGB").getpixel((5, 154))
    assert top[0] > 200 and top[2] < 60  # red on top once turned
    assert bottom[2] > 200 and bottom[0] < 60  # blue below (unturned, both would be red)
