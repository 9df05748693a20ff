"""One shape for every error the API answers:

    {"error": {"code": "not_found", "message": "No show has the slug 'x'.", "field": null}}

`code` is stable, for programs; `message` says what was wrong and what to do, for people;
`field` names the parameter or body field at fault, when there is one.
"""

from __future__ import annotations

from django.http import JsonResponse

# Status and code of the errors Ninja raises itself, mapped to ours.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, field: str | None = None, headers=None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers=None
) -> JsonResponse:
    response = JsonResponse(error_body(code, message, field), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", what)


def field_of(location: list | tuple) -> str | None:
    """ "limit" from Ninja's ("query", "limit"); "position" from ("body", "data", "position")."""
    names = [str(part) for part in location if part not in ("query", "body", "path", "data")]
    return ".".join(names) or None
