"""Personal API tokens: making, finding and revoking them.

A token reads `aw_` followed by 43 URL-safe characters (32 random bytes). The database
keeps its SHA-256 only, so a leaked backup holds no usable token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from airwaves.api.models import ApiToken

PREFIX = "aw_"
SHOWN_CHARS = 8  # of the token, on the settings page
MAX_TOKENS_PER_USER = 20
MAX_TOKEN_CHARS = 100  # longer Authorization values are not ours
# last_used_at is written at most this often per token: not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenLimitReached(Exception):
    pass


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def create_token(user, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the token itself (shown once)."""
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise TokenLimitReached(
            f"An account may have at most {MAX_TOKENS_PER_USER} API tokens; revoke one first."
        )
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API token",
        prefix=token[: len(PREFIX) + SHOWN_CHARS],
        digest=digest_of(token),
        scope=scope,
    )
    return row, token


def find_token(token: str) -> ApiToken | None:
    """The live token with this value, with its user, or None."""
    if not token.startswith(PREFIX) or len(token) > MAX_TOKEN_CHARS:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(token), user__is_active=True)
        .first()
    )
    if row is not None:
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
            row.last_used_at = now
    return row


def revoke_token(user, token_id: int) -> bool:
    """Deletes one of `user`'s tokens; False if they have no token with that id."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def bearer_token(request) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None without one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()
