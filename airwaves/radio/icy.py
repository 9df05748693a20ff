"""ICY metadata: the now-playing titles SHOUTcast and Icecast put inside the audio.

A listener asking with `Icy-MetaData: 1` gets `icy-metaint: N` back, and then the body is

    N audio bytes | 1 length byte L | 16·L metadata bytes | N audio bytes | L | …

where the metadata block (padded with NUL bytes) reads `StreamTitle='Artist - Song';` and
sometimes more `Key='value';` pairs. Most blocks are empty (L = 0): servers send a title
when it changes, some repeat it. Nothing escapes quotes inside values, so a title may
itself contain `'` and `;` (`StreamTitle='Guns N' Roses - Sweet Child';`).

`IcyParser` is sans-IO: feed it the body in chunks of any size and it hands back the audio
with every metadata block removed, plus the titles completed so far.
"""

from __future__ import annotations

import codecs
import html
import re


class IcyParser:
    """Splits an ICY body into audio and titles; chunk boundaries may fall anywhere."""

    __slots__ = ("metaint", "_audio_left", "_meta_left", "_meta")

    def __init__(self, metaint: int) -> None:
        if metaint <= 0:
            raise ValueError(f"icy-metaint must be positive, not {metaint}")
        self.metaint = metaint
        self._audio_left = metaint  # audio bytes before the next length byte
        self._meta_left = -1  # metadata bytes still to come; -1: the length byte is next
        self._meta = bytearray()

    def feed(self, chunk: bytes) -> tuple[bytes, list[str]]:
        """(audio bytes in `chunk`, StreamTitle values of blocks completed in `chunk`)."""
        audio = bytearray()
        titles: list[str] = []
        view = memoryview(chunk)
        position, size = 0, len(chunk)
        while position < size:
            if self._audio_left:
                take = min(self._audio_left, size - position)
                audio += view[position : position + take]
                position += take
                self._audio_left -= take
            elif self._meta_left < 0:
                self._meta_left = view[position] * 16
                position += 1
                if self._meta_left == 0:
                    self._end_block(titles)
            else:
                take = min(self._meta_left, size - position)
                self._meta += view[position : position + take]
                position += take
                self._meta_left -= take
                if self._meta_left == 0:
                    self._end_block(titles)
        return bytes(audio), titles

    def _end_block(self, titles: list[str]) -> None:
        if self._meta:
            title = parse_stream_title(bytes(self._meta))
            if title is not None:
                titles.append(title)
            self._meta.clear()
        self._meta_left = -1
        self._audio_left = self.metaint


# The end of a value: "';" followed by the next key or by the end of the block. Looking
# for the first "'" would cut "Guns N' Roses" short.
_VALUE_END = re.compile(r"';(?=\s*[A-Za-z][A-Za-z0-9_]*\s*=\s*'|\s*$)")
_LATIN1_FALLBACK = "airwaves-latin-1"
# cp1252 leaves five bytes undefined; read those as Latin-1, which maps every byte.
codecs.register_error(
    _LATIN1_FALLBACK,
    lambda error: (error.object[error.start : error.end].decode("latin-1"), error.end),  # type: ignore[union-attr]
)
_CHAR_REFERENCE = re.compile(r"&#(?:[0-9]{1,7}|[xX][0-9a-fA-F]{1,6});")


def parse_stream_title(block: bytes) -> str | None:
    """The StreamTitle of one metadata block; None when the block has none.

    Text is UTF-8 when it decodes as such, else Windows-1252 (a superset of Latin-1's
    printable characters). Numeric character references are decoded: Icecast writes
    characters its mount charset cannot hold as "&#8211;".
    """
    raw = block.rstrip(b"\0")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors=_LATIN1_FALLBACK)
    start = text.find("StreamTitle='")
    if start < 0:
        return None
    value = text[start + len("StreamTitle='") :]
    end = _VALUE_END.search(value)
    if end is not None:
        value = value[: end.start()]
    elif value.endswith("'"):
        value = value[:-1]
    value = _CHAR_REFERENCE.sub(lambda match: html.unescape(match.group(0)), value)
    return value.strip()


_SEPARATORS = (" - ", " – ", " — ")


def split_artist_title(text: str) -> tuple[str, str]:
    """("Artist", "Song") from "Artist - Song", split at the first " - " (or an en or
    em dash with spaces around it); ("", text) when there is none."""
    text = text.strip()
    cut = min(
        (
            (index, len(separator))
            for separator in _SEPARATORS
            if (index := text.find(separator)) > 0
        ),
        default=None,
    )
    if cut is None:
        return "", text
    index, length = cut
    return text[:index].strip(), text[index + length :].strip()
