"""What every answer of the API gets, whatever view made it (`api_view` wraps them all):

1. rate limits, per token for a request with a valid token and per client address for
   every other one, over a sliding minute: 429 with Retry-After beyond them;
2. CORS open for reads (any origin may GET; no credentials, so no site's visitor's
   session is ever used by another site), with the preflight answered here;
3. an ETag on every 200 to a GET, and 304 when If-None-Match has it;
4. Cache-Control: public for answers that name no listener, private for the others;
5. errors in one shape (errors.py), Django's own 404s and 405s included.
"""

from __future__ import annotations

import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified

from airwaves.api.auth import token_of
from airwaves.api.errors import ApiError, error_response
from airwaves.api.tokens import bearer_token
from airwaves.lib.clients import request_client_address
from airwaves.pagecache import etag_for, etag_matches

RATE_WINDOW = 60  # seconds
clock = time.time  # tests move it by hand: no test waits for a window to pass
# Counts are fractions of requests in floating point: 3 × (1 − 20/60) is 2.0000000000000004.
EPSILON = 1e-9
READ_METHODS = ("GET", "HEAD")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Retry-After, Location",
}


def sliding_count(previous: int, current: int, elapsed: float) -> float:
    """The requests of the last RATE_WINDOW seconds, as a sliding window counts them:
    those of this minute, and of the minute before the share still inside the window
    (its requests taken as spread evenly over it). A burst just before a minute's end
    still counts in full just after it, where a fixed window would start again at 0."""
    return previous * (1 - elapsed / RATE_WINDOW) + current


def seconds_until_allowed(previous: int, current: int, elapsed: float, limit: int) -> float:
    """How long until one more request fits under `limit` (sliding_count of it <= limit)."""
    room = limit - 1 - current
    if room >= 0 and previous > 0:
        # Still in this minute: the previous minute's share shrinks enough.
        wait = RATE_WINDOW * (1 - room / previous) - elapsed
        if wait <= RATE_WINDOW - elapsed:
            return max(0.0, wait)
    # Into the next minute: this one's requests become the share that shrinks.
    into_next = RATE_WINDOW * max(0.0, 1 - (limit - 1) / current) if current else 0.0
    return RATE_WINDOW - elapsed + into_next


def rate_limit(request) -> ApiError | None:
    """Counts the request in a sliding window of RATE_WINDOW seconds (sliding_count): a
    counter per minute in Django's cache, shared by every server process with the file
    or Redis cache (settings.py), read with the minute before. A refused request is
    taken off again: the limit is on answers, and a client that keeps knocking while
    refused is let in as soon as the requests it was answered allow."""
    token = bearer_token(request)
    row = token_of(request, token) if token else None
    if row is not None:
        who, limit = f"token:{row.pk}", settings.API_TOKEN_REQUESTS_PER_MINUTE
    else:
        who, limit = f"address:{request_client_address(request)}", settings.API_REQUESTS_PER_MINUTE
    now = clock()
    window = int(now // RATE_WINDOW)
    elapsed = now - window * RATE_WINDOW
    key = f"api-rate:{who}:{window}"
    cache.add(key, 0, timeout=2 * RATE_WINDOW + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=2 * RATE_WINDOW + 1)
        used = 1
    previous = cache.get(f"api-rate:{who}:{window - 1}", 0)
    if sliding_count(previous, used, elapsed) <= limit + EPSILON:
        return None
    try:
        cache.decr(key)
    except ValueError:  # expired meanwhile: nothing left to take off
        pass
    wait = seconds_until_allowed(previous, used - 1, elapsed, limit)
    retry_after = max(1, math.ceil(wait - EPSILON))
    whose = "this token" if row is not None else "your address"
    return ApiError(
        429,
        "rate_limited",
        f"Too many requests from {whose}: at most {limit} a minute. "
        f"Try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


def preflight(request) -> bool:
    return (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    )


def names_listener(request) -> bool:
    return "Authorization" in request.headers or settings.SESSION_COOKIE_NAME in request.COOKIES


def finish(request, response):
    location = getattr(request, "api_location", None)
    if location:
        response["Location"] = location
    if response.status_code in (404, 405) and "application/json" not in response.get(
        "Content-Type", ""
    ):
        allow = response.get("Allow")
        if response.status_code == 404:
            response = error_response(404, "not_found", f"Nothing is at {request.path[:200]}.")
        else:
            response = error_response(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed here; use {allow or 'another method'}.",
                headers={"Allow": allow} if allow else None,
            )
    if request.method in READ_METHODS:
        for name, value in CORS_HEADERS.items():
            response[name] = value
        if response.status_code == 200 and not response.streaming:
            etag = etag_for(response.content)
            if etag_matches(request.headers.get("If-None-Match", ""), etag):
                response = HttpResponseNotModified()
                for name, value in CORS_HEADERS.items():
                    response[name] = value
            response["ETag"] = etag
    if "Cache-Control" not in response:
        if request.method in READ_METHODS and not names_listener(request):
            response["Cache-Control"] = "public, max-age=60"
        else:
            response["Cache-Control"] = "private, no-store"
    return response


def api_view(view):
    """Wraps one of the API's Django views with the steps of the module docstring."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if preflight(request):
            return preflight_response()
        refused = rate_limit(request)
        if refused is not None:
            response = error_response(
                refused.status, refused.code, refused.message, refused.field, refused.headers
            )
            response["Cache-Control"] = "private, no-store"
            for name, value in CORS_HEADERS.items():
                response[name] = value
            return response
        return finish(request, view(request, *args, **kwargs))

    return wrapper


def preflight_response():
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Authorization, If-None-Match"
    response["Access-Control-Max-Age"] = "86400"
    return response
