"""/radio/<slug>/stream: a station's audio from this site's own origin, so plain-http
stations play on a page served over https.

Listeners of one station share one upstream connection when the stream can be joined at
any moment (MP3 and AAC: a player finds the next frame); other formats (Ogg and the rest
need the stream's first bytes) get an upstream connection each.

0. The gate (gate.py) admits the listener or answers 429/503: listeners are bounded per
   client address and per process, and refused while file descriptors run short.
1. Find the station's live Broadcast, or start one: that takes one of the per-process
   RADIO_MAX_PROXY_STREAMS upstream slots (503 when none is left) and a reader task
   that opens the upstream through the guarded HTTP client (streams.open_stream without
   ICY metadata; a server sending metadata anyway has it stripped by the stream layer).
2. The reader collects audio into pieces of at least PIECE_BYTES (fewer, larger writes
   for every listener) and puts each piece into every listener's queue. It keeps the
   last BURST_BYTES too: a new listener starts with them, from a frame boundary, so
   players start at once instead of waiting to fill their buffer in real time.
3. A listener whose queue is full (it stopped reading for QUEUE_PIECES pieces, tens of
   seconds) is dropped, as Icecast drops clients that fall behind; the others go on.
4. When a listener leaves, Django cancels its response and the listener leaves the
   broadcast; the last one out cancels the reader task, which closes the upstream in
   the task that opened it and frees the slot (a done-callback, so even a task cancelled
   before it ran frees it). Leaving is safe from any task and more than once, so every
   way out (the end of the body, its garbage collection, the response's close()) does it,
   and gives back the listener's place at the gate.

An upstream that cannot be opened is a 502 whose text names the station only: the reason
(an address the SSRF guard refused, the setting that would allow it) is for the log.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from airwaves.lib.clients import request_client_address
from airwaves.radio import gate, hub, tallies
from airwaves.radio.asyncdb import run_db
from airwaves.radio.models import Station

log = logging.getLogger(__name__)

OPEN_TIMEOUT = 15.0
DEFAULT_CONTENT_TYPE = "audio/mpeg"
PIECE_BYTES = 8192  # half a second of 128 kbit/s audio
BURST_BYTES = 65536  # what a new listener gets at once (Icecast's default burst too)
QUEUE_PIECES = 64
# Streams made of self-contained frames, which a listener may join at any point.
SHAREABLE_TYPES = frozenset(
    {
        "audio/mpeg",
        "audio/mp3",
        "audio/mpeg3",
        "audio/x-mpeg",
        "audio/x-mp3",
        "audio/aac",
        "audio/aacp",
        "audio/x-aac",
        "audio/x-aacp",
    }
)


class UpstreamUnavailable(Exception):
    pass


class NoSlot(Exception):
    pass


class Slots:
    """Counts this process's upstream connections (one event loop: no lock)."""

    def __init__(self) -> None:
        self.active = 0

    def take(self) -> bool:
        if self.active >= settings.RADIO_MAX_PROXY_STREAMS:
            return False
        self.active += 1
        return True

    def give_back(self) -> None:
        self.active -= 1


slots = Slots()


def frame_start(data: bytes | bytearray) -> int:
    """Offset of the first MP3 or ADTS (AAC) frame in `data` whose header is followed by
    another frame header where its length says; 0 when none is found."""
    from airwaves.radio.playlists import mp3_frame_length

    def length_at(offset: int) -> int | None:
        header = bytes(data[offset : offset + 7])
        if len(header) < 7 or header[0] != 0xFF:
            return None
        if header[1] & 0xF6 == 0xF0:  # ADTS: 12-bit sync, layer 0
            length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
            return length if length >= 7 else None
        return mp3_frame_length(header)

    for offset in range(len(data) - 7):
        if data[offset] != 0xFF:
            continue
        length = length_at(offset)
        if length and length_at(offset + length):
            return offset
    return 0


def safe_content_type(media: str) -> str:
    """The upstream's type if it is audio: anything else (an HTML page, an SVG image)
    served from this site's origin could run script in its pages."""
    if media.startswith("audio/") or media in ("application/ogg", "video/ogg"):
        return media
    return "application/octet-stream" if media else DEFAULT_CONTENT_TYPE


class Listener:
    def __init__(self, broadcast: Broadcast) -> None:
        self.broadcast = broadcast
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUE_PIECES)
        self.ticket: gate.Ticket | None = None  # its place at the gate, given back on leaving

    def offer(self, piece: bytes) -> bool:
        """False when this listener has fallen too far behind to keep."""
        try:
            self.queue.put_nowait(piece)
            return True
        except asyncio.QueueFull:
            return False

    def end(self) -> None:
        """Ends the listener's response after what it has queued (or at once, if its
        queue is full: it was not reading anyway)."""
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(None)

    async def chunks(self):
        try:
            while True:
                piece = await self.queue.get()
                if piece is None:
                    return
                yield piece
        finally:
            self.leave()

    def leave(self) -> None:
        self.broadcast.remove(self)
        if self.ticket is not None:
            self.ticket.release()

    def leave_threadsafe(self) -> None:
        """For HttpResponse.close(), which Django runs in a worker thread."""
        try:
            self.broadcast.loop.call_soon_threadsafe(self.leave)
        except RuntimeError:  # the loop is closed: so is everything on it
            pass


