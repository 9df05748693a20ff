"""Chapters and transcript files: fetched through the SSRF-guarded client with size and
time caps, and read into chapters (start, title, image, link) and transcript lines
(start, end, text). No Django here; podcasts/extras.py runs it in the background.

Formats: Podcasting 2.0 JSON chapters; transcripts as WebVTT, SRT, Podcasting 2.0 JSON
and HTML (preferred in that order, `TRANSCRIPT_RANK`). A file is read by the type the
feed declared, else the one the server sent, else what its first bytes look like.

Errors: everything that goes wrong raises `MediaFileError`, whose `refused` says
whether trying again later could help (a timeout, an HTTP 503: yes) or not (a private
address, an image where a transcript was promised, a body over the cap, a file that
does not parse: no, until the publisher changes it).
"""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass

import httpx
from lxml import etree
from lxml import html as lxml_html

from airwaves.crawler.p20_media import MAX_SECONDS, MAX_TEXT, MAX_URL, ordered_chapters
from airwaves.crawler.types import Chapter
from airwaves.lib.bodies import read_capped
from airwaves.lib.guard import BlockedAddressError, UnsupportedURLError, io_deadline
from airwaves.lib.redirects import RedirectChain, RedirectError

MAX_LINES = 20_000  # a ten-hour show captioned line by line
MAX_LINE_TEXT = 2000
MAX_CHAPTERS = 500
MAX_REDIRECTS = 5

VTT, SRT, JSON, HTML = "vtt", "srt", "json", "html"
# The feed's MIME types (and servers'), by the format we read them as.
TYPES = {
    "text/vtt": VTT,
    "text/webvtt": VTT,
    "application/x-subrip": SRT,
    "application/srt": SRT,
    "application/x-srt": SRT,
    "text/srt": SRT,
    "text/x-srt": SRT,
    "application/json": JSON,
    "text/json": JSON,
    "application/json+chapters": JSON,
    "text/html": HTML,
    "application/xhtml+xml": HTML,
}
TRANSCRIPT_RANK = {VTT: 0, SRT: 1, JSON: 2, HTML: 3}
UNKNOWN_RANK = 4  # an undeclared or unknown type: tried last, read by its first bytes
# What is never a transcript or chapters, refused before the body is read.
REFUSED_PREFIXES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")


class MediaFileError(Exception):
    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True, slots=True)
class FetchedFile:
    url: str  # after redirects
    data: bytes
    content_type: str  # lower case, without parameters
    charset: str


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    start: float | None  # seconds; None in an HTML transcript without times
    end: float | None
    text: str


def format_of(declared_type: str) -> str:
    return TYPES.get(declared_type.split(";")[0].strip().lower(), "")


def transcript_rank(declared_type: str) -> int:
    return TRANSCRIPT_RANK.get(format_of(declared_type), UNKNOWN_RANK)


# Fetching ------------------------------------------------------------------------------


def fetch_file(
    url: str,
    *,
    client: httpx.Client,
    max_bytes: int,
    total_timeout: float,
    allow_private: bool,
) -> FetchedFile:
    """GETs `url` with `client` (lib/net.make_client, whose guard checks every address
    it connects to), following redirects hop by hop (lib/redirects.py checks each URL
    first). Asks for no compression: a gzip layer could inflate into anything."""
    headers = {"Accept": "text/vtt, application/json, text/html;q=0.8, */*;q=0.5"}
    headers["Accept-Encoding"] = "identity"
    started = time.monotonic()
    chain = RedirectChain(url, max_redirects=MAX_REDIRECTS, allow_private=allow_private)
    try:
        with io_deadline(total_timeout):
            target = chain.start()
            while True:
                with client.stream("GET", target, headers=headers) as response:
                    following = chain.next(
                        response.status_code, response.headers.get("Location", "")
                    )
                    if following is None:
                        return _read(chain.url, response, max_bytes, started, total_timeout)
                target = following
    except (BlockedAddressError, UnsupportedURLError) as exc:
        raise MediaFileError(str(exc), refused=True) from exc
    except RedirectError as exc:
        raise MediaFileError(str(exc), refused=True) from exc
    except httpx.TimeoutException as exc:
        raise MediaFileError(
            f"fetching {chain.url} took longer than {total_timeout:g} s ({type(exc).__name__})"
        ) from exc
    except httpx.InvalidURL as exc:
        raise MediaFileError(f"refused {chain.url!r}: {exc}", refused=True) from exc
    except httpx.HTTPError as exc:
        raise MediaFileError(f"error fetching {chain.url}: {exc or type(exc).__name__}") from exc
    except OSError as exc:  # the name does not resolve, the connection is refused
        raise MediaFileError(f"error fetching {chain.url}: {exc}") from exc


