"""Share cards: the 1200×630 JPEG a link preview (og:image, twitter:image) shows for a
page whose own image is no picture of that size, such as a station's small logo.

No Django and no network here, as in images.py: `make_card(card)` takes the words and
the logo (one of our own thumbnails, never a publisher's file) and returns JPEG bytes.
Whatever the words, the work is bounded: a title is cut to MAX_TITLE characters before
it is measured, and drawn on at most three lines, the last ending in "…" when cut.
The font is the one Pillow ships (FreeType), so a fresh install draws cards with no
font installed on the machine.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont, ImageOps

from airwaves.artwork.images import JPEG_QUALITY

WIDTH, HEIGHT = 1200, 630  # the size Open Graph and Twitter's large card show
MAX_TITLE = 200  # characters measured; longer names are cut first
MAX_LINE = 120  # characters of the facts and footer lines
# The site header's colours (site.css), top to bottom.
TOP = (21, 18, 43)
BOTTOM = (56, 36, 160)
PANEL = (255, 255, 255)
CHIP = (224, 36, 94)  # --heart, the site's "live" red
TEXT = (255, 255, 255)
MUTED = (205, 200, 235)
PANEL_BOX = (80, 115, 480, 515)  # the logo's white square, left of the words
TEXT_LEFT, TEXT_RIGHT = 540, 1120
TITLE_SIZES = (76, 64, 54)  # the largest that fits in three lines is used
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Card:
    title: str  # the station's name
    label: str  # the chip above it ("Live radio")
    facts: str  # one line under it ("Germany · MP3 · 128 kbps")
    footer: str  # the site's name
    logo: bytes | None = None  # one of our thumbnails (WebP or JPEG), or none


def _font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow built without FreeType
        raise RuntimeError("share cards need Pillow with FreeType")
    return font


def _clean(text: str, limit: int) -> str:
    """One line of plain words: control characters and runs of spaces gone, cut."""
    kept = "".join(c if c.isprintable() else " " for c in text[: limit * 2])
    return " ".join(kept.split())[:limit]


def _fitting(text: str, font: ImageFont.FreeTypeFont, width: int, end: str = "") -> int:
    """How many characters of `text` (followed by `end`) fit in `width`: a binary
    search, so a long word costs a few measurements, not one per character."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle] + end) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _cut(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """`text` ending in "…", as long as fits in `width`."""
    return text[: _fitting(text, font, width, ELLIPSIS)].rstrip() + ELLIPSIS


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    """Words on at most `lines` lines of `width` pixels; a word wider than a line is
    broken, and what does not fit ends the last line with "…"."""
    out: list[str] = []
    words = text.split()
    current = ""
    while words:
        word = words[0]
        trial = f"{current} {word}" if current else word
        if font.getlength(trial) <= width:
            current = trial
            words.pop(0)
            continue
        if not current:  # one word wider than the line: break it
            cut = max(1, _fitting(word, font, width))
            current, words[0] = word[:cut], word[cut:]
        out.append(current)
        current = ""
        if len(out) == lines:
            out[-1] = _cut(out[-1], font, width)
            return out
    if current:
        out.append(current)
    return out


def _background() -> Image.Image:
    gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    return Image.composite(
        Image.new("RGB", (WIDTH, HEIGHT), BOTTOM), Image.new("RGB", (WIDTH, HEIGHT), TOP), gradient
    )


def _logo(data: bytes | None) -> Image.Image | None:
    """Our own thumbnail, decoded; None when it is missing or unreadable (the card is
    then drawn with the radio mark instead: a bad file costs the logo, not the card)."""
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data), formats=("WEBP", "JPEG", "PNG")) as image:
            if image.width * image.height > 2000 * 2000:
                return None
            image.load()
            return image.convert("RGBA")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _radio_mark(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    """Broadcast waves around a mast, for a station without a logo."""
    left, top, right, bottom = box
    cx, cy = (left + right) // 2, (top + bottom) // 2 - 30
    for radius in (55, 105, 155):
        for start, end in ((135, 225), (-45, 45)):
            draw.arc(
                (cx - radius, cy - radius, cx + radius, cy + radius),
                start,
                end,
                fill=BOTTOM,
                width=16,
            )
    draw.ellipse((cx - 24, cy - 24, cx + 24, cy + 24), fill=CHIP)
    draw.polygon([(cx, cy), (cx - 60, bottom - 50), (cx + 60, bottom - 50)], fill=TOP)


def make_card(card: Card) -> bytes:
    image = _background()
    draw = ImageDraw.Draw(image)

    draw.rounded_rectangle(PANEL_BOX, radius=36, fill=PANEL)
    logo = _logo(card.logo)
    left, top, right, bottom = PANEL_BOX
    if logo is not None:
        inner = ImageOps.contain(logo, (right - left - 40, bottom - top - 40))
        x = left + (right - left - inner.width) // 2
        y = top + (bottom - top - inner.height) // 2
        image.paste(inner, (x, y), inner)
    else:
        _radio_mark(draw, PANEL_BOX)

    width = TEXT_RIGHT - TEXT_LEFT
    label_font = _font(30)
    label = _clean(card.label, 40).upper()
    label_width = int(label_font.getlength(label))
    draw.rounded_rectangle((TEXT_LEFT, 120, TEXT_LEFT + label_width + 40, 170), 25, fill=CHIP)
    draw.text((TEXT_LEFT + 20, 145), label, font=label_font, fill=TEXT, anchor="lm")

    title = _clean(card.title, MAX_TITLE) or "Untitled station"
    for size in TITLE_SIZES:
        font = _font(size)
        lines = wrap(title, font, width, 3)
        if not lines[-1].endswith(ELLIPSIS) or size == TITLE_SIZES[-1]:
            break
    y = 200
    for line in lines:
        # Drawn with a thin outline of its own colour: the shipped font has no bold.
        draw.text((TEXT_LEFT, y), line, font=font, fill=TEXT, stroke_width=1, stroke_fill=TEXT)
        y += int(size * 1.18)

    facts_font = _font(34)
    facts = _clean(card.facts, MAX_LINE)
    if facts:
        if facts_font.getlength(facts) > width:
            facts = _cut(facts, facts_font, width)
        draw.text((TEXT_LEFT, y + 18), facts, font=facts_font, fill=MUTED)

    footer_font = _font(30)
    footer = _clean(card.footer, MAX_LINE)
    if footer_font.getlength(footer) > WIDTH - 160:
        footer = _cut(footer, footer_font, WIDTH - 160)
    draw.text((80, 575), footer, font=footer_font, fill=MUTED, anchor="ls")

    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
