"""Station playlists: PLS, M3U/EXTM3U, XSPF and ASX files, and telling them from audio.

Pure functions over bytes (no network, no Django). A radio station's published URL is often
a small playlist naming the real stream (or several mirrors); `parse_playlist_with_errors`
returns the usable entries and, for an import report, every entry it had to reject with
its line number. HLS playlists (`#EXT-X-…` tags) are recognised but not listed: an HLS URL
is itself the stream. `hls_variants` and `hls_segments` read the two kinds of HLS playlist
for the stream checker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

PLAYLIST_KINDS = ("pls", "m3u", "xspf", "asx", "hls")

# Content-Type → kind, for types that name a playlist format. "m3u" may turn out to be HLS.
_TYPES = {
    "audio/x-scpls": "pls",
    "audio/scpls": "pls",
    "application/pls+xml": "pls",
    "application/pls": "pls",
    "audio/x-mpegurl": "m3u",
    "audio/mpegurl": "m3u",
    "application/x-mpegurl": "m3u",
    "application/mpegurl": "m3u",
    "application/vnd.apple.mpegurl": "m3u",
    "application/vnd.apple.mpegurl.audio": "m3u",
    "audio/m3u": "m3u",
    "application/xspf+xml": "xspf",
    "video/x-ms-asf": "asx",
    "video/x-ms-asx": "asx",
    "audio/x-ms-asx": "asx",
    "application/x-ms-asx": "asx",
    "video/x-ms-wax": "asx",
    "audio/x-ms-wax": "asx",
}
_EXTENSIONS = {
    ".pls": "pls",
    ".m3u": "m3u",
    ".m3u8": "m3u",
    ".xspf": "xspf",
    ".asx": "asx",
    ".wax": "asx",
    ".wvx": "asx",
}
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(slots=True)
class PlaylistEntry:
    url: str  # absolute: relative entries are resolved against the playlist's URL
    title: str = ""
    line: int = 0  # 1-based line (PLS, M3U) or element source line (XSPF, ASX)


def looks_like_audio(data: bytes) -> bool:
    """Whether the bytes start like an audio stream we know (MP3, AAC, Ogg, FLAC, MPEG-TS)."""
    return sniff_codec(data) is not None


def sniff_codec(data: bytes) -> str | None:
    """The codec the first bytes of a stream show ("MP3", "AAC", "OGG", "OPUS", "FLAC"),
    "UNKNOWN" for a container we recognise without knowing its codec, or None."""
    if data.startswith(b"ID3") and len(data) >= 10:
        # ID3v2 tag: 10-byte header, then a syncsafe size; the audio follows it.
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        rest = data[10 + size :]
        return sniff_codec(rest) if rest else "MP3"
    if data.startswith(b"OggS"):
        head = data[:512]
        if b"OpusHead" in head:
            return "OPUS"
        if b"\x7fFLAC" in head:
            return "FLAC"
        return "OGG"  # Vorbis, or a codec inside Ogg that directories also call OGG
    if data.startswith(b"fLaC"):
        return "FLAC"
    if len(data) >= 189 and data[0] == 0x47 and data[188] == 0x47:
        return "UNKNOWN"  # MPEG transport stream (HLS segments); its codec is in the PMT
    # A stream joined mid-way may start anywhere: look for two consecutive frames.
    for offset in range(min(len(data) - 4, 4096)):
        if data[offset] != 0xFF:
            continue
        codec = _frame_codec(data, offset)
        if codec is not None:
            return codec
    return None


def _frame_codec(data: bytes, offset: int) -> str | None:
    header = data[offset : offset + 7]
    if len(header) < 4 or header[0] != 0xFF:
        return None
    if header[1] & 0xF6 == 0xF0 and len(header) >= 7:  # ADTS: sync 12 bits, layer 00
        length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
        if length >= 7 and _sync_at(data, offset + length, adts=True):
            return "AAC"
        return None
    length = mp3_frame_length(header)
    if length and _sync_at(data, offset + length, adts=False):
        return "MP3"
    return None


def _sync_at(data: bytes, offset: int, *, adts: bool) -> bool:
    if offset + 2 > len(data):
        return offset == len(data)  # the frame ends exactly where the data does
    if adts:
        return data[offset] == 0xFF and data[offset + 1] & 0xF6 == 0xF0
    return mp3_frame_length(data[offset : offset + 4]) is not None


_MP3_BITRATES = {  # kbps by bitrate index: (MPEG-1 layer III, MPEG-2/2.5 layer III)
    1: (32, 8),
    2: (40, 16),
    3: (48, 24),
    4: (56, 32),
    5: (64, 40),
    6: (80, 48),
    7: (96, 56),
    8: (112, 64),
    9: (128, 80),
    10: (160, 96),
    11: (192, 112),
    12: (224, 128),
    13: (256, 144),
    14: (320, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_frame_bitrate(header: bytes) -> int | None:
    """kbps of an MPEG audio layer III frame header, or None if `header` is not one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 0x03
    layer = (header[1] >> 1) & 0x03
    index = header[2] >> 4
    if version == 1 or layer != 1 or index not in _MP3_BITRATES or (header[2] >> 2) & 3 == 3:
        return None
    return _MP3_BITRATES[index][0 if version == 3 else 1]