def _read(
    url: str, response: httpx.Response, max_bytes: int, started: float, total_timeout: float
) -> FetchedFile:
    status = response.status_code
    if not 200 <= status < 300:
        # A 4xx stays wrong until the publisher fixes the feed; a 5xx may pass.
        raise MediaFileError(
            f"HTTP {status} {response.reason_phrase}".strip(), refused=400 <= status < 500
        )
    content_type, _, params = response.headers.get("Content-Type", "").partition(";")
    content_type = content_type.strip().lower()
    if content_type.startswith(REFUSED_PREFIXES):
        raise MediaFileError(
            f"the server sent {content_type}, not chapters or a transcript", refused=True
        )
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise MediaFileError(
            f"the server compressed the file ({encoding}) although we asked it not to",
            refused=True,
        )
    data = read_capped(response, max_bytes, started, total_timeout, _too_large)
    charset = ""
    match = re.search(r"charset=\"?([\w.:-]+)", params, re.IGNORECASE)
    if match:
        charset = match.group(1).lower()
    return FetchedFile(url=url, data=data, content_type=content_type, charset=charset)


def _too_large(max_bytes: int, detail: str) -> MediaFileError:
    return MediaFileError(
        f"the file is larger than {max_bytes // 1024} KiB ({detail})", refused=True
    )


def decode(data: bytes, charset: str = "") -> str:
    """Text of a file: UTF-8 (with or without a BOM) unless the server said otherwise."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if charset and charset not in ("utf-8", "utf8"):
        try:
            return data.decode(charset, "replace")
        except LookupError:
            pass
    return data.decode("utf-8", "replace")


def sniff(text: str) -> str:
    """The format a file's first characters look like ("" when none)."""
    head = text.lstrip()[:200]
    if head.startswith("WEBVTT"):
        return VTT
    if head.startswith(("{", "[")):
        return JSON
    if head.startswith("<"):
        return HTML
    if re.match(r"\d+\s*\r?\n\s*\d[\d:]*[,.]\d+\s*-->", head):
        return SRT
    return ""


def file_format(declared_type: str, fetched: FetchedFile, text: str) -> str:
    return format_of(declared_type) or format_of(fetched.content_type) or sniff(text)


# Chapters ------------------------------------------------------------------------------


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except RecursionError:
        raise MediaFileError("the JSON is nested too deeply", refused=True) from None
    except ValueError as exc:
        raise MediaFileError(f"the file is not valid JSON ({exc})", refused=True) from None


