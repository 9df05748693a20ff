"""Turns the bytes of a publisher's image into our thumbnails, or refuses them.

No Django and no network here: `make_thumbnails(data)` takes bytes and returns the encoded
thumbnails, or raises `ImageRefused` with a reason an operator can read in the admin.

What is refused, and why each check sits where it does:

1. Not an image we decode: Pillow is told which formats to try (`FORMATS`), so SVG
   (never rasterised: it is a program, not a picture), HTML error pages, PDFs and the
   rarer formats with a history of decoder bugs never reach a decoder.
2. Too many pixels: the size is read from the header by `Image.open`, which decodes
   nothing; anything over `max_pixels` is refused before a pixel is allocated. Pillow's
   own decompression-bomb warning is turned into an error for the duration (pytest runs
   with warnings as errors, and a warning in production would only be noise).
3. Truncated or corrupt: decoding the first frame fails, and that is the reason given.
   Animated images (a GIF of 10,000 frames) are decoded for their first frame only.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Square thumbnail sizes, in pixels. Templates choose among them (the smallest one at
# least twice the displayed width, for HiDPI screens), so changing this list changes URLs.
SIZES = (64, 160, 320, 640)
# The share image, for og:image and twitter:image: link previews want a raster of at
# least 1200 px (a smaller one is shown as a small thumbnail beside the link, or not at
# all), and read JPEG everywhere. Never shown on our own pages.
SHARE_SIZE = 1200
# Every file made of an image, as (size, extension).
FILES = (*((size, fmt) for size in SIZES for fmt in ("webp", "jpg")), (SHARE_SIZE, "jpg"))
# Pillow format names we decode (the JPEG reader also opens cameras' MPO files).
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "ICO")
WEBP_QUALITY = 80
JPEG_QUALITY = 85
# JPEG has no transparency: transparent parts of a logo are laid on white.
JPEG_BACKGROUND = (255, 255, 255)

# warnings.catch_warnings changes process-wide state; one decode at a time keeps two
# threads of ours from restoring each other's filters.
_decode_lock = threading.Lock()


class ImageRefused(Exception):
    """The bytes are not an image we show; the message says why."""


@dataclass(frozen=True, slots=True)
class Thumbnail:
    size: int  # width and height, in pixels
    format: str  # "webp" or "jpg": the file extension
    data: bytes


@dataclass(frozen=True, slots=True)
class Thumbnails:
    source_format: str  # Pillow's name of what the publisher sent ("PNG")
    width: int  # of the original
    height: int
    files: list[Thumbnail]


def sniff(data: bytes) -> str:
    """A few words on what bytes that are not an image look like, for the refusal."""
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return "an SVG document (vector images are not rasterised)"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    if head.startswith(b"%pdf"):
        return "a PDF document"
    if not data:
        return "empty"
    return "not an image in a format we read (JPEG, PNG, GIF, WebP, BMP, ICO)"


def open_image(data: bytes, *, max_pixels: int) -> tuple[Image.Image, tuple[int, int]]:
    """Opens the image and decodes its first frame, refusing bombs before decoding.
    Returns the image and its size as sent (a JPEG is decoded smaller when it can be)."""
    with _decode_lock, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except UnidentifiedImageError as exc:
            raise ImageRefused(sniff(data)) from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(f"too many pixels to decode safely ({exc})") from exc
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageRefused(f"unreadable {sniff(data)}: {exc}") from exc
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageRefused(f"the image has no pixels ({width}×{height})")
        if width * height > max_pixels:
            raise ImageRefused(
                f"the image is {width}×{height} pixels, more than the "
                f"{max_pixels / 1e6:g} megapixels we decode"
            )
        if image.format == "JPEG":
            # Decode at the smallest scale (1/2, 1/4, 1/8) that still covers our largest
            # file: a 5000 px cover then costs a sixteenth of the memory and time.
            image.draft("RGB", (SHARE_SIZE, SHARE_SIZE))
        try:
            image.load()  # the first frame only, for animations
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ImageRefused(f"truncated or corrupt {image.format} image: {exc}") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(f"too many pixels to decode safely ({exc})") from exc
        return image, (width, height)


def _rgb(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if not has_alpha:
        return image if image.mode == "RGB" else image.convert("RGB")
    if keep_alpha and image.mode == "RGBA":
        return image
    rgba = image.convert("RGBA")
    if keep_alpha:
        return rgba
    flat = Image.new("RGB", rgba.size, JPEG_BACKGROUND)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def square(image: Image.Image, size: int, *, fit: str) -> Image.Image:
    """`fit="cover"`: the centre square, scaled (covers are square already, nearly
    always). `fit="contain"`: the whole image, scaled into the square and padded with
    transparency (station logos, whose words must not be cut off)."""
    if fit == "contain":
        inner = ImageOps.contain(image, (size, size), Image.Resampling.LANCZOS)
        canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        canvas.paste(inner.convert("RGBA"), ((size - inner.width) // 2, (size - inner.height) // 2))
        return canvas
    return ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)


def encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "webp":
        _rgb(image, keep_alpha=True).save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        _rgb(image, keep_alpha=False).save(
            out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True
        )
    return out.getvalue()


def make_thumbnails(data: bytes, *, max_pixels: int, fit: str = "cover") -> Thumbnails:
    """Every size in SIZES, as WebP and as JPEG, and the JPEG share image (FILES).
    Raises ImageRefused."""
    image, (width, height) = open_image(data, max_pixels=max_pixels)
    source_format = image.format or ""
    try:
        # Cameras store portrait photos sideways with an EXIF note; browsers turn them.
        image = ImageOps.exif_transpose(image)
        image = _rgb(image, keep_alpha=True)
        # A cheap box reduction first, down to no less than twice our largest size:
        # the steps below then work on a few megabytes, whatever the original's size.
        factor = min(image.size) // (2 * SHARE_SIZE)
        if factor >= 2:
            image = image.reduce(factor)
        # The largest from the original, each smaller one from the largest: as sharp,
        # and a 3000 px original is resampled once instead of five times.
        share = square(image, SHARE_SIZE, fit=fit)
        files = [Thumbnail(SHARE_SIZE, "jpg", encode(share, "jpg"))]
        largest = share.resize((SIZES[-1], SIZES[-1]), Image.Resampling.LANCZOS)
        for size in SIZES:
            thumb = (
                largest
                if size == SIZES[-1]
                else largest.resize((size, size), Image.Resampling.LANCZOS)
            )
            files.append(Thumbnail(size, "webp", encode(thumb, "webp")))
            files.append(Thumbnail(size, "jpg", encode(thumb, "jpg")))
    except (OSError, ValueError) as exc:
        raise ImageRefused(f"could not resize the {source_format} image: {exc}") from exc
    return Thumbnails(source_format, width, height, files)
