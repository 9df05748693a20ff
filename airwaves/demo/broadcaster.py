"""The demo radio station's broadcaster: a small Icecast-like server on 127.0.0.1 that
plays the programmes in static/airwaves/demo/station/ in an endless loop.

`airwaves serve --demo` starts one (airwaves/demo/station.py registers its stations); the
site then treats it like any station on the internet: the check, the now-playing hub and
the proxy connect to it through the guarded client. Only the source is local.

    GET /live.mp3              the endless MP3 stream; with `Icy-MetaData: 1`, ICY metadata
                               every METAINT bytes naming the programme it carries
    GET /live.m3u8             HLS master playlist (one variant, its codec and bandwidth)
    GET /hls/live.m3u8         HLS live media playlist: the last few programmes played
    GET /hls/<n>.mp3           programme number n of the endless sequence, as packed audio
                               (an ID3 timestamp, then MP3 frames)

The station keeps one clock for everybody, as a real one does: a listener joining now hears
what everybody else hears, after a burst of the last BURST_BYTES so players start at once
(Icecast's default burst). A programme's title goes out with the audio it describes, so a
title changes when the listener reaches the next programme.

Connections are bounded (MAX_CONNECTIONS; a client that stops reading times out after
SOCKET_TIMEOUT), every path but the four above is a 404, and a programme number beyond the
live edge or too large is a 404 too.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from airwaves.radio.playlists import mp3_frame_length

PROGRAMMES_DIR = Path(__file__).resolve().parent.parent / "static" / "airwaves" / "demo" / "station"
# The programme files (scripts/make-demo-assets.sh) and the titles their metadata carries.
PROGRAMMES = (
    ("1-ident", "Airwaves Demo Radio - Station identification"),
    ("2-a440", "The Sine Quartet - A440"),
    ("3-weather", "Airwaves Demo Radio - The weather over localhost"),
    ("4-chord", "The Sine Quartet - C major"),
    ("5-time", "Airwaves Demo Radio - Time signal"),
    ("6-sweep", "The Sine Quartet - Slow sweep"),
)
STATION_NAME = "Airwaves Demo Radio"
GENRE = "Demo, Speech, Test Tones"
DESCRIPTION = "The station made for the Airwaves demo: spoken idents and tones"
HOMEPAGE = "https://github.com/airwaves-fm/airwaves"

SAMPLE_RATE = 22050  # MPEG-2 layer III: 576 samples a frame
FRAME_SAMPLES = 576
BITRATE = 32  # kbit/s, constant
METAINT = 8192
BURST_BYTES = 65536
LEAD_SECONDS = 0.5  # how far ahead of the clock a listener is sent
TICK_SECONDS = 0.2
HLS_WINDOW = 4  # programmes listed in the live media playlist
MAX_CONNECTIONS = 64
SOCKET_TIMEOUT = 10.0
PTS_HZ = 90_000
SEGMENT_PATH = re.compile(r"/hls/(\d{1,12})\.mp3")


class ProgrammeError(Exception):
    """A programme file is missing or is not plain MP3 frames at the station's format."""


@dataclass(frozen=True)
class Programme:
    title: str
    frames: tuple[bytes, ...]

    @property
    def samples(self) -> int:
        return len(self.frames) * FRAME_SAMPLES

    @property
    def seconds(self) -> float:
        return self.samples / SAMPLE_RATE


def read_frames(data: bytes, name: str) -> tuple[bytes, ...]:
    """The MP3 frames of `data`, which must be nothing else (no tags: the files are
    played back to back)."""
    frames = []
    offset = 0
    while offset < len(data):
        length = mp3_frame_length(data[offset : offset + 4])
        if not length or offset + length > len(data):
            raise ProgrammeError(f"{name}: no MP3 frame at byte {offset}")
        header = data[offset : offset + 4]
        if (header[1] >> 3) & 3 != 2 or (header[2] >> 2) & 3 != 0:
            raise ProgrammeError(f"{name}: not {SAMPLE_RATE} Hz MPEG-2 audio at byte {offset}")
        frames.append(data[offset : offset + length])
        offset += length
    if not frames:
        raise ProgrammeError(f"{name}: no audio")
    return tuple(frames)


