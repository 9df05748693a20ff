"""Per-host slots shared by Celery workers, in the Redis on this machine: a slot is a
lease, so one that is never given back (a killed worker) comes back by itself."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis

from airwaves.crawler.tasks import host_slot

REDIS_URL = os.environ.get("AIRWAVES_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def host(settings):
    settings.BROKER_URL = REDIS_URL
    name = f"feeds-{uuid.uuid4().hex[:8]}.example"
    yield name
    redis.Redis.from_url(REDIS_URL).delete(f"airwaves:host-leases:{name}")


def test_a_host_has_as_many_slots_as_its_limit_and_each_comes_back_when_released(host):
    with host_slot(host, limit=2) as first, host_slot(host, limit=2) as second:
        with host_slot(host, limit=2) as third:
            assert (first, second, third) == (True, True, False)
        with host_slot("other.example", limit=2) as elsewhere:
            assert elsewhere
    with host_slot(host, limit=2) as again:
        assert again


def test_a_slot_that_is_never_released_comes_back_when_its_lease_runs_out(host):
    # A worker killed mid-refresh never leaves its `with` block.
    held = host_slot(host, limit=1, lease_seconds=0.5)
    assert held.__enter__()
    with host_slot(host, limit=1) as blocked:
        assert not blocked
    # Asking again does not lengthen the dead holder's lease.
    deadline = time.monotonic() + 5
    while True:
        with host_slot(host, limit=1) as allowed:
            if allowed:
                break
        assert time.monotonic() < deadline, "the lease never ran out"
        time.sleep(0.05)


def test_a_failing_refresh_gives_its_slot_back(host):
    with pytest.raises(RuntimeError), host_slot(host, limit=1) as allowed:
        assert allowed
        raise RuntimeError("refresh failed")
    with host_slot(host, limit=1) as allowed:
        assert allowed


def test_without_a_redis_broker_every_refresh_is_allowed(settings):
    settings.BROKER_URL = "amqp://guest@127.0.0.1//"
    with host_slot("a.example", limit=1) as first, host_slot("a.example", limit=1) as second:
        assert first and second
