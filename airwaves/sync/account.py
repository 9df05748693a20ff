"""Per-account sync choices the apps reach through the API: the settings store, sync
groups (lists.py), and the secret sync address."""

from __future__ import annotations

import hashlib
import json
import secrets

from django.db import transaction
from django.utils import timezone

from airwaves.sync.auth import BadInput, answer, read_json, sync_view
from airwaves.sync.devices import check_device_id
from airwaves.sync.feedurls import sanitize_url
from airwaves.sync.lists import change_groups, group_answer, is_merged, parse_groups
from airwaves.sync.models import SyncAccount, SyncSetting

MAX_SETTINGS_BYTES = 64 * 1024
MAX_SETTING_KEY = 100
TOKEN_PREFIX = "awt-"


def _target(request, scope: str) -> str:
    def url(name: str) -> str:
        raw = request.GET.get(name)
        if not raw:
            raise BadInput(f"The {scope} scope needs the {name} parameter.")
        sanitized = sanitize_url(raw)
        if sanitized is None:
            raise BadInput(f"{name} {raw[:80]!r} is not an http(s) URL.")
        return sanitized

    if scope == SyncSetting.Scope.ACCOUNT:
        return ""
    if scope == SyncSetting.Scope.DEVICE:
        return check_device_id(request.GET.get("device", ""))
    if scope == SyncSetting.Scope.PODCAST:
        return url("podcast")
    return f"{url('podcast')} {url('episode')}"


@sync_view(("GET", "POST"))
def settings_view(request, username: str, scope: str):
    if scope not in SyncSetting.Scope.values:
        raise BadInput(f"Unknown scope {scope[:20]!r}: use account, device, podcast or episode.")
    target = _target(request, scope)
    key = hashlib.sha256(target.encode()).hexdigest()
    user = request.sync_user
    if request.method == "GET":
        found = SyncSetting.objects.filter(user=user, scope=scope, target_key=key).first()
        return answer(found.data if found else {})
    data = read_json(request)
    if not isinstance(data, dict) or set(data) - {"set", "remove"}:
        raise BadInput('Send a JSON object: {"set": {key: value}, "remove": [keys]}.')
    to_set = {} if data.get("set") is None else data["set"]
    to_remove = [] if data.get("remove") is None else data["remove"]
    if not isinstance(to_set, dict) or not isinstance(to_remove, list):
        raise BadInput("'set' must be an object and 'remove' a list of keys.")
    if any(len(k) > MAX_SETTING_KEY for k in to_set) or not all(
        isinstance(k, str) and len(k) <= MAX_SETTING_KEY for k in to_remove
    ):
        raise BadInput(f"Setting names are strings of at most {MAX_SETTING_KEY} characters.")
    with transaction.atomic():
        found, _ = SyncSetting.objects.select_for_update().get_or_create(
            user=user, scope=scope, target_key=key, defaults={"target": target}
        )
        merged = {k: v for k, v in {**found.data, **to_set}.items() if k not in to_remove}
        if len(json.dumps(merged)) > MAX_SETTINGS_BYTES:
            raise BadInput(f"Settings may take at most {MAX_SETTINGS_BYTES // 1024} KiB each.")
        found.data = merged
        found.save(update_fields=["data"])
    return answer(merged)


@sync_view(("GET", "POST"))
def sync_devices(request, username: str):
    """Sync groups. By default this server keeps one subscription list for all of an
    account's devices (the website's follows), so every device is always synchronised
    with every other: asking to synchronise is answered with that; asking to stop is
    refused. With per-device lists (lists.py), groups are as on gpodder.net."""
    user = request.sync_user
    if request.method == "POST":
        wanted = parse_groups(read_json(request))
        if is_merged(user):
            if wanted.stop:
                raise BadInput(
                    "Every device of this account shares one subscription list, the same as "
                    "the website's: to give devices lists of their own, turn off "
                    '"One list for all devices" in the sync settings.'
                )
        else:
            change_groups(user, wanted)
    return answer(group_answer(user))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def turn_on_secret_address(user) -> str:
    """A new secret token for the account (any earlier one stops working); returned
    once, as only its digest is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    SyncAccount.objects.update_or_create(
        user=user,
        defaults={"token_digest": token_digest(token), "token_created_at": timezone.now()},
    )
    return token


def turn_off_secret_address(user) -> None:
    SyncAccount.objects.filter(user=user).update(token_digest="", token_created_at=None)


def token_user(token: str):
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    found = (
        SyncAccount.objects.select_related("user")
        .filter(token_digest=token_digest(token))
        .exclude(token_digest="")
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    return found.user
