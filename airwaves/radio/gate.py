"""Admission to the long-lived radio connections: /radio/<slug>/events and
/radio/<slug>/stream. Each open one holds a socket, a file descriptor, queues and a task
for as long as the listener stays, so their number is bounded per process and per client.

1. `admit(kind, request)` is called by the view before it starts a streaming response.
   It refuses with 503 (and Retry-After) while fewer than FD_RESERVE file descriptors
   are left, or when `kind` already has its per-process maximum open; with 429 when
   the client (airwaves.lib.clients.request_client_address, the site's one answer) has
   RADIO_MAX_STREAMS_PER_CLIENT streams of either kind open.
2. Otherwise it counts the stream in and returns a Ticket. The view gives the ticket to
   the response body, whose every way out (the end of the stream, the response's
   close(), which Django runs in a worker thread) calls `release`; releasing is
   idempotent and hops onto the event loop from other threads.

All counting happens on the one event loop of the process, so there is no lock.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import NamedTuple

from django.conf import settings
from django.http import HttpResponse

from airwaves.lib.clients import request_client_address
from airwaves.serving import near_fd_limit

RETRY_AFTER = 30  # seconds: a listener leaving frees a place quickly


class Kind(NamedTuple):
    name: str
    setting: str  # the settings name of its per-process maximum
    what: str  # for the 503 message


EVENTS = Kind("events", "RADIO_MAX_EVENT_STREAMS", "now-playing updates")
PROXY = Kind("proxy", "RADIO_MAX_PROXY_LISTENERS", "radio streams")

open_by_kind: Counter[str] = Counter()
open_by_client: Counter[str] = Counter()


class Ticket:
    def __init__(self, kind: Kind, client: str) -> None:
        self.kind = kind
        self.client = client
        self.loop = asyncio.get_running_loop()
        self.released = False
        open_by_kind[kind.name] += 1
        open_by_client[client] += 1

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        open_by_kind[self.kind.name] -= 1
        open_by_client[self.client] -= 1
        if open_by_client[self.client] <= 0:
            del open_by_client[self.client]

    def release_threadsafe(self) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.release()
            return
        try:
            self.loop.call_soon_threadsafe(self.release)
        except RuntimeError:  # the loop is closed: so is everything counted on it
            pass


def refusal(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def admit(kind: Kind, request) -> Ticket | HttpResponse:
    """A Ticket for one more stream of `kind`, or the response refusing it."""
    if near_fd_limit(settings.FD_RESERVE):
        return refusal(503, "This server is too busy to open another stream. Try again soon.")
    limit = getattr(settings, kind.setting)
    if open_by_kind[kind.name] >= limit:
        return refusal(
            503,
            f"This server is sending as many {kind.what} as it is configured for "
            f"({limit}). Please try again in a few minutes.",
        )
    client = request_client_address(request)
    per_client = settings.RADIO_MAX_STREAMS_PER_CLIENT
    if open_by_client[client] >= per_client:
        return refusal(
            429,
            f"Too many radio streams open from your address (at most {per_client}). "
            "Close a station page or player and try again.",
        )
    return Ticket(kind, client)
