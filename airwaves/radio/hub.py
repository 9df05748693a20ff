"""Now playing: one upstream connection per station with listeners, titles fanned out
to every open station page as server-sent events.

1. A station page opens /radio/<slug>/events; `event_stream` subscribes to the station's
   Channel (made on the first subscriber) with its own small asyncio.Queue.
2. The channel's reader task opens the station's stream once (streams.open_stream with
   ICY metadata) and reads it. Each new StreamTitle goes into every subscriber's queue
   and onto the station row (now_playing, now_playing_at).
3. When the last subscriber leaves, the channel waits LINGER seconds (a reload or the
   next page comes straight back) and then cancels the reader, which closes upstream.
4. If the upstream fails or ends, the reader retries with growing pauses while anybody
   is subscribed. A stream without ICY metadata (no icy-metaint), and HLS, has no titles
   to read: the reader stops and is not started again for NO_METADATA_RETRY seconds.

One Hub per event loop (one per server process under uvicorn): several processes each
open their own upstream per station, which is still one per process, not per listener.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.utils import timezone

from airwaves.radio.asyncdb import run_db

log = logging.getLogger(__name__)

LINGER = 5.0  # seconds an unwatched channel keeps its upstream
KEEPALIVE = 15.0  # seconds between SSE comments, so proxies keep the connection
NO_METADATA_RETRY = 300.0
MAX_BACKOFF = 60.0
QUEUE_SIZE = 8

ClientFactory = Callable[[], httpx.AsyncClient]


def default_client() -> httpx.AsyncClient:
    from airwaves.lib.net import make_async_client

    # A live stream that sends nothing for 30 s is gone.
    return make_async_client(allow_private=settings.ALLOW_PRIVATE_URLS, timeout=30.0)


def title_event(title: str) -> str:
    """One SSE message: {"title", "artist", "song"} (artist empty when the title has
    no " - " to split on)."""
    from airwaves.radio.streams import split_artist_title

    artist, song = split_artist_title(title) if title else ("", "")
    data = json.dumps({"title": title, "artist": artist, "song": song}, ensure_ascii=False)
    return f"data: {data}\n\n"


def _put_latest(queue: asyncio.Queue[str], title: str) -> None:
    """Only the newest titles matter: a subscriber too slow to keep up loses old ones."""
    while True:
        try:
            queue.put_nowait(title)
            return
        except asyncio.QueueFull:
            queue.get_nowait()


def _save_now_playing(station_id: int, title: str) -> None:
    from airwaves.radio.models import Station

    Station.objects.filter(pk=station_id).update(
        now_playing=title[:500], now_playing_at=timezone.now()
    )


@dataclass(eq=False)
class Channel:
    hub: Hub
    station_id: int
    url: str
    resolved: bool
    hls: bool
    subscribers: set[asyncio.Queue[str]] = field(default_factory=set)
    title: str | None = None  # the latest title read in this process
    reader: asyncio.Task | None = None
    stop_timer: asyncio.TimerHandle | None = None
    quiet_until: float = 0.0  # no metadata on this stream: do not reconnect before

    def add(self, queue: asyncio.Queue[str]) -> None:
        self.subscribers.add(queue)
        if self.stop_timer is not None:
            self.stop_timer.cancel()
            self.stop_timer = None
        if self.hls or time.monotonic() < self.quiet_until:
            return
        if self.reader is None or self.reader.done():
            # A fresh context: the task must not inherit the request's (which ends).
            self.reader = asyncio.get_running_loop().create_task(
                self._read(), context=contextvars.Context()
            )

    def remove(self, queue: asyncio.Queue[str]) -> None:
        self.subscribers.discard(queue)
        if not self.subscribers and self.stop_timer is None:
            loop = asyncio.get_running_loop()
            self.stop_timer = loop.call_later(self.hub.linger, self.stop)

    def stop(self) -> None:
        self.stop_timer = None
        if self.subscribers:
            return
        if self.reader is not None:
            self.reader.cancel()
            self.reader = None
        self.hub.channels.pop(self.station_id, None)

    async def publish(self, title: str) -> None:
        if title == self.title:
            return
        self.title = title
        for queue in list(self.subscribers):
            _put_latest(queue, title)
        try:
            await run_db(_save_now_playing, self.station_id, title)
        except Exception:  # the title still reached the pages; the row is a nicety
            log.exception("could not store the now-playing title of station %s", self.station_id)

    async def _read(self) -> None:
        from airwaves.radio import streams

        pause = 1.0
        while self.subscribers:
            try:
                async with self.hub.client_factory() as client:
                    url = self.url
                    if not self.resolved:
                        url, is_hls = await streams.resolve_stream(url, client=client)
                        if is_hls:
                            self.hls = True
                            return
                    async with streams.open_stream(url, client=client, metadata=True) as stream:
                        if not stream.metaint:
                            self.quiet_until = time.monotonic() + NO_METADATA_RETRY
                            return
                        pause = 1.0
                        async for _audio, titles in stream.chunks():
                            for title in titles:
                                await self.publish(title)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 (any failure: retry later)
                log.info("now playing: station %s: %s", self.station_id, error)
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_BACKOFF)


class Hub:
    def __init__(
        self, *, client_factory: ClientFactory = default_client, linger: float | None = None
    ):
        self.client_factory = client_factory
        self.linger = LINGER if linger is None else linger
        self.channels: dict[int, Channel] = {}

    @asynccontextmanager
    async def subscribe(self, station) -> AsyncIterator[tuple[Channel, asyncio.Queue[str]]]:
        channel = self.channels.get(station.pk)
        if channel is None:
            channel = Channel(
                self,
                station.pk,
                station.url_resolved or station.url,
                resolved=bool(station.url_resolved),
                hls=station.hls,
            )
            self.channels[station.pk] = channel
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=QUEUE_SIZE)
        channel.add(queue)
        try:
            yield channel, queue
        finally:
            channel.remove(queue)

    def upstream_count(self) -> int:
        """Stations whose upstream is being read now."""
        return sum(1 for c in self.channels.values() if c.reader and not c.reader.done())


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub


async def event_stream(station, *, initial: str = "") -> AsyncIterator[str]:
    """The body of /radio/<slug>/events: the current title at once, then each change,
    with a comment line every KEEPALIVE seconds while nothing changes."""
    async with get_hub().subscribe(station) as (channel, queue):
        # Browsers reconnect after `retry` ms if the connection drops.
        yield "retry: 3000\n\n"
        sent = channel.title if channel.title is not None else initial
        yield title_event(sent)
        while True:
            try:
                title = await asyncio.wait_for(queue.get(), KEEPALIVE)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if title != sent:  # the stored title may be the first one the stream sends
                sent = title
                yield title_event(title)
