"""The middleware chain runs in async mode under ASGI (no synchronous-only middleware
left in it), and the radio streams have a lean handler of their own (airwaves/asgi.py)."""

from __future__ import annotations

import pytest
from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.urls import resolve
from django.utils.module_loading import import_string

from airwaves import asgi
from tests.radio.fixtures import SERVES_STATIC_FILES
from tests.test_limits import call


def test_every_middleware_can_run_in_an_async_chain():
    for path in settings.MIDDLEWARE:
        factory = import_string(path)
        assert getattr(factory, "async_capable", False), f"{path} is synchronous only"


def test_the_django_chain_is_async_from_the_top():
    # One synchronous-only middleware would make the top of the chain a sync_to_async
    # wrapper around a synchronous function.
    chain = asgi.django_application._middleware_chain
    assert iscoroutinefunction(chain)


@pytest.mark.parametrize(
    ("path", "view"),
    [
        ("/radio/jazz-fm/events", "radio:events"),
        ("/radio/jazz-fm/stream", "radio:stream"),
        ("/radio/jazz-fm/", "radio:station"),
        ("/radio/jazz-fm/vote", "radio:vote"),
        ("/radio/tag/events/", "radio:tag"),
    ],
)
def test_the_stream_handler_takes_exactly_the_stream_urls(path, view):
    assert resolve(path).view_name == view
    assert bool(asgi.STREAM_PATHS.fullmatch(path)) == (view in ("radio:events", "radio:stream"))


@pytest.fixture
def app(db):
    return asgi.application


def test_the_stream_handler_refuses_nul_characters_and_unknown_hosts(app, settings):
    answer = call(app, "/radio/a\x00b/events", [b""], method="GET")
    assert answer.status == 400 and b"NUL character" in answer.body
    settings.ALLOWED_HOSTS = ["radio.example.org"]
    answer = call(app, "/radio/jazz-fm/events", [b""], method="GET")
    assert answer.status == 400  # the Host header says testserver


def test_the_stream_handler_adds_the_security_headers(app):
    answer = call(app, "/radio/no-such-station/stream", [b""], method="GET")
    assert answer.status == 404
    assert answer.headers[b"x-content-type-options"] == b"nosniff"
    assert answer.headers[b"referrer-policy"] == b"same-origin"


@SERVES_STATIC_FILES
def test_static_files_are_served_in_async_mode(app):
    answer = call(app, "/static/airwaves/site.js", [b""], method="GET")
    assert answer.status == 200
    assert b"addEventListener" in answer.body


def test_nul_characters_are_refused_by_the_async_chain(app):
    answer = call(app, "/search", [b""], method="GET", query=b"q=a%00b")
    assert answer.status == 400 and b"NUL character" in answer.body
    assert call(app, "/search", [b""], method="GET", query=b"q=ab").status == 200
