"""DATABASE_URL read into Django's settings, and PostgreSQL connections kept in a pool."""

from __future__ import annotations

import pytest
from django.db import connection

from airwaves.settings import _database_from_url

URL = "postgresql://ann:secret@db.example.org:5433/radio"


def test_a_url_gives_a_pool_of_ten_connections_by_default(monkeypatch):
    monkeypatch.delenv("AIRWAVES_DB_POOL_SIZE", raising=False)
    monkeypatch.delenv("AIRWAVES_DB_CONN_MAX_AGE", raising=False)

    database = _database_from_url(URL)

    assert database["OPTIONS"]["pool"]["max_size"] == 10
    assert database["OPTIONS"]["options"] == "-c jit=off"
    assert database["CONN_MAX_AGE"] == 0
    assert (database["NAME"], database["USER"], database["PORT"]) == ("radio", "ann", "5433")


def test_a_pool_size_of_zero_opens_a_connection_per_request(monkeypatch):
    monkeypatch.setenv("AIRWAVES_DB_POOL_SIZE", "0")

    assert "pool" not in _database_from_url(URL)["OPTIONS"]


def test_persistent_connections_replace_the_pool(monkeypatch):
    # Django refuses a pool with CONN_MAX_AGE, so the older setting wins when given.
    monkeypatch.delenv("AIRWAVES_DB_POOL_SIZE", raising=False)
    monkeypatch.setenv("AIRWAVES_DB_CONN_MAX_AGE", "60")

    database = _database_from_url(URL)

    assert "pool" not in database["OPTIONS"]
    assert database["CONN_MAX_AGE"] == 60


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_connections_closed_after_a_request_are_used_again():
    server_processes = []
    for _ in range(12):  # more than the pool holds, however many it has open
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            server_processes.append(cursor.fetchone()[0])
        connection.close()  # what the end of every request does

    # Without the pool, each would be a server process of its own.
    assert len(set(server_processes)) < len(server_processes)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_pool_is_closed_before_crawler_processes_are_forked():
    from airwaves.crawler.jobs import close_connections_before_fork

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    pool = connection.pool

    close_connections_before_fork()

    # Forked children would otherwise share its idle connections' sockets.
    assert pool.closed
    with connection.cursor() as cursor:  # a new pool, opened when needed
        cursor.execute("SELECT 1")
    assert connection.pool is not pool and not connection.pool.closed
