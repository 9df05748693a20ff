"""Database work from long-lived async views and background tasks.

A streaming view (the proxy, the now-playing events) may stay open for hours; Django
would keep its database connection open until the response ends, one per listener.
`run_db` runs the ORM in Django's sync world and closes the connection straight after,
unless it is inside an atomic block (the test suite wraps each test in one).
"""

from __future__ import annotations

from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import connection


def _call_and_release[**P, R](fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    try:
        return fn(*args, **kwargs)
    finally:
        if not connection.in_atomic_block:
            connection.close()


async def run_db[**P, R](fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    return await sync_to_async(_call_and_release)(fn, *args, **kwargs)
