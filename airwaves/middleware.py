"""Request checks that hold for every view, and static files; all of it async-capable.

Django builds the middleware chain in one mode per request: a single synchronous-only
middleware turns the whole chain synchronous under ASGI, which runs in a worker thread
(whitenoise's middleware was that one). Ours work in both modes, so the chain stays async
and a thread is used only where a middleware or view needs one. The long-lived radio
streams go further and skip the chain altogether (see `stream_middleware` and asgi.py).
"""

from __future__ import annotations

import os

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils.decorators import sync_and_async_middleware
from whitenoise.middleware import WhiteNoiseMiddleware

from airwaves.lib.clients import believe_forwarded_proto


@sync_and_async_middleware
def forwarded_proto(get_response):
    """First of all: X-Forwarded-Proto is believed from AIRWAVES_TRUSTED_PROXIES only
    (lib/clients.py), before anything asks whether the request came over HTTPS."""

    if iscoroutinefunction(get_response):

        async def middleware(request):
            believe_forwarded_proto(request.META)
            return await get_response(request)

    else:

        def middleware(request):
            believe_forwarded_proto(request.META)
            return get_response(request)

    return middleware


def nul_character_response(request):
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        message = (
            "Bad request: the address contains a NUL character (%00); remove it and try again."
        )
        if request.path.startswith(("/api/v1/", "/json/")):
            from airwaves.api.errors import error_response  # the API's one error shape

            return error_response(400, "bad_request", message)
        return HttpResponseBadRequest(message, content_type="text/plain")
    return None


@sync_and_async_middleware
def refuse_nul_characters(get_response):
    """A NUL character in the path or query string is never meaningful, and PostgreSQL
    refuses it in any query, which would turn a typo into a server error: answer 400
    here, once, instead of in every view that reads a URL parameter."""

    if iscoroutinefunction(get_response):

        async def middleware(request):
            return nul_character_response(request) or await get_response(request)

    else:

        def middleware(request):
            return nul_character_response(request) or get_response(request)

    return middleware


# What whitenoise read about each static file (headers, compressed variants), kept for the
# process: Django builds a middleware chain per handler, which is once under `serve` but
# once per test client in the tests, where reading the ~1,000 files again cost 0.1-0.5 s a
# client. A file is read again when it, a compressed variant, the manifest (whose names
# decide what is immutable) or the settings read with it change.
_read_static_files: dict[tuple, object] = {}
# Each distinct set of settings and manifest, numbered: a short part of those keys.
_read_with_numbers: dict[tuple, int] = {}


def _stamp(stat) -> tuple | None:
    return None if stat is None else (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_mode)


class StaticFiles(WhiteNoiseMiddleware):
    """whitenoise, able to run in an async chain: the path lookup is a dict lookup made
    at start-up, done on the event loop; serving a file (which opens it) runs in a thread
    of the shared pool, for that one request only."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, settings=settings) -> None:
        super().__init__(get_response, settings)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def get_static_file(self, path, url, stat_cache=None):
        if stat_cache is None:
            return super().get_static_file(path, url, stat_cache)
        key = (
            self._read_with(),
            url,
            path,
            *(_stamp(stat_cache.get(name)) for name in (path, path + ".gz", path + ".br")),
        )
        found = _read_static_files.get(key)
        if found is None:
            found = _read_static_files[key] = super().get_static_file(path, url, stat_cache)
        return found

    def _read_with(self) -> int:
        """The settings and the manifest that this chain makes files' headers from, found
        once per chain (they are all set before whitenoise reads the first file)."""
        if "_read_with_key" not in self.__dict__:
            try:
                manifest = os.stat(os.path.join(self.static_root, "staticfiles.json"))
            except (OSError, TypeError):
                manifest = None
            read_with = (
                str(self.static_root),
                self.static_prefix,
                self.max_age,
                self.allow_all_origins,
                str(self.charset),
                self.add_headers_function,
                self.index_file,
                self.__dict__.get("immutable_file_test"),
                tuple(sorted(self.media_types.types_map.items())),
                _stamp(manifest),
            )
            number = _read_with_numbers.setdefault(read_with, len(_read_with_numbers))
            self._read_with_key = number
        return self._read_with_key

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        if self.autorefresh:
            static_file = await sync_to_async(self.find_file, thread_sensitive=False)(
                request.path_info
            )
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve, thread_sensitive=False)(static_file, request)
        return await self.get_response(request)


def stream_middleware(get_response):
    """The whole middleware chain of the long-lived radio streams (asgi.py routes them to
    a handler of their own): they read no session, user, CSRF token or message, and
    Django's own middleware runs its hooks in a worker thread that would then stay with
    the connection for as long as the listener listens. What of it applies to a stream
    is done here, on the event loop: X-Forwarded-Proto from our proxies only, the Host
    check (ALLOWED_HOSTS), the NUL check, and
    the headers SecurityMiddleware would add."""

    async def middleware(request):
        believe_forwarded_proto(request.META)
        request.get_host()  # DisallowedHost: a 400, as for every other page
        response = nul_character_response(request) or await get_response(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.headers.setdefault(
            "Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
        )
        return response

    markcoroutinefunction(middleware)
    return middleware