class Broadcast:
    """One upstream connection and the listeners it feeds."""

    def __init__(self, key: int | None, url: str) -> None:
        self.key = key  # station id while joinable by others; None for a private one
        self.url = url
        self.loop = asyncio.get_running_loop()
        self.listeners: set[Listener] = set()
        self.recent = bytearray()  # the last BURST_BYTES of audio, for new listeners
        self.ready: asyncio.Future[str] = self.loop.create_future()
        # A fresh context: the task outlives the request that started it.
        self.task = self.loop.create_task(self._read(), context=contextvars.Context())
        self.task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        if not self.ready.done():
            self.ready.set_exception(UpstreamUnavailable("the connection was given up"))
        if broadcasts.get(self.key) is self:
            del broadcasts[self.key]
        for listener in list(self.listeners):
            listener.end()
        slots.give_back()

    @property
    def shareable(self) -> bool:
        return (
            self.ready.done()
            and not self.ready.exception()
            and self.ready.result() in SHAREABLE_TYPES
        )

    def add(self) -> Listener:
        listener = Listener(self)
        if self.recent:
            burst = bytes(self.recent[frame_start(self.recent) :])
            listener.offer(burst)
        self.listeners.add(listener)
        return listener

    def remove(self, listener: Listener) -> None:
        self.listeners.discard(listener)
        if not self.listeners:
            if broadcasts.get(self.key) is self:
                del broadcasts[self.key]
            self.task.cancel()

    def publish(self, piece: bytes) -> None:
        for listener in list(self.listeners):
            if not listener.offer(piece):
                log.info("proxy: dropped a listener of %s that stopped reading", self.url)
                self.listeners.discard(listener)
                listener.end()
        if self.key is not None:
            self.recent += piece
            del self.recent[:-BURST_BYTES]
        if not self.listeners:
            self.task.cancel()

    async def _read(self) -> None:
        from airwaves.radio import streams

        try:
            async with hub.default_client() as client:
                async with streams.open_stream(self.url, client=client, metadata=False) as stream:
                    media = (stream.content_type or "").split(";")[0].strip().lower()
                    self.ready.set_result(safe_content_type(media))
                    pending = bytearray()
                    async for audio, _titles in stream.chunks():
                        pending += audio
                        if len(pending) >= PIECE_BYTES:
                            self.publish(bytes(pending))
                            pending.clear()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 (reported to the listener or logged)
            if not self.ready.done():
                self.ready.set_exception(UpstreamUnavailable(str(error) or type(error).__name__))
            else:
                log.info("proxy: %s ended: %s", self.url, error)


# Joinable broadcasts of this process, by station id.
broadcasts: dict[int | None, Broadcast] = {}


async def join(station: Station) -> Listener:
    """A listener on the station's shared broadcast, or on a new one; raises
    UpstreamUnavailable (with the reason) or NoSlot."""
    broadcast = broadcasts.get(station.pk)
    if broadcast is not None:
        try:
            await asyncio.wait_for(asyncio.shield(broadcast.ready), OPEN_TIMEOUT)
        except (TimeoutError, UpstreamUnavailable):
            broadcast = None
        else:
            if broadcast.shareable and not broadcast.task.done():
                return broadcast.add()
            broadcast = None
    if not slots.take():
        raise NoSlot
    broadcast = Broadcast(station.pk, station.stream_url)
    if station.pk not in broadcasts:
        # Others arriving meanwhile wait for this one instead of opening their own.
        broadcasts[station.pk] = broadcast
    listener = broadcast.add()
    try:
        content_type = await asyncio.wait_for(asyncio.shield(broadcast.ready), OPEN_TIMEOUT)
    except BaseException as error:
        listener.leave()
        if isinstance(error, TimeoutError):
            raise UpstreamUnavailable("no answer in time") from None
        raise
    if content_type not in SHAREABLE_TYPES and broadcasts.get(station.pk) is broadcast:
        del broadcasts[station.pk]
        broadcast.key = None
    return listener


class ListenerBody:
    """The response body. StreamingHttpResponse calls close() when the response is
    closed, even if it was never iterated (the listener left at once)."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener

    def __aiter__(self):
        return self.listener.chunks()

    def close(self) -> None:
        self.listener.leave_threadsafe()


def _station(slug: str) -> Station:
    return get_object_or_404(
        Station.objects.only("pk", "slug", "name", "url", "url_resolved", "hls"), slug=slug
    )


def _unavailable(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_GET
async def station_stream(request, slug: str):
    ticket = gate.admit(gate.PROXY, request)
    if isinstance(ticket, HttpResponse):
        return ticket
    try:
        response = await _relay(request, slug, ticket)
    except BaseException:
        ticket.release()
        raise
    if not response.streaming:  # refused: no listener holds the place
        ticket.release()
    return response


async def _relay(request, slug: str, ticket: gate.Ticket):
    station = await run_db(_station, slug)
    if station.hls:
        return _unavailable(
            409,
            f"{station.name} streams HLS, which the player loads directly from "
            f"{station.stream_url}; this address only relays plain audio streams.",
        )
    try:
        listener = await join(station)
    except NoSlot:
        return _unavailable(
            503,
            "This server is relaying as many radio streams as it is configured for "
            f"({settings.RADIO_MAX_PROXY_STREAMS}). Please try again in a few minutes.",
        )
    except UpstreamUnavailable as error:
        log.warning("proxy: station %s (%s): %s", station.slug, station.stream_url, error)
        return _unavailable(
            502, f"The stream of {station.name} could not be reached. Try again later."
        )
    try:
        await run_db(tallies.record_click, station.pk, request_client_address(request))
    except BaseException:
        listener.leave()
        raise
    # From here the listener gives the place back, however its response ends.
    listener.ticket = ticket
    content_type = listener.broadcast.ready.result()
    response = StreamingHttpResponse(ListenerBody(listener), content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Robots-Tag"] = "noindex"
    # Audio only: whatever the upstream sends must not act as a page of this site.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
