"""The API against its own OpenAPI document: schemathesis generates requests for every
operation from the live schema (bounded examples) and checks that none gets a server
error or an answer the schema does not describe."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from airwaves.api.tokens import create_token

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(db, demo, alice, settings):
    settings.API_REQUESTS_PER_MINUTE = settings.API_TOKEN_REQUESTS_PER_MINUTE = 10**6
    # As Django's test client does: the test's transaction holds the data, so the
    # handler must not close the connection at the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(alice) -> str:
    return create_token(alice, "schemathesis", "write")[1]


def test_the_api_keeps_to_its_schema(api_schema, token):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    # The WSGI transport hands schemathesis the bytes as sent, undecoded: ask for none.
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=5,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_schema(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        keeps_to_schema()