def load_programmes(directory: Path = PROGRAMMES_DIR) -> list[Programme]:
    programmes = []
    for stem, title in PROGRAMMES:
        path = directory / f"{stem}.mp3"
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ProgrammeError(f"{path}: {error.strerror}") from None
        programmes.append(Programme(title, read_frames(data, path.name)))
    return programmes


class Schedule:
    """Where the endless loop of programmes is at any moment.

    Frame k of the stream (k counted from the station's start) is frame k mod F of the
    loop; programme n of the endless sequence is programme n mod P of the loop."""

    def __init__(self, programmes: list[Programme], started: float) -> None:
        self.programmes = programmes
        self.started = started
        self.frames: list[bytes] = []
        self.frame_programme: list[int] = []
        self.first_frame: list[int] = []  # of each programme in the loop
        for index, programme in enumerate(programmes):
            self.first_frame.append(len(self.frames))
            self.frames.extend(programme.frames)
            self.frame_programme.extend([index] * len(programme.frames))
        self.loop_frames = len(self.frames)

    def frame_now(self, now: float) -> int:
        return int((now - self.started) * SAMPLE_RATE / FRAME_SAMPLES)

    def frame(self, k: int) -> tuple[bytes, str]:
        """Frame k of the stream and the title of the programme it belongs to."""
        position = k % self.loop_frames
        return self.frames[position], self.programmes[self.frame_programme[position]].title

    def segment_start(self, n: int) -> int:
        """The stream frame programme number n starts at."""
        loops, index = divmod(n, len(self.programmes))
        return loops * self.loop_frames + self.first_frame[index]

    def segment_at(self, k: int) -> int:
        """The programme number frame k belongs to."""
        loops, position = divmod(k, self.loop_frames)
        index = bisect.bisect_right(self.first_frame, position) - 1
        return loops * len(self.programmes) + index

    def programme(self, n: int) -> Programme:
        return self.programmes[n % len(self.programmes)]