def _seconds(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and 0 <= value <= MAX_SECONDS:
        return float(value)
    return None


def _string(value: object, limit: int = MAX_TEXT) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _link(value: object) -> str:
    if not isinstance(value, str):
        return ""
    url = value.strip()
    return url if len(url) <= MAX_URL and url.startswith(("http://", "https://")) else ""


def parse_chapters_json(text: str) -> list[Chapter]:
    """Podcasting 2.0 JSON chapters: {"version": …, "chapters": [{"startTime": 0,
    "title": …, "img": …, "url": …, "endTime": …, "toc": false}, …]}. Chapters with
    "toc": false are markers for apps, not for a table of contents: left out."""
    document = _json(text)
    if not isinstance(document, dict) or not isinstance(document.get("chapters"), list):
        raise MediaFileError(
            'not a Podcasting 2.0 chapters file (no "chapters" list)', refused=True
        )
    chapters: list[Chapter] = []
    for entry in document["chapters"]:
        if not isinstance(entry, dict) or entry.get("toc") is False:
            continue
        start = _seconds(entry.get("startTime"))
        if start is None:
            continue
        end = _seconds(entry.get("endTime"))
        chapters.append(
            Chapter(
                start=start,
                end=end if end is not None and end > start else None,
                title=_string(entry.get("title")),
                img=_link(entry.get("img")),
                url=_link(entry.get("url")),
            )
        )
        if len(chapters) == MAX_CHAPTERS:
            break
    if not chapters:
        raise MediaFileError("the chapters file lists no chapter with a start time", refused=True)
    return ordered_chapters(chapters)


# Transcripts ---------------------------------------------------------------------------

_CUE_TIME = re.compile(
    r"(?:(\d{1,5}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?\s*-->\s*"
    r"(?:(\d{1,5}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?"
)
_TAG = re.compile(r"<[^>]*>")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")


def _clock(hours: str | None, minutes: str, seconds: str, fraction: str | None) -> float:
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return value + (int(fraction.ljust(3, "0")) / 1000 if fraction else 0.0)


def _cue_text(lines: list[str]) -> str:
    raw = " ".join(line.strip() for line in lines if line.strip())
    voice = _VOICE.match(raw)
    text = html.unescape(_TAG.sub("", raw))
    text = " ".join(text.split())
    if voice:
        speaker = " ".join(html.unescape(voice.group(1)).split())
        if speaker and not text.startswith(speaker):
            text = f"{speaker}: {text}"
    return text[:MAX_LINE_TEXT]


def parse_cues(text: str, *, vtt: bool) -> list[TranscriptLine]:
    """WebVTT or SRT cues: a timing line ("00:01.000 --> 00:04.000"), then text until a
    blank line. Numbers, cue ids, NOTE and STYLE blocks are skipped."""
    if vtt and not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise MediaFileError("not a WebVTT file (it does not start with WEBVTT)", refused=True)
    lines: list[TranscriptLine] = []
    block: list[str] = []
    timing: tuple[float, float] | None = None

    def flush() -> None:
        if timing is not None:
            cue = _cue_text(block)
            if cue:
                lines.append(TranscriptLine(timing[0], timing[1], cue))

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not raw.strip():
            flush()
            timing, block = None, []
            if len(lines) >= MAX_LINES:
                break
            continue
        if timing is None:
            match = _CUE_TIME.search(raw)
            if match:
                g = match.groups()
                start, end = _clock(*g[:4]), _clock(*g[4:])
                if start <= MAX_SECONDS:
                    timing = (start, max(start, end))
            continue  # a cue number or id, a NOTE, the header
        block.append(raw)
    flush()
    if not lines:
        raise MediaFileError("the transcript has no timed lines", refused=True)
    return lines[:MAX_LINES]


def parse_transcript_json(text: str) -> list[TranscriptLine]:
    """Podcasting 2.0 JSON transcripts: {"segments": [{"speaker", "startTime", "endTime",
    "body"}, …]}. Segments are often single words: a speaker's consecutive segments are
    joined into lines that end at a sentence's end (or a speaker's change)."""
    document = _json(text)
    if not isinstance(document, dict) or not isinstance(document.get("segments"), list):
        raise MediaFileError('not a Podcasting 2.0 transcript (no "segments" list)', refused=True)
    lines: list[TranscriptLine] = []
    words: list[str] = []
    start = end = None
    speaker = ""

    def flush() -> None:
        if words and start is not None:
            body = " ".join(" ".join(words).split())
            prefix = f"{speaker}: " if speaker else ""
            lines.append(TranscriptLine(start, end, (prefix + body)[:MAX_LINE_TEXT]))

    for segment in document["segments"]:
        if not isinstance(segment, dict):
            continue
        body = _string(segment.get("body"), MAX_LINE_TEXT)
        seg_start = _seconds(segment.get("startTime"))
        if not body or seg_start is None:
            continue
        seg_end = _seconds(segment.get("endTime"))
        who = _string(segment.get("speaker"), 100)
        if words and (who != speaker and who):
            flush()
            words, start = [], None
        if not words:
            start, speaker = seg_start, who or speaker
        words.append(body)
        end = seg_end if seg_end is not None and seg_end >= seg_start else seg_start
        if body.endswith((".", "?", "!")) or sum(map(len, words)) > 300:
            flush()
            words, start = [], None
        if len(lines) >= MAX_LINES:
            break
    flush()
    if not lines:
        raise MediaFileError("the transcript has no segments with a start time", refused=True)
    return lines[:MAX_LINES]


_HTML_TIME = re.compile(r"(?:(\d{1,5}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?")


def parse_transcript_html(text: str) -> list[TranscriptLine]:
    """An HTML transcript: each paragraph is a line; a <time> (or a "cite"/"time"
    element with a clock) before it gives its start. No scripts, styles or links are
    kept: only text."""
    try:
        parser = lxml_html.HTMLParser(no_network=True, remove_comments=True)
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise MediaFileError(f"the HTML transcript cannot be read ({exc})", refused=True) from None
    lines: list[TranscriptLine] = []
    pending_start: float | None = None
    speaker = ""
    for element in root.iter("time", "cite", "p", "li"):
        content = " ".join(element.text_content().split())
        if element.tag == "time":
            match = _HTML_TIME.fullmatch(element.get("datetime") or content)
            if match:
                pending_start = _clock(*match.groups())
            continue
        if element.tag == "cite":
            speaker = content.rstrip(":")[:100]
            continue
        if not content:
            continue
        prefix = f"{speaker}: " if speaker and not content.startswith(speaker) else ""
        lines.append(TranscriptLine(pending_start, None, (prefix + content)[:MAX_LINE_TEXT]))
        pending_start, speaker = None, ""
        if len(lines) >= MAX_LINES:
            break
    if not lines:
        raise MediaFileError("the HTML transcript has no paragraphs", refused=True)
    for i in range(len(lines) - 1):
        current, following = lines[i], lines[i + 1]
        if current.start is not None and following.start is not None:
            lines[i] = TranscriptLine(
                current.start, max(current.start, following.start), current.text
            )
    return lines


def parse_transcript(declared_type: str, fetched: FetchedFile) -> list[TranscriptLine]:
    text = decode(fetched.data, fetched.charset)
    kind = file_format(declared_type, fetched, text)
    if kind == VTT:
        return parse_cues(text, vtt=True)
    if kind == SRT:
        return parse_cues(text, vtt=False)
    if kind == JSON:
        return parse_transcript_json(text)
    if kind == HTML:
        return parse_transcript_html(text)
    raise MediaFileError(
        f"not a transcript format we read ({declared_type or fetched.content_type or 'no type'}):"
        " WebVTT, SRT, Podcasting 2.0 JSON or HTML",
        refused=True,
    )


def parse_chapters(declared_type: str, fetched: FetchedFile) -> list[Chapter]:
    text = decode(fetched.data, fetched.charset)
    if sniff(text) != JSON:
        raise MediaFileError(
            f"the chapters file is not JSON ({fetched.content_type or 'no type'})", refused=True
        )
    return parse_chapters_json(text)
