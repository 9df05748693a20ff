"""Downloads one image through the SSRF-guarded client, with size and time caps.

No Django here. Redirects are followed by hand so that every hop is checked before it is
connected to (`check_url`; the guarded client checks the address it resolves to), and
the body is read raw, without asking for compression: an image is compressed already,
and a gzip layer we did not ask for could inflate into anything.

Errors: everything that goes wrong raises `ArtworkFetchError`, whose `refused` says
whether trying again soon could help (a timeout, an HTTP 503: no) or not (a private
address, an HTML page, a body over the cap: yes, until the publisher changes it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from airwaves.lib.bodies import read_capped
from airwaves.lib.net import (
    BlockedAddressError,
    UnsupportedURLError,
    allow_private_from_env,
    check_url,
    io_deadline,
    make_client,
)

ACCEPT = "image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
# Types that are never a raster image, refused before their body is read.
REFUSED_TYPES = {
    "text/html": "an HTML page",
    "application/xhtml+xml": "an HTML page",
    "image/svg+xml": "an SVG document (vector images are not rasterised)",
    "application/pdf": "a PDF document",
}


class ArtworkFetchError(Exception):
    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True, slots=True)
class FetchedImage:
    status: int  # 200, or 304 when the validators we sent still hold
    url: str  # after redirects
    data: bytes  # b"" for 304
    content_type: str
    etag: str
    last_modified: str


def fetch_image(
    url: str,
    *,
    max_bytes: int,
    total_timeout: float,
    etag: str = "",
    last_modified: str = "",
    client: httpx.Client | None = None,
    allow_private: bool | None = None,
) -> FetchedImage:
    """GETs `url`, raising ArtworkFetchError for anything but an image body or a 304.

    allow_private=None reads AIRWAVES_ALLOW_PRIVATE_URLS (for the URL checks here and
    the client made when `client` is None)."""
    if allow_private is None:
        allow_private = allow_private_from_env()
    headers = {"Accept": ACCEPT, "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    own_client = client is None
    client = client or make_client(allow_private=allow_private, timeout=min(20.0, total_timeout))
    started = time.monotonic()
    current = url.strip()
    try:
        with io_deadline(total_timeout):
            for _hop in range(MAX_REDIRECTS + 1):
                check_url(current, allow_private=allow_private)
                with client.stream("GET", current, headers=headers) as response:
                    if response.status_code in REDIRECT_STATUSES:
                        current = _redirect_target(current, response)
                        continue
                    return _read(current, response, max_bytes, started, total_timeout)
            raise ArtworkFetchError(f"more than {MAX_REDIRECTS} redirects from {url}")
    except (BlockedAddressError, UnsupportedURLError) as exc:
        raise ArtworkFetchError(str(exc), refused=True) from exc
    except httpx.TimeoutException as exc:
        raise ArtworkFetchError(
            f"fetching {current} took longer than {total_timeout:g} s ({type(exc).__name__})"
        ) from exc
    except httpx.InvalidURL as exc:
        raise ArtworkFetchError(f"refused {current!r}: {exc}", refused=True) from exc
    except httpx.HTTPError as exc:
        raise ArtworkFetchError(f"error fetching {current}: {exc or type(exc).__name__}") from exc
    finally:
        if own_client:
            client.close()


def _redirect_target(current: str, response: httpx.Response) -> str:
    location = response.headers.get("Location", "").strip()
    if not location:
        raise ArtworkFetchError(f"HTTP {response.status_code} redirect without a Location")
    try:
        target = httpx.URL(current).join(location)
    except httpx.InvalidURL as exc:
        raise ArtworkFetchError(f"bad redirect to {location!r}: {exc}", refused=True) from exc
    if target.scheme not in ("http", "https"):
        raise ArtworkFetchError(f"refused redirect to {target}: not an http(s) URL", refused=True)
    return str(target)


def _read(
    url: str, response: httpx.Response, max_bytes: int, started: float, total_timeout: float
) -> FetchedImage:
    status = response.status_code
    if status == 304:
        return _result(url, response, b"")
    if not 200 <= status < 300:
        raise ArtworkFetchError(f"HTTP {status} {response.reason_phrase}".strip())
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type in REFUSED_TYPES:
        raise ArtworkFetchError(
            f"the server sent {REFUSED_TYPES[content_type]} ({content_type}), not an image",
            refused=True,
        )
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise ArtworkFetchError(
            f"the server compressed the image ({encoding}) although we asked it not to",
            refused=True,
        )
    data = read_capped(response, max_bytes, started, total_timeout, _too_large)
    return _result(url, response, data)


def _too_large(max_bytes: int, detail: str) -> ArtworkFetchError:
    return ArtworkFetchError(
        f"the image is larger than {max_bytes // 1024} KiB ({detail})", refused=True
    )


def _result(url: str, response: httpx.Response, data: bytes) -> FetchedImage:
    return FetchedImage(
        status=response.status_code,
        url=url,
        data=data,
        content_type=response.headers.get("Content-Type", ""),
        etag=response.headers.get("ETag", "")[:500],
        last_modified=response.headers.get("Last-Modified", "")[:100],
    )
