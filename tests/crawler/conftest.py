"""Fixtures of the crawler's tests."""

from __future__ import annotations

import pytest
from django.db import connection

from airwaves.podcasts.models import Episode, Podcast


@pytest.fixture
def keep_id_sequences(db):
    """Tests that store tens of thousands of episodes put PostgreSQL's id sequences back
    where they were (setval is not undone by the test's rollback), so the ids later
    tests see do not depend on whether these ran first."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [Episode._meta.db_table, Podcast._meta.db_table]
    with connection.cursor() as cursor:
        before = {}
        for table in tables:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            before[sequence] = cursor.fetchone()
    yield
    with connection.cursor() as cursor:
        for sequence, (value, is_called) in before.items():
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, value, is_called])
