"""The gPodder API v2 (gpodder.net's, as AntennaPod, gPodder and Kasts use it).

Every answer is JSON (or an empty 200 where gpodder.net sends nothing); lists are never
null, upload answers always carry an integer `timestamp` and an `update_urls` list.
"""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.db.models import Count
from django.views.decorators.csrf import csrf_exempt

from airwaves.listeners.models import Follow
from airwaves.sync import actions as episode_actions
from airwaves.sync import subscriptions
from airwaves.sync.auth import BadInput, answer, api_error, empty, read_json, sync_view
from airwaves.sync.devices import check_device_id, device_for, touch
from airwaves.sync.lists import is_merged
from airwaves.sync.models import Device
from airwaves.sync.timestamps import BadTimestamp, parse_since, unix

DEVICE_KINDS = {choice.value for choice in Device.Kind}


def since_of(request):
    try:
        return parse_since(request.GET.get("since"))
    except BadTimestamp as error:
        raise BadInput(str(error)) from None


@sync_view(("POST",))
def auth_login(request, username: str):
    """Sets the `sessionid` cookie later requests may use instead of Basic."""
    user = request.sync_user
    if not (request.user.is_authenticated and request.user.pk == user.pk):
        login(request, user)
    return empty()


@sync_view(("POST",))
def auth_logout(request, username: str):
    logout(request)
    return empty()


@sync_view(("GET",))
def device_list(request, username: str):
    user = request.sync_user
    count = Follow.objects.filter(user=user).count()
    devices = Device.objects.filter(user=user).order_by("created_at", "pk")
    if not is_merged(user):  # each device's own list
        devices = devices.annotate(count=Count("subscriptions"))
    return answer(
        [
            {
                "id": d.uid,
                "caption": d.caption,
                "type": d.kind,
                "subscriptions": getattr(d, "count", count),
            }
            for d in devices
        ]
    )


@sync_view(("POST",))
def device_update(request, username: str, device: str):
    check_device_id(device)
    data = read_json(request) if request.body.strip() else {}
    if not isinstance(data, dict):
        raise BadInput('Send a JSON object: {"caption": "…", "type": "mobile"}.')
    caption, kind = data.get("caption"), data.get("type")
    if caption is not None and (not isinstance(caption, str) or len(caption) > 200):
        raise BadInput("caption must be a string of at most 200 characters.")
    if kind is not None and kind not in DEVICE_KINDS:
        raise BadInput(f"type must be one of {', '.join(sorted(DEVICE_KINDS))}, not {kind!r}.")
    found = device_for(request.sync_user, device)
    if caption is not None:
        found.caption = caption
    if kind is not None:
        found.kind = kind
    found.save(update_fields=["caption", "kind"])
    return empty()


@sync_view(("GET", "POST"))
def device_subscriptions(request, username: str, device: str):
    check_device_id(device)
    user = request.sync_user
    if request.method == "GET":
        since = since_of(request)
        found = device_for(user, device)
        delta = subscriptions.changes_since(user, since, found)
        touch(found)
        return answer({"add": delta.add, "remove": delta.remove, "timestamp": delta.timestamp})
    upload = subscriptions.parse_upload(read_json(request))
    received = subscriptions.apply_upload(user, device_for(user, device), upload)
    return answer({"timestamp": unix(received), "update_urls": upload.update_urls})


@sync_view(("GET", "POST"))
def episodes(request, username: str):
    user = request.sync_user
    if request.method == "GET":
        since = since_of(request)
        device = request.GET.get("device")
        if device is not None:
            check_device_id(device, website_allowed=True)
        aggregated = request.GET.get("aggregated", "").lower() in ("true", "1")
        items, timestamp = episode_actions.actions_since(
            user, since, request.GET.get("podcast"), device, aggregated
        )
        return answer({"actions": items, "timestamp": timestamp})
    from django.utils import timezone

    upload = episode_actions.parse_actions(read_json(request), timezone.now())
    received = episode_actions.store_actions(user, upload)
    return answer({"timestamp": unix(received), "update_urls": upload.update_urls})


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other address under /api/2/ or /index.php/: apps read the answer as JSON, so
    it is JSON (not the website's HTML page), whatever the method, and before any log-in."""
    return api_error(
        404,
        f"There is no {request.path[:200]!r} here: the gPodder API v2 lives under /api/2/ "
        "and Nextcloud gpoddersync under /index.php/apps/gpoddersync/ (see docs/sync.md).",
    )
