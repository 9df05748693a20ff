"""/api/v1/ (the Ninja API) and /json/ (the radio-browser subset), every view wrapped by
http.api_view (rate limits, CORS, ETags, errors in one shape)."""

from __future__ import annotations

from django.urls import path, re_path

from airwaves.api import account, radiobrowser
from airwaves.api.api import api
from airwaves.api.errors import error_response
from airwaves.api.http import api_view


def _nothing_here(request, rest: str = ""):
    return error_response(404, "not_found", f"Nothing is at {request.path[:200]}.")


def _wrapped(patterns):
    for pattern in patterns:
        pattern.callback = api_view(pattern.callback)
    return patterns


_patterns, _app, _namespace = api.urls
# (patterns, app name): the namespace is the app name, "api".
api_patterns = (
    _wrapped(list(_patterns)) + [re_path(r"^(?P<rest>.*)$", api_view(_nothing_here))],
    _namespace,
)

radiobrowser_patterns = [
    path("stations/search", api_view(radiobrowser.stations_search)),
    path("stations/byuuid/<str:uuids>", api_view(radiobrowser.stations_by_uuid)),
    path("stations/byuuid", api_view(radiobrowser.stations_by_uuid)),
    path("url/<str:uuid>", api_view(radiobrowser.station_url)),
]

account_patterns = [
    path("api-tokens/", account.create, name="api-token-create"),
    path("api-tokens/<int:token_id>/revoke", account.revoke, name="api-token-revoke"),
]
