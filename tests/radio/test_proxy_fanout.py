"""The proxy's fan-out, with a stand-in for the stream layer: bursts for new listeners,
slow listeners dropped, upstreams closed and slots freed when the last listener leaves."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest

from airwaves.radio import proxy, streams
from airwaves.radio.models import Station

# An MPEG-1 layer III frame at 128 kbit/s, 44.1 kHz: 417 bytes from its header.
FRAME = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)


class FakeUpstream:
    """Streams handed out by a stand-in open_stream; the test feeds them chunks."""

    def __init__(self, content_type: str = "audio/mpeg") -> None:
        self.content_type = content_type
        self.opened = 0
        self.closed = 0
        self.queues: list[asyncio.Queue[bytes | None]] = []

    @asynccontextmanager
    async def open_stream(self, url, *, client, metadata=True, connect_timeout=10.0):
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.queues.append(queue)
        self.opened += 1
        upstream = self

        class Stream:
            content_type = upstream.content_type
            metaint = None

            async def chunks(self):
                while (chunk := await queue.get()) is not None:
                    yield chunk, []

        try:
            yield Stream()
        finally:
            self.closed += 1

    def send(self, data: bytes) -> None:
        for queue in self.queues:
            queue.put_nowait(data)


@pytest.fixture
def upstream(monkeypatch, settings):
    settings.RADIO_MAX_PROXY_STREAMS = 5
    fake = FakeUpstream()
    monkeypatch.setattr(streams, "open_stream", fake.open_stream)
    proxy.broadcasts.clear()
    yield fake
    assert proxy.slots.active == 0


def station(pk: int = 1) -> Station:
    return Station(pk=pk, name="Fake FM", url="http://fake.example/live")


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 5))


def test_listeners_share_the_upstream_and_new_ones_start_with_a_burst(upstream):
    async def scenario():
        first = await_join = asyncio.create_task(proxy.join(station()))
        await settle()
        # Half a frame, then whole frames: a newcomer must start at a frame boundary.
        upstream.send(FRAME[200:] + FRAME * 40)
        first = await await_join
        first_piece = await first.queue.get()
        assert len(first_piece) >= proxy.PIECE_BYTES
        second = await proxy.join(station())
        burst = await second.queue.get()
        assert upstream.opened == 1
        assert burst.startswith(FRAME) and len(burst) == len(first_piece) - 217
        upstream.send(FRAME * 20)
        await settle()
        assert (await first.queue.get()) == (await second.queue.get())
        first.leave()
        await settle()
        assert upstream.closed == 0
        second.leave()
        await settle()
        assert upstream.closed == 1
        assert proxy.slots.active == 0 and not proxy.broadcasts

    run(scenario())


def test_a_listener_that_stops_reading_is_dropped_and_the_others_go_on(upstream, monkeypatch):
    monkeypatch.setattr(proxy, "QUEUE_PIECES", 3)

    async def scenario():
        joining = asyncio.create_task(proxy.join(station()))
        await settle()
        upstream.send(FRAME * 20)
        slow = await joining
        reader = await proxy.join(station())
        for _ in range(6):
            upstream.send(FRAME * 20)
            await settle()
            while not reader.queue.empty():
                assert reader.queue.get_nowait()
        assert slow not in slow.broadcast.listeners
        # The slow listener's response ends once it reads again.
        pieces = [slow.queue.get_nowait() for _ in range(slow.queue.qsize())]
        assert pieces[-1] is None
        assert reader in reader.broadcast.listeners
        reader.leave()
        await settle()

    run(scenario())


def test_streams_that_cannot_be_joined_midway_get_an_upstream_each(upstream):
    upstream.content_type = "audio/ogg"

    async def scenario():
        listeners = []
        for _ in range(2):
            joining = asyncio.create_task(proxy.join(station()))
            await settle()
            upstream.queues[-1].put_nowait(b"OggS" + bytes(9000))
            listeners.append(await joining)
        assert upstream.opened == 2
        assert proxy.slots.active == 2
        assert not proxy.broadcasts
        for listener in listeners:
            assert (await listener.queue.get()).startswith(b"OggS")
            listener.leave()
        await settle()
        assert upstream.closed == 2

    run(scenario())


def test_no_slot_left_means_no_new_upstream(upstream, settings):
    settings.RADIO_MAX_PROXY_STREAMS = 1

    async def scenario():
        joining = asyncio.create_task(proxy.join(station(1)))
        await settle()
        upstream.send(FRAME * 20)
        listener = await joining
        with pytest.raises(proxy.NoSlot):
            await proxy.join(station(2))
        # Another listener of the same station needs no new slot.
        second = await proxy.join(station(1))
        listener.leave()
        second.leave()
        await settle()

    run(scenario())


def test_a_failed_upstream_frees_its_slot(monkeypatch, settings):
    proxy.broadcasts.clear()

    @asynccontextmanager
    async def refuse(url, **kwargs):
        raise streams.StreamError("HTTP 404 Not Found from http://fake.example/live")
        yield

    monkeypatch.setattr(streams, "open_stream", refuse)

    async def scenario():
        with pytest.raises(proxy.UpstreamUnavailable, match="HTTP 404"):
            await proxy.join(station())
        await settle()

    run(scenario())
    assert proxy.slots.active == 0
    assert not proxy.broadcasts


def test_only_audio_types_pass_through():
    assert proxy.safe_content_type("audio/aacp") == "audio/aacp"
    assert proxy.safe_content_type("application/ogg") == "application/ogg"
    assert proxy.safe_content_type("text/html") == "application/octet-stream"
    assert proxy.safe_content_type("image/svg+xml") == "application/octet-stream"
    assert proxy.safe_content_type("") == "audio/mpeg"