def mp3_frame_length(header: bytes) -> int | None:
    bitrate = mp3_frame_bitrate(header)
    if bitrate is None:
        return None
    version = (header[1] >> 3) & 0x03
    rate = _MP3_RATES[version][(header[2] >> 2) & 3]
    padding = (header[2] >> 1) & 1
    samples = 144 if version == 3 else 72
    return samples * bitrate * 1000 // rate + padding


def playlist_kind(data: bytes, *, content_type: str = "", url: str = "") -> str | None:
    """Which playlist `data` is: "pls", "m3u", "xspf", "asx", "hls", or None when it is
    not one (audio, an HTML page, anything else). The bytes decide first; Content-Type and
    the URL's extension only help with files that have no header (plain M3U)."""
    head = _strip_bom(data[:4096]).lstrip()
    lowered = head[:512].lower()
    if lowered.startswith(b"#extm3u") or lowered.startswith(b"#ext-x-"):
        return "hls" if _is_hls(data) else "m3u"
    if lowered.startswith(b"[playlist]"):
        return "pls"
    if lowered.startswith(b"<asx") or (lowered.startswith(b"<?xml") and b"<asx" in lowered):
        return "asx"
    if b"<playlist" in lowered and (b"xspf" in lowered or lowered.startswith(b"<playlist")):
        return "xspf"
    if looks_like_audio(data[:8192]) or _looks_like_html(lowered):
        return None
    declared = _TYPES.get(_media_type(content_type)) or _extension_kind(url)
    text = _decode(data[:65536])
    if declared in ("pls", "xspf", "asx"):
        return declared if _looks_like_text(text) else None
    if declared == "m3u" and _looks_like_text(text):
        return "hls" if _is_hls(data) else "m3u"
    # A bare list of URLs served as text/plain (or with no type at all) is an M3U.
    if _media_type(content_type) in ("", "text/plain", "application/octet-stream"):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        urls = [line for line in lines if not line.startswith("#")]
        if urls and all(re.match(r"^https?://\S+$", line, re.I) for line in urls):
            return "m3u"
    return None


def parse_playlist(data: bytes, *, content_type: str = "", url: str = "") -> list[PlaylistEntry]:
    """The entries of a PLS, M3U, XSPF or ASX playlist ([] for HLS or not a playlist)."""
    return parse_playlist_with_errors(data, content_type=content_type, url=url)[0]


def parse_playlist_with_errors(
    data: bytes, *, content_type: str = "", url: str = ""
) -> tuple[list[PlaylistEntry], list[tuple[int, str]]]:
    """Entries, and the rejected ones as (line, reason), e.g. (7, "not an http(s) URL: …")."""
    kind = playlist_kind(data, content_type=content_type, url=url)
    if kind is None or kind == "hls":
        return [], []
    parser = {"pls": _parse_pls, "m3u": _parse_m3u, "xspf": _parse_xspf, "asx": _parse_asx}[kind]
    raw, errors = parser(data)
    entries: list[PlaylistEntry] = []
    for location, title, line in raw:
        absolute, reason = absolute_url(location, url)
        if absolute is None:
            errors.append((line, reason))
        else:
            entries.append(PlaylistEntry(absolute, title, line))
    errors.sort(key=lambda error: error[0])
    return entries, errors


