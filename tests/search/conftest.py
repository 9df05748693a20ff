from __future__ import annotations

import pytest
from django.db import connection

# Tables these tests fill by the thousand (tests/search/test_query_counts.py).
_TABLES = ("podcasts_podcast", "podcasts_episode", "radio_station")


@pytest.fixture(autouse=True, scope="module")
def _give_back_the_ids(django_db_blocker):
    """PostgreSQL's sequences do not roll back with a test's transaction: after a module
    that wrote thousands of rows, set them back to where the rows that remain need them,
    so tests elsewhere that reason about id ranges (sitemaps) see the ids they expect."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for table in _TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
