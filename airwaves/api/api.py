"""The NinjaAPI object: routers, the OpenAPI document, and errors in one shape."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from airwaves.api import catalogue, me, people, search, stations
from airwaves.api.errors import STATUS_CODES, ApiError, error_response, field_of

DESCRIPTION = """The directory's shows, episodes, stations and categories, its search, and
the calling listener's own favourites, follows and play positions.

Reading needs no account. Writing needs a personal API token (made on the account
settings page, sent as `Authorization: Bearer aw_…`, scope `write`) or the site's own
session with its CSRF token. Lists are paged with opaque `next` cursors. Every error is
`{"error": {"code", "message", "field"}}`. See docs/api.md for examples.
"""

api = NinjaAPI(
    title="Airwaves API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("", catalogue.router)
api.add_router("", stations.router)
api.add_router("", search.router)
api.add_router("", me.router)
api.add_router("", people.router)


@api.exception_handler(ApiError)
def on_api_error(request, exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    field = field_of(first.get("loc", ()))
    message = first.get("msg", "Invalid input")
    if field:
        message = f"{field}: {message}"
    if len(exc.errors) > 1:
        message += f" (and {len(exc.errors) - 1} more problem{'s' if len(exc.errors) > 2 else ''})"
    return error_response(422, "invalid", message, field)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc: AuthenticationError):
    return error_response(
        401,
        "unauthorized",
        "This needs a listener: send `Authorization: Bearer <token>` with a token from "
        "your account settings page (or log in to the site).",
        headers={"WWW-Authenticate": 'Bearer realm="airwaves"'},
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    message = exc.message
    if exc.status_code == 403 and "CSRF" in message:
        message = (
            "The CSRF token is missing or wrong: send the csrftoken cookie's value as X-CSRFToken."
        )
    elif exc.status_code == 400 and "parse request body" in message:
        message = "The request body is not valid JSON (or is nested too deeply)."
    return error_response(exc.status_code, STATUS_CODES.get(exc.status_code, "error"), message)


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return error_response(404, "not_found", f"Nothing is at {request.path[:200]}.")