def absolute_url(location: str, base: str) -> tuple[str | None, str]:
    """(the absolute http(s) URL, "") or (None, why not)."""
    location = location.strip()
    if not location:
        return None, "empty URL"
    if re.match(r"^([A-Za-z]:[\\/]|\\\\)", location):
        return None, f"not an http(s) URL: {_short(location)!r} (a file on someone's computer)"
    if not _URL_SCHEME.match(location):
        if not re.match(r"^https?://", base, re.I):  # no base, or an uploaded file's name
            return None, f"relative URL and no playlist URL to resolve it: {_short(location)!r}"
        location = urljoin(base, location)
    if location.split(":", 1)[0].lower() not in ("http", "https"):
        return None, f"not an http(s) URL: {_short(location)!r}"
    if not re.match(r"^https?://[^/?#\s]+", location, re.I) or re.search(r"\s", location):
        return None, f"not a valid URL: {_short(location)!r}"
    return location, ""


# -- formats -------------------------------------------------------------------------------

RawEntries = tuple[list[tuple[str, str, int]], list[tuple[int, str]]]


def _parse_pls(data: bytes) -> RawEntries:
    files: dict[int, tuple[str, int]] = {}
    titles: dict[int, str] = {}
    errors: list[tuple[int, str]] = []
    for number, raw in enumerate(_decode(data).splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith((";", "#")) or line.lower() == "[playlist]":
            continue
        key, sep, value = line.partition("=")
        if not sep:
            errors.append((number, f"not a PLS line (expected Key=Value): {_short(line)!r}"))
            continue
        match = re.fullmatch(r"(file|title|length)(\d+)", key.strip().lower())
        if match is None:
            continue  # NumberOfEntries, Version and anything unknown
        field, index = match.group(1), int(match.group(2))
        if field == "file":
            files[index] = (value.strip(), number)
        elif field == "title":
            titles[index] = value.strip()
    entries = [(files[i][0], titles.get(i, ""), files[i][1]) for i in sorted(files)]
    return entries, errors


def _parse_m3u(data: bytes) -> RawEntries:
    entries: list[tuple[str, str, int]] = []
    title = ""
    for number, raw in enumerate(_decode(data).splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line[:8].upper() == "#EXTINF:":
                # #EXTINF:<duration> [attributes],<title>; titles may contain commas.
                title = _extinf_title(line[8:])
            continue
        entries.append((line, title, number))
        title = ""
    return entries, []


def _extinf_title(rest: str) -> str:
    # Skip quoted attribute values (tvg-name="a, b") before looking for the comma.
    in_quotes = False
    for index, char in enumerate(rest):
        if char == '"':
            in_quotes = not in_quotes
        elif char == "," and not in_quotes:
            return rest[index + 1 :].strip()
    return ""


def _xml_root(data: bytes) -> etree._Element | None:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, huge_tree=False, remove_pis=True
    )
    try:
        return etree.fromstring(_strip_bom(data).lstrip(), parser)
    except etree.XMLSyntaxError:
        return None


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child) == name]


def _text(element: etree._Element, name: str) -> str:
    for child in _children(element, name):
        return " ".join("".join(child.itertext()).split())
    return ""


def _parse_xspf(data: bytes) -> RawEntries:
    root = _xml_root(data)
    if root is None:
        return [], [(1, "not a readable XSPF document")]
    entries: list[tuple[str, str, int]] = []
    errors: list[tuple[int, str]] = []
    for track_list in _children(root, "tracklist"):
        for track in _children(track_list, "track"):
            locations = _children(track, "location")
            if not locations:
                errors.append((track.sourceline or 0, "track without a <location>"))
                continue
            title = _text(track, "title") or _text(track, "annotation")
            for location in locations:
                entries.append(("".join(location.itertext()).strip(), title, location.sourceline))
    return entries, errors