def icy_block(title: str | None) -> bytes:
    """An ICY metadata block: the title, or a zero length byte when it has not changed."""
    if title is None:
        return b"\x00"
    text = "StreamTitle='{}';".format(title.replace("'", "’")).encode()[: 255 * 16]
    blocks = -(-len(text) // 16)
    return bytes([blocks]) + text.ljust(blocks * 16, b"\x00")


def id3_timestamp(pts: int) -> bytes:
    """The ID3 tag that starts an HLS packed-audio segment: its first sample's time in
    90 kHz units (HLS spec, section 3.4, "com.apple.streaming.transportStreamTimestamp")."""
    owner = b"com.apple.streaming.transportStreamTimestamp\x00"
    body = owner + (pts % (1 << 33)).to_bytes(8, "big")
    frame = b"PRIV" + _syncsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame


def _syncsafe(value: int) -> bytes:
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


class Broadcaster:
    """The station's server, in threads of its own (one per connection, at most
    MAX_CONNECTIONS). `start()` binds 127.0.0.1 on a free port; `url` is its origin."""

    def __init__(self, programmes: list[Programme] | None = None, host: str = "127.0.0.1"):
        self.programmes = programmes if programmes is not None else load_programmes()
        # The clock starts one loop back, so the burst and the HLS window exist at once.
        loop_seconds = sum(p.seconds for p in self.programmes)
        self.schedule = Schedule(self.programmes, time.monotonic() - loop_seconds)
        self.host = host
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        assert self.server is not None, "start() the broadcaster first"
        return f"http://{self.host}:{self.server.server_address[1]}"

    def start(self) -> Broadcaster:
        handler = type("Handler", (_Handler,), {"broadcaster": self})
        self.server = ThreadingHTTPServer((self.host, 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.1},  # how long stop() waits, at most
            name="demo-station",
            daemon=True,
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> Broadcaster:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- HLS -------------------------------------------------------------------------------

    def live_segment(self) -> int:
        """The newest programme number that has finished playing."""
        return self.schedule.segment_at(self.schedule.frame_now(time.monotonic())) - 1

    def master_playlist(self) -> bytes:
        return (
            "#EXTM3U\n"
            f'#EXT-X-STREAM-INF:BANDWIDTH={BITRATE * 1000},CODECS="mp4a.40.34"\n'
            "hls/live.m3u8\n"
        ).encode()

    def media_playlist(self) -> bytes:
        last = self.live_segment()
        first = max(0, last - HLS_WINDOW + 1)
        target = max(int(-(-p.seconds // 1)) for p in self.programmes)
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{target}",
            f"#EXT-X-MEDIA-SEQUENCE:{first}",
        ]
        for n in range(first, last + 1):
            programme = self.schedule.programme(n)
            lines += [f"#EXTINF:{programme.seconds:.3f},{programme.title}", f"{n}.mp3"]
        return ("\n".join(lines) + "\n").encode()

    def segment(self, n: int) -> bytes | None:
        if n > self.live_segment() + 1:  # not played yet (the next one may be fetched early)
            return None
        start = self.schedule.segment_start(n)
        pts = start * FRAME_SAMPLES * PTS_HZ // SAMPLE_RATE
        return id3_timestamp(pts) + b"".join(self.schedule.programme(n).frames)


class _Handler(BaseHTTPRequestHandler):
    broadcaster: Broadcaster
    server_version = "AirwavesDemoStation/1"
    protocol_version = "HTTP/1.0"
    timeout = SOCKET_TIMEOUT

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        pass  # a player polls the playlists every few seconds: no line for each

    def do_GET(self) -> None:  # noqa: N802 (the base class's name)
        if not self.broadcaster.slots.acquire(blocking=False):
            self._send(503, b"too many listeners\n", "text/plain")
            return
        try:
            self._route(self.path.split("?", 1)[0])
        except (ConnectionError, TimeoutError):
            pass  # the listener left or stopped reading
        finally:
            self.broadcaster.slots.release()

    def _route(self, path: str) -> None:
        broadcaster = self.broadcaster
        if path == "/live.mp3":
            self._stream()
        elif path == "/live.m3u8":
            self._send(200, broadcaster.master_playlist(), "application/vnd.apple.mpegurl")
        elif path == "/hls/live.m3u8":
            self._send(200, broadcaster.media_playlist(), "application/vnd.apple.mpegurl")
        elif (match := SEGMENT_PATH.fullmatch(path)) is not None:
            body = broadcaster.segment(int(match.group(1)))
            if body is None:
                self._send(404, b"not played yet\n", "text/plain")
            else:
                self._send(200, body, "audio/mpeg")
        else:
            self._send(404, b"not found\n", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        # Players fetch HLS from the visitor's browser, on another origin than the page's.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def _stream(self) -> None:
        schedule = self.broadcaster.schedule
        metadata = self.headers.get("Icy-MetaData", "").strip() == "1"
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Cache-Control", "no-cache, no-store")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("icy-name", STATION_NAME)
        self.send_header("icy-genre", GENRE)
        self.send_header("icy-description", DESCRIPTION)
        self.send_header("icy-url", HOMEPAGE)
        self.send_header("icy-br", str(BITRATE))
        self.send_header("icy-pub", "0")
        if metadata:
            self.send_header("icy-metaint", str(METAINT))
        self.end_headers()

        burst_frames = BURST_BYTES * 8 * SAMPLE_RATE // (BITRATE * 1000 * FRAME_SAMPLES)
        lead_frames = int(LEAD_SECONDS * SAMPLE_RATE / FRAME_SAMPLES)
        sent = schedule.frame_now(time.monotonic()) - burst_frames
        until_metadata = METAINT
        announced: str | None = None
        while not self.broadcaster.stopping.is_set():
            target = schedule.frame_now(time.monotonic()) + lead_frames
            out = bytearray()
            while sent < target:
                frame, title = schedule.frame(sent)
                sent += 1
                if not metadata:
                    out += frame
                    continue
                while frame:
                    piece, frame = frame[:until_metadata], frame[until_metadata:]
                    out += piece
                    until_metadata -= len(piece)
                    if until_metadata == 0:
                        out += icy_block(title if title != announced else None)
                        announced = title
                        until_metadata = METAINT
            if out:
                self.wfile.write(out)
                self.wfile.flush()
            self.broadcaster.stopping.wait(TICK_SECONDS)
