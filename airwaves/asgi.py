"""The ASGI application `airwaves serve` runs: Django behind the request-body caps, with
the long-lived radio streams on a lean handler of their own.

1. Every HTTP request passes BodyLimit first (serving.py): a body over its path's cap is
   refused before Django reads or spools any of it.
2. /radio/<slug>/events and /radio/<slug>/stream, which stay open for as long as somebody
   listens, go to `streams`: Django with a one-function middleware chain that runs on the
   event loop (middleware.stream_middleware). Through the full chain, Django's middleware
   hooks take a worker thread that stays with the request until its response ends: one
   idle thread, and its stack, per listener.
3. Everything else goes to Django with settings.MIDDLEWARE.
"""

from __future__ import annotations

import os
import re
import warnings

from django.core.asgi import get_asgi_application
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")

# whitenoise serves static files through a synchronous file iterator; Django's ASGI
# handler warns about it on every file. The files are small and cached; the warning
# is noise in the server log.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

django_application = get_asgi_application()

from django.conf import settings  # noqa: E402 (after Django is set up)

from airwaves.demo.station import allow_origin_from_environment  # noqa: E402
from airwaves.middleware import stream_middleware  # noqa: E402
from airwaves.serving import BodyLimit, quiet_accept_errors  # noqa: E402

# The radio:events and radio:stream URLs (radio/urls.py); tests check the two agree.
STREAM_PATHS = re.compile(r"/radio/[^/]+/(?:events|stream)")


class StreamHandler(ASGIHandler):
    """Django's ASGI handler with stream_middleware as its whole middleware chain, and
    without a thread of each request's own.

    Django's handler opens a ThreadSensitiveContext per request: the first synchronous
    call (the request_started signal's handlers, run_db's queries) starts a thread that
    lives until the response ends. Without it, that work goes to the process's one
    shared thread for synchronous code, where the hub's database writes go too; every
    call there is short (a lookup, a click row, closing a connection)."""

    async def __call__(self, scope, receive, send):
        await self.handle(scope, receive, send)

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response_async)
        self._middleware_chain = convert_exception_to_response(stream_middleware(handler))


streams = StreamHandler()


async def route(scope, receive, send):
    if scope["type"] == "http" and STREAM_PATHS.fullmatch(scope.get("path", "")):
        return await streams(scope, receive, send)
    return await django_application(scope, receive, send)


# Django spools a whole request body to a temporary file before any middleware runs:
# the caps have to be checked out here (see serving.BodyLimit and settings.py).
application = BodyLimit(
    route,
    default=settings.REQUEST_MAX_BYTES,
    limits=settings.REQUEST_MAX_BYTES_BY_PATH,
)

# One line a minute, not a traceback per attempt, when accept() runs out of descriptors.
quiet_accept_errors()
# Under `serve --demo --workers N`: the demo station's origin, past the SSRF guard.
allow_origin_from_environment()
