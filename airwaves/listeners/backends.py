"""The site's only authentication backend: Django's ModelBackend with every password check
reserved first against the log-in limits (listeners/ratelimit.py).

Being the only entry in AUTHENTICATION_BACKENDS, it limits every caller of Django's
`authenticate()` alike: the site's log-in form, the admin's, password checks by HTTP basic
auth (`ratelimit.check_login`), and whatever comes next. A refused attempt raises
PermissionDenied, so Django asks no other backend, and leaves the Refusal on the request
for the form or API to show.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from airwaves.listeners import ratelimit


class RateLimitedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is not None:
            # A refusal is the answer to one call, not to the next on the same request.
            request.__dict__.pop(ratelimit.REFUSAL_ATTRIBUTE, None)
        if username is None or password is None:
            return None
        address = ratelimit.client_address(request) if request is not None else None
        uses = ratelimit.login_uses(username, address)
        reservation = ratelimit.reserve(*uses)
        if isinstance(reservation, ratelimit.Refusal):
            if request is not None:
                setattr(request, ratelimit.REFUSAL_ATTRIBUTE, reservation)
            raise PermissionDenied(reservation.message)
        if "\x00" in username:
            # No account has such a name, and PostgreSQL refuses to even look it up.
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            # A right password is no failure, and the listener's own earlier typos from
            # this address are forgiven; failures from elsewhere keep counting.
            reservation.release()
            ratelimit.forgive_login(username, address)
        return user
