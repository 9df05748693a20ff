"""Reading a response body within a size cap and a total time limit, for the fetches of
files that are not feeds (artwork, chapters, transcripts). crawler/fetch.py keeps its
own reader: it also inflates compressed feeds against zip bombs."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx


def read_capped(
    response: httpx.Response,
    max_bytes: int,
    started: float,
    total_timeout: float,
    too_large: Callable[[int, str], Exception],
) -> bytes:
    """The raw body, or `too_large(max_bytes, detail)` raised as soon as the announced
    length or the bytes read pass the cap; httpx.ReadTimeout past `total_timeout`
    seconds since `started` (time.monotonic())."""
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes, f"{int(declared)} bytes announced")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes, "the body went past it")
        chunks.append(chunk)
        # The guarded client bounds each socket read by the deadline; this also covers
        # a transport without it (tests' mock transports).
        if time.monotonic() - started > total_timeout:
            raise httpx.ReadTimeout("total time limit reached")
    return b"".join(chunks)
