from __future__ import annotations

from airwaves.listeners import guest


def merge_guest_data(sender, request, user, **kwargs) -> None:
    # login() keeps the session's data when an anonymous session becomes a logged-in
    # one (it changes only the key), so the guest's entries are still here.
    if request is not None and hasattr(request, "session"):
        guest.merge_into_account(request.session, user)
