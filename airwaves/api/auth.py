"""Who is calling: a personal token (`Authorization: Bearer aw_…`) or the site's own
session (with its CSRF token on writes, checked by Ninja's SessionAuth)."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from airwaves.api.errors import ApiError
from airwaves.api.tokens import find_token


def token_of(request, token: str):
    """The request's ApiToken, looked up once per request (the rate limit asks too)."""
    if not hasattr(request, "api_token"):
        request.api_token = find_token(token) if token else None
    return request.api_token


class BearerToken(HttpBearer):
    def __init__(self, *, write: bool) -> None:
        super().__init__()
        self.write = write

    def authenticate(self, request, token: str):
        row = token_of(request, token)
        if row is None:
            return None
        if self.write and not row.can_write:
            raise ApiError(
                403,
                "insufficient_scope",
                "This token may only read. Make a token with the write scope on your "
                "account settings page to change anything.",
            )
        # The website's own write functions read the listener from request.user.
        request.user = row.user
        return row.user


class ListenerSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        request.api_token = None
        return user


READ = [BearerToken(write=False), ListenerSession()]
WRITE = [BearerToken(write=True), ListenerSession()]
