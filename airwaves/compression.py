"""Compressed pages: brotli or gzip, whichever the client prefers, for text responses.

`compress_responses` is Django's GZipMiddleware with brotli added, the client's
q-values respected, and the same restraint: only bodies worth compressing (text, JSON,
XML, scripts and styles, at least MIN_BYTES long), never a streaming response (static
files are whitenoise's streamed files, served from their pre-compressed copies; radio
streams and event streams do not even pass this chain, see asgi.py), never a response
that already has a Content-Encoding. It works in both middleware modes, so the chain
stays async (see middleware.py).

BREACH (guessing a secret in a compressed page from the compressed length, byte by byte
over many requests) needs a secret that is the same in every response: Django's CSRF
token in a page is masked with fresh random bytes on every render, and pages carry no
other secret. gzip output also gets Django's random-length file name (as GZipMiddleware
does), which makes lengths noisier still.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import brotli
from asgiref.sync import iscoroutinefunction
from django.utils.cache import patch_vary_headers
from django.utils.decorators import sync_and_async_middleware
from django.utils.text import compress_string

# Below this, the headers cost more than compression saves (Django's GZipMiddleware
# uses 200; a gzip header and footer alone are 18 bytes).
MIN_BYTES = 200
# Brotli's quality 11 is for files compressed once (whitenoise does that for static
# files); a page is compressed on every request. The 22 KB episode page of the benchmark
# directory (docs/benchmarks.md): gzip level 6, 4,629 bytes in 0.12 ms; brotli 5, 4,189
# bytes in 0.29 ms; brotli 11, 3,722 bytes in 23 ms.
BROTLI_QUALITY = 5
# Random bytes Django adds to gzip's header (see the module docstring).
GZIP_MAX_RANDOM_BYTES = 100

COMPRESSIBLE_TYPES = re.compile(
    r"text/(?!event-stream)[-\w.+]+"
    r"|application/(?:[-\w.]+\+)?(?:json|xml)"
    r"|application/(?:x-)?javascript|image/svg\+xml",
    re.IGNORECASE,
)
# Preference among encodings the client rates equally.
OURS = ("br", "gzip")


class Coding(NamedTuple):
    name: str
    q: float


def parse_accept_encoding(header: str) -> list[Coding]:
    """The codings of an Accept-Encoding header with their q-values (1 when not given,
    0 for a q-value that is not a number between 0 and 1)."""
    codings = []
    for part in header.split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:  # "nan" and out-of-range values included
                    q = 0.0
        codings.append(Coding(name, q))
    return codings


def choose_encoding(header: str) -> str | None:
    """br or gzip, whichever the client rates higher (br on a tie), or None when it
    accepts neither. `*` stands for any coding not named; q=0 means "not this one"."""
    rated = {}
    star = None
    for coding in parse_accept_encoding(header):
        if coding.name == "*":
            star = coding.q
        else:
            rated[coding.name] = max(coding.q, rated.get(coding.name, 0.0))
    best, best_q = None, 0.0
    for name in OURS:
        q = rated.get(name, star if star is not None else 0.0)
        if q > best_q:
            best, best_q = name, q
    return best


def compress(content: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(content, quality=BROTLI_QUALITY)
    return compress_string(content, max_random_bytes=GZIP_MAX_RANDOM_BYTES)


def is_compressible(response) -> bool:
    if response.streaming or response.has_header("Content-Encoding"):
        return False
    if response.status_code in (204, 206, 304):
        return False
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip()
    if not COMPRESSIBLE_TYPES.fullmatch(content_type):
        return False
    return len(response.content) >= MIN_BYTES


def compressed_response(request, response):
    """The response, its body compressed when that is worth it and the client accepts it.
    Each compressible response says `Vary: Accept-Encoding`, compressed or not, so that
    a cache keeps the two apart."""
    if not is_compressible(response):
        return response
    patch_vary_headers(response, ("Accept-Encoding",))
    encoding = choose_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    if encoding is None:
        return response
    # On the event loop in async mode: well under a millisecond for our pages.
    body = compress(response.content, encoding)
    if len(body) >= len(response.content):
        return response
    response.content = body
    response.headers["Content-Length"] = str(len(body))
    # The compressed body is not byte-for-byte the one a strong ETag names (RFC 9110
    # 8.8.1); a weak one still lets conditional requests match, as in GZipMiddleware.
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag
    response.headers["Content-Encoding"] = encoding
    return response


@sync_and_async_middleware
def compress_responses(get_response):
    if iscoroutinefunction(get_response):

        async def middleware(request):
            return compressed_response(request, await get_response(request))

    else:

        def middleware(request):
            return compressed_response(request, get_response(request))

    return middleware
