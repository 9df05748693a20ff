"""The ASGI application `airwaves serve` runs: Django, behind the request-body caps."""

from __future__ import annotations

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")

# whitenoise serves static files through a synchronous file iterator; Django's ASGI
# handler warns about it on every file. The files are small and cached; the warning
# is noise in the server log.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

django_application = get_asgi_application()

from django.conf import settings  # noqa: E402 (after Django is set up)

from airwaves.serving import BodyLimit, quiet_accept_errors  # noqa: E402

# Django spools a whole request body to a temporary file before any middleware runs:
# the caps have to be checked out here (see serving.BodyLimit and settings.py).
application = BodyLimit(
    django_application,
    default=settings.REQUEST_MAX_BYTES,
    limits=settings.REQUEST_MAX_BYTES_BY_PATH,
)

# One line a minute, not a traceback per attempt, when accept() runs out of descriptors.
quiet_accept_errors()