def _parse_asx(data: bytes) -> RawEntries:
    # ASX files in the wild use any letter case and are often not well-formed XML
    # (bare "&" in URLs): lowercase the tag names and let the recovering parser cope.
    text = re.sub(
        rb"<(/?)([A-Za-z]+)", lambda m: b"<" + m.group(1) + m.group(2).lower(), _strip_bom(data)
    )
    text = re.sub(rb"&(?!#?\w+;)", b"&amp;", text)
    root = _xml_root(text)
    if root is None or _local(root) != "asx":
        return [], [(1, "not a readable ASX document")]
    playlist_title = _text(root, "title")
    entries: list[tuple[str, str, int]] = []
    errors: list[tuple[int, str]] = []
    for element in root:
        name = _local(element)
        if name == "entryref":
            href = _attribute(element, "href")
            entries.append((href, playlist_title, element.sourceline or 0))
        elif name == "entry":
            refs = _children(element, "ref")
            if not refs:
                errors.append((element.sourceline or 0, "entry without a <ref href=…>"))
            title = _text(element, "title") or playlist_title
            for ref in refs:  # alternatives for the same entry, best first
                entries.append((_attribute(ref, "href"), title, ref.sourceline or 0))
    return entries, errors


def _attribute(element: etree._Element, name: str) -> str:
    for key, value in element.attrib.items():
        if str(key).lower() == name:
            return str(value)
    return ""


# -- HLS -----------------------------------------------------------------------------------


@dataclass(slots=True)
class HLSVariant:
    url: str
    bandwidth: int | None  # bits per second
    codecs: str  # the CODECS attribute, e.g. "mp4a.40.2"


def hls_variants(text: str, base: str) -> list[HLSVariant]:
    """The variant streams of an HLS master playlist ([] for a media playlist)."""
    variants: list[HLSVariant] = []
    attributes: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.upper().startswith("#EXT-X-STREAM-INF:"):
            attributes = hls_attributes(line.split(":", 1)[1])
        elif line and not line.startswith("#") and attributes is not None:
            absolute, _ = absolute_url(line, base)
            if absolute is not None:
                bandwidth = attributes.get("BANDWIDTH", "")
                variants.append(
                    HLSVariant(
                        absolute,
                        int(bandwidth) if bandwidth.isascii() and bandwidth.isdigit() else None,
                        attributes.get("CODECS", ""),
                    )
                )
            attributes = None
    return variants


def hls_segments(text: str, base: str) -> list[str]:
    """The segment URLs of an HLS media playlist."""
    segments: list[str] = []
    after_extinf = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.upper().startswith("#EXTINF:"):
            after_extinf = True
        elif line and not line.startswith("#") and after_extinf:
            absolute, _ = absolute_url(line, base)
            if absolute is not None:
                segments.append(absolute)
            after_extinf = False
    return segments


def hls_attributes(text: str) -> dict[str, str]:
    """KEY=value,KEY="quoted, value" → {"KEY": "value", …}."""
    return {
        match.group(1).upper(): match.group(2).strip('"')
        for match in re.finditer(r'([A-Za-z0-9-]+)=("[^"]*"|[^,]*)', text)
    }


def hls_codec(codecs: str) -> str:
    """The radio-browser codec name of an HLS CODECS attribute ("" when it names none)."""
    names = [name.strip().lower() for name in codecs.split(",") if name.strip()]
    for name in names:
        if name in ("mp4a.40.5", "mp4a.40.29"):
            return "AAC+"
        if name in ("mp4a.40.2", "mp4a.40.1") or name.startswith("mp4a.40"):
            return "MP3" if name == "mp4a.40.34" else "AAC"
        if name in ("mp3", "mp4a.6b", "mp4a.69"):
            return "MP3"
        if name == "opus":
            return "OPUS"
        if name in ("flac", "fl"):
            return "FLAC"
        if name == "vorbis":
            return "OGG"
    return ""


def _is_hls(data: bytes) -> bool:
    return b"#EXT-X-" in data[:65536].upper()


# -- helpers -------------------------------------------------------------------------------


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _extension_kind(url: str) -> str | None:
    path = url.split("#", 1)[0].split("?", 1)[0].lower()
    for extension, kind in _EXTENSIONS.items():
        if path.endswith(extension):
            return kind
    return None


def _strip_bom(data: bytes) -> bytes:
    for bom in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :]
    return data


def _decode(data: bytes) -> str:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    data = _strip_bom(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _looks_like_html(lowered_head: bytes) -> bool:
    return lowered_head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or (
        lowered_head.startswith(b"<?xml") and b"<html" in lowered_head
    )


def _looks_like_text(text: str) -> bool:
    sample = text[:2048]
    if not sample:
        return False
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\r\n\t")
    return "\ufffd" not in sample[:256] and controls == 0


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
