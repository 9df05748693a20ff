"""Rate limits for accounts: failed log-ins per username and per client address, accounts
created per client address, password-reset e-mails per client address and per e-mail
address.

Uses are rows in the database (`Attempt`), not entries in a per-process cache, because
production may run several server processes: each must see what the others recorded.

1. Before acting, `limit(...)` counts each (action, key) inside its action's window; at
   the action's limit it returns a Refusal saying how long to wait. For log-ins this
   happens before the password is verified, which also keeps a locked-out attacker from
   spending the server's time on Argon2.
2. `record(...)` adds one row per (action, key) and deletes that action's rows older than
   its window. Log-ins record failures; sign-ups and resets record what was done.
3. After a successful log-in, `forget` the username's failures (not the address's: one
   right password must not reset a guessing run against other accounts).

Two concurrent requests may both pass step 1 before either records, so a limit can be
overshot by the number of simultaneous requests; that is bounded and acceptable for
slowing down guessing and flooding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from airwaves.lib.clients import request_client_address
from airwaves.listeners.models import Attempt

Action = Attempt.Action
Use = tuple[str, str]  # (action, key)

# Each action's limit and window, as the names of their settings.
_SETTINGS = {
    Action.LOGIN_USERNAME: ("LOGIN_FAILURES_PER_USERNAME", "LOGIN_FAILURE_WINDOW"),
    Action.LOGIN_ADDRESS: ("LOGIN_FAILURES_PER_ADDRESS", "LOGIN_FAILURE_WINDOW"),
    Action.SIGNUP: ("SIGNUPS_PER_ADDRESS", "ACCOUNT_LIMIT_WINDOW"),
    Action.RESET_ADDRESS: ("PASSWORD_RESETS_PER_ADDRESS", "ACCOUNT_LIMIT_WINDOW"),
    Action.RESET_EMAIL: ("PASSWORD_RESETS_PER_EMAIL", "ACCOUNT_LIMIT_WINDOW"),
}
_RESET_MESSAGE = (
    "Too many password-reset e-mails were asked for recently. "
    "Please wait {wait} before asking again."
)
_MESSAGES = {
    Action.LOGIN_USERNAME: "Too many failed log-ins for this account. To keep it safe, "
    "logging in is paused for {wait}. Forgot your password? Reset it below.",
    Action.LOGIN_ADDRESS: "Too many failed log-ins from your network. "
    "Please wait {wait} before trying again.",
    Action.SIGNUP: "Too many accounts were created from your network recently. "
    "Please wait {wait} before creating another.",
    Action.RESET_ADDRESS: _RESET_MESSAGE,
    Action.RESET_EMAIL: _RESET_MESSAGE,
}


@dataclass(frozen=True, slots=True)
class Refusal:
    action: str
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return _MESSAGES[self.action].format(wait=f"{minutes} minute{'s' if minutes != 1 else ''}")


def client_address(request) -> str:
    # The one answer for the whole site: behind AIRWAVES_TRUSTED_PROXIES, the address
    # they forwarded; otherwise the connecting address.
    return request_client_address(request)


def _window(action: str) -> timedelta:
    return timedelta(seconds=getattr(settings, _SETTINGS[action][1]))


def _key(key: str) -> str:
    return key.strip().lower()[:255]


def limit(*uses: Use) -> Refusal | None:
    """A Refusal for the first (action, key) already used as often as its action allows
    within its window, else None."""
    now = timezone.now()
    for action, key in uses:
        window = _window(action)
        done = Attempt.objects.filter(action=action, key=_key(key), at__gt=now - window)
        if done.count() >= getattr(settings, _SETTINGS[action][0]):
            # Allowed again once enough of the counted uses have aged out; the earliest
            # one leaving is a fair, simple estimate. (A limit of 0 allows none at all.)
            oldest = done.aggregate(oldest=Min("at"))["oldest"] or now
            return Refusal(action, max(1, int((oldest + window - now).total_seconds())))
    return None


def record(*uses: Use) -> None:
    now = timezone.now()
    Attempt.objects.bulk_create([Attempt(action=a, key=_key(k), at=now) for a, k in uses])
    for action in {action for action, _ in uses}:
        Attempt.objects.filter(action=action, at__lte=now - _window(action)).delete()


def forget(action: str, key: str) -> None:
    Attempt.objects.filter(action=action, key=_key(key)).delete()


def login_uses(username: str, address: str) -> tuple[Use, Use]:
    return (Action.LOGIN_USERNAME, username), (Action.LOGIN_ADDRESS, address)
