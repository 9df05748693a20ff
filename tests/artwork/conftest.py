"""Images made with Pillow for the artwork tests, and a media directory of their own."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Thumbnails go to a directory of this test's, through default_storage."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (800, 600), colour="#3366cc", **kw):
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" and len(colour) == 4 else "RGB"
    Image.new(mode, size, colour).save(out, fmt, **kw)
    return out.getvalue()


def three_bands(size: tuple[int, int] = (300, 100)) -> bytes:
    """A wide PNG: red left third, green middle third, blue right third."""
    width, height = size
    image = Image.new("RGB", size, (0, 255, 0))
    image.paste((255, 0, 0), (0, 0, width // 3, height))
    image.paste((0, 0, 255), (2 * width // 3, 0, width, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width × height and holds one tiny IDAT: a decompression bomb's
    header, made without allocating the pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def many_frames_gif(frames: int) -> bytes:
    """A 16×16 GIF of `frames` frames: the first red, every other one blue. Built by
    repeating one frame's bytes, as Pillow would take seconds to write 10,000 frames."""
    out = io.BytesIO()
    first = Image.new("P", (16, 16), 0)
    first.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    second = first.copy()
    second.paste(1, (0, 0, 16, 16))
    first.save(out, "GIF", save_all=True, append_images=[second], duration=10, optimize=False)
    data = out.getvalue()
    # Header, screen descriptor and palette, then frame one, frame two, trailer (0x3B).
    start = data.index(b"\x21\xf9")  # first Graphic Control Extension
    second_start = data.index(b"\x21\xf9", start + 1)
    frame_two = data[second_start:-1]
    return data[:second_start] + frame_two * (frames - 1) + b"\x3b"
