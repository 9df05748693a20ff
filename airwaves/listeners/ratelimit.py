"""Rate limits for accounts: failed log-ins per username and per client address, and
accounts created and password-reset e-mails asked for (`limit` / `record`, at the end).

Failures are rows in the database (`LoginFailure`), not entries in a per-process
cache, because production may run several server processes: each must see the
failures the others recorded. Checking before the password is verified also keeps
a locked-out attacker from spending the server's time on Argon2.

1. Before authenticating, count the username's and the address's failures inside
   the window; at the limit, refuse without checking the password.
2. After a failure, record one row per scope (and delete rows older than the window).
3. After a success, forget the username's failures (not the address's: one right
   password must not reset a guessing run against other accounts).

Two concurrent attempts may both pass step 1 before either records a failure, so
the limit can be overshot by the number of simultaneous requests; that is bounded
and acceptable for slowing down guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from airwaves.listeners.models import Attempt, LoginFailure

Scope = LoginFailure.Scope


@dataclass(frozen=True, slots=True)
class Refusal:
    scope: str
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        if self.scope == Scope.USERNAME:
            return (
                "Too many failed log-ins for this account. To keep it safe, logging in is "
                f"paused for {wait}. Forgot your password? Reset it below."
            )
        return f"Too many failed log-ins from your network. Please wait {wait} before trying again."


def client_address(request) -> str:
    # uvicorn already puts the real client address here when it trusts the proxy
    # in front of it (its --forwarded-allow-ips); X-Forwarded-For itself is not trusted.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(username: str, address: str) -> list[tuple[str, str, int]]:
    return [
        (Scope.USERNAME, username.strip().lower()[:255], settings.LOGIN_FAILURES_PER_USERNAME),
        (Scope.ADDRESS, address[:255], settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def check(username: str, address: str) -> Refusal | None:
    """A Refusal if this username or address has reached its limit, else None."""
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    since = timezone.now() - window
    for scope, key, limit in _keys(username, address):
        failures = LoginFailure.objects.filter(scope=scope, key=key, at__gt=since)
        if failures.count() >= limit:
            # Allowed again once enough of the counted failures have aged out;
            # the earliest one leaving is a fair, simple estimate.
            oldest = failures.aggregate(oldest=Min("at"))["oldest"]
            retry_after = (oldest + window - timezone.now()).total_seconds()
            return Refusal(scope, max(1, int(retry_after)))
    return None


def record_failure(username: str, address: str) -> None:
    now = timezone.now()
    LoginFailure.objects.bulk_create(
        [LoginFailure(scope=scope, key=key, at=now) for scope, key, _ in _keys(username, address)]
    )
    LoginFailure.objects.filter(
        at__lte=now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    ).delete()


def record_success(username: str) -> None:
    LoginFailure.objects.filter(scope=Scope.USERNAME, key=username.strip().lower()).delete()


# Sign-ups and password resets ----------------------------------------------------------
#
# Counted on success (an account made, a reset e-mail asked for) per client address, and
# per e-mail address for resets, so that nobody fills the directory with accounts from one
# machine or floods somebody's inbox with reset links. The same race as above applies.

Action = Attempt.Action

_WAIT_MESSAGES = {
    Action.SIGNUP: "Too many accounts were created from your network recently. "
    "Please wait {wait} before creating another.",
    Action.RESET_ADDRESS: "Too many password-reset e-mails were asked for recently. "
    "Please wait {wait} before asking again.",
    Action.RESET_EMAIL: "Too many password-reset e-mails were asked for recently. "
    "Please wait {wait} before asking again.",
}
_LIMITS = {
    Action.SIGNUP: "SIGNUPS_PER_ADDRESS",
    Action.RESET_ADDRESS: "PASSWORD_RESETS_PER_ADDRESS",
    Action.RESET_EMAIL: "PASSWORD_RESETS_PER_EMAIL",
}


@dataclass(frozen=True, slots=True)
class Wait:
    action: str
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return _WAIT_MESSAGES[self.action].format(
            wait=f"{minutes} minute{'s' if minutes != 1 else ''}"
        )


def _normal(key: str) -> str:
    return key.strip().lower()[:255]


def limit(*uses: tuple[str, str]) -> Wait | None:
    """A Wait for the first (action, key) already used as often as its setting allows
    within ACCOUNT_LIMIT_WINDOW, else None."""
    window = timedelta(seconds=settings.ACCOUNT_LIMIT_WINDOW)
    now = timezone.now()
    for action, key in uses:
        done = Attempt.objects.filter(action=action, key=_normal(key), at__gt=now - window)
        if done.count() >= getattr(settings, _LIMITS[action]):
            oldest = done.aggregate(oldest=Min("at"))["oldest"]
            return Wait(action, max(1, int((oldest + window - now).total_seconds())))
    return None


def record(*uses: tuple[str, str]) -> None:
    now = timezone.now()
    Attempt.objects.bulk_create(
        [Attempt(action=action, key=_normal(key), at=now) for action, key in uses]
    )
    Attempt.objects.filter(at__lte=now - timedelta(seconds=settings.ACCOUNT_LIMIT_WINDOW)).delete()
