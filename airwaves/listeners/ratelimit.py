"""Rate limits for accounts: failed log-ins, accounts created per client address,
password-reset e-mails per client address and per e-mail address, feeds added to the
directory by OPML imports per account.

Uses are rows in the database (`Attempt`), not entries in a per-process cache, because
production may run several server processes: each must see what the others recorded.

Failed log-ins are counted three ways. A listener mistyping at home meets the low limit
for their username from their own address; an attacker elsewhere meets it for theirs, and
cannot lock the listener out by guessing. A higher ceiling for the username from all
addresses together stops a guessing run spread over many addresses, and the limit per
address one address trying many usernames.

Every use is reserved before it happens (`reserve`):

1. Insert one row per (action, key) the use counts against, and commit them: they must be
   visible to every other request before step 2. So `reserve` runs in autocommit mode,
   as views do (ATOMIC_REQUESTS is off).
2. Count each (action, key)'s rows inside its action's window, this use's own rows
   included. If a count is above its action's limit, delete this use's rows and return a
   Refusal saying how long to wait: the use does not happen and leaves no trace.
3. Otherwise return a Reservation. The caller acts (checks the password, creates the
   account, sends the e-mail); the rows stay as the record of the use, or the caller
   `release()`s them when the use should not count (a right password, a sign-up form
   with mistakes).

This never lets more than the limit through, however many requests arrive at once. Of the
k uses allowed for one key, take the one whose rows were committed last: its count in step
2 ran after all the other k - 1 rows were committed, so it saw k rows and was allowed,
hence k <= limit. (Counting only the rows with smaller ids than one's own would not do: on
PostgreSQL ids are handed out before commit, not in commit order.) Uses arriving together
over the limit may all be refused, each seeing the others' rows before they are deleted:
the limit errs towards refusing, never towards checking more passwords.

For log-ins the reservation is made before the password is verified, so a refused guess
costs no Argon2 time either. All log-ins go through `check_login`, by way of the one
authentication backend (listeners/backends.py), whichever form or API asks.
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
    Action.LOGIN_PAIR: ("LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS", "LOGIN_FAILURE_WINDOW"),
    Action.LOGIN_USERNAME: ("LOGIN_FAILURES_PER_USERNAME", "LOGIN_FAILURE_WINDOW"),
    Action.LOGIN_ADDRESS: ("LOGIN_FAILURES_PER_ADDRESS", "LOGIN_FAILURE_WINDOW"),
    Action.SIGNUP: ("SIGNUPS_PER_ADDRESS", "ACCOUNT_LIMIT_WINDOW"),
    Action.RESET_ADDRESS: ("PASSWORD_RESETS_PER_ADDRESS", "ACCOUNT_LIMIT_WINDOW"),
    Action.RESET_EMAIL: ("PASSWORD_RESETS_PER_EMAIL", "ACCOUNT_LIMIT_WINDOW"),
    Action.OPML_FEED: ("OPML_NEW_FEEDS_PER_DAY", None),  # a day
}
_RESET_MESSAGE = (
    "Too many password-reset e-mails were asked for recently. "
    "Please wait {wait} before asking again."
)
_MESSAGES = {
    Action.LOGIN_PAIR: "Too many failed log-ins for this account from your network. "
    "Logging in is paused for {wait}. Forgot your password? Reset it below.",
    Action.LOGIN_USERNAME: "Too many failed log-ins for this account. To keep it safe, "
    "logging in is paused for {wait}. Forgot your password? Reset it below.",
    Action.LOGIN_ADDRESS: "Too many failed log-ins from your network. "
    "Please wait {wait} before trying again.",
    Action.SIGNUP: "Too many accounts were created from your network recently. "
    "Please wait {wait} before creating another.",
    Action.RESET_ADDRESS: _RESET_MESSAGE,
    Action.RESET_EMAIL: _RESET_MESSAGE,
    Action.OPML_FEED: "This account has added the most new feeds to the directory "
    "allowed in a day; try again in {wait}.",
}
# Where the authentication backend leaves a Refusal for the form or API that asked.
REFUSAL_ATTRIBUTE = "login_refusal"


@dataclass(frozen=True, slots=True)
class Refusal:
    action: str
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        if minutes > 90:
            hours = math.ceil(minutes / 60)
            wait = f"{hours} hour{'s' if hours != 1 else ''}"
        else:
            wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        return _MESSAGES[self.action].format(wait=wait)


@dataclass(frozen=True, slots=True)
class Reservation:
    """The rows `reserve` wrote for one use."""

    ids: tuple[int, ...]

    def release(self) -> None:
        """The use does not count after all."""
        Attempt.objects.filter(pk__in=self.ids).delete()


def client_address(request) -> str:
    # The one answer for the whole site: behind AIRWAVES_TRUSTED_PROXIES, the address
    # they forwarded; otherwise the connecting address.
    return request_client_address(request)


def limit_of(action: str) -> int:
    return getattr(settings, _SETTINGS[action][0])


def _window(action: str) -> timedelta:
    name = _SETTINGS[action][1]
    return timedelta(seconds=getattr(settings, name)) if name else timedelta(days=1)


def _key(key: str) -> str:
    # PostgreSQL text cannot hold NUL; an API may pass any string as a username.
    return key.replace("\x00", "\ufffd").strip().lower()[:255]


def reserve(*uses: Use) -> Reservation | Refusal:
    """Reserves one use of each (action, key), or refuses them all (see the module
    docstring for the steps and why the limit cannot be overshot)."""
    now = timezone.now()
    # 1. The rows, committed (bulk_create is one transaction of its own).
    rows = Attempt.objects.bulk_create([Attempt(action=a, key=_key(k), at=now) for a, k in uses])
    reservation = Reservation(tuple(row.pk for row in rows))
    # 2. Counted with everybody else's.
    for action, key in uses:
        window = _window(action)
        counted = Attempt.objects.filter(action=action, key=_key(key), at__gt=now - window)
        if counted.count() > limit_of(action):
            reservation.release()
            # Allowed again once enough of the counted uses have aged out; the earliest
            # one leaving is a fair, simple estimate. (A limit of 0 allows none at all.)
            oldest = counted.aggregate(oldest=Min("at"))["oldest"] or now
            return Refusal(action, max(1, int((oldest + window - now).total_seconds())))
    for action in {action for action, _ in uses}:
        Attempt.objects.filter(action=action, at__lte=now - _window(action)).delete()
    # 3. Allowed.
    return reservation


def forgive_login(username: str, address: str | None) -> None:
    """After a right password: the listener's own failures for this username from this
    address no longer count, towards the pair's limit or the username's ceiling. Failures
    from other addresses still do, and so do the address's (one right password must not
    reset a guessing run against other accounts).

    A failure's rows were written together and share their `at`: that ties the username
    rows to the pair rows being forgotten."""
    if address is None:
        return
    pair = Attempt.objects.filter(action=Action.LOGIN_PAIR, key=_key(f"{address} {username}"))
    times = list(pair.values_list("at", flat=True))
    if times:
        Attempt.objects.filter(
            action=Action.LOGIN_USERNAME, key=_key(username), at__in=times
        ).delete()
        pair.delete()


def login_uses(username: str, address: str | None) -> tuple[Use, ...]:
    """What one log-in counts against; without a client address (no request), only the
    username's ceiling."""
    if address is None:
        return ((Action.LOGIN_USERNAME, username),)
    return (
        (Action.LOGIN_PAIR, f"{address} {username}"),  # addresses hold no spaces
        (Action.LOGIN_USERNAME, username),
        (Action.LOGIN_ADDRESS, address),
    )


def check_login(request, username: str, password: str):
    """The one way to check a username and password, for every way of logging in: the
    site's log-in form and the admin's (through Django's forms), and HTTP basic auth on
    sync and API endpoints, which call this directly.

    Returns the User, a Refusal when the limits allow no more tries (its `message` says
    how long to wait; answer 429 with Retry-After: `retry_after`), or None for a wrong
    username or password. Each call not refused counts as a failure until it succeeds.
    """
    from django.contrib.auth import authenticate

    user = authenticate(request, username=username, password=password)
    if user is None and request is not None:
        return getattr(request, REFUSAL_ATTRIBUTE, None)
    return user
