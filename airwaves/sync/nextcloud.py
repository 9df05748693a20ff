"""The Nextcloud gpoddersync API (AntennaPod's and Kasts' "Nextcloud" sync option) over
the same records as the gPodder API, and Nextcloud's Login Flow v2 for signing in.

gpoddersync has no devices: changes from it are recorded under one device per app
password (named after it), or one "nextcloud" device for the account password.

Login Flow v2, step by step:

1. The app POSTs /index.php/login/v2 and gets a poll token and a browser address.
2. It opens the address; the listener logs in (if not already) and grants access, which
   makes an app password named after the app and keeps it on the flow.
3. The app POSTs the poll token to /index.php/login/v2/poll until it gets 200 with the
   server, user name and app password, once: the flow is deleted as it is handed over.
   Before that, and for unknown or expired tokens, the answer is 404, as Nextcloud's.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from airwaves.sync import actions as episode_actions
from airwaves.sync import subscriptions
from airwaves.sync.auth import answer, api_error, new_app_password, read_json, sync_view
from airwaves.sync.devices import device_for
from airwaves.sync.lists import is_merged
from airwaves.sync.models import LoginFlow
from airwaves.sync.timestamps import unix
from airwaves.sync.views import since_of

FLOW_LIFETIME = timedelta(minutes=20)
# Sign-ins waiting at once, for everybody: each costs a row and nothing else.
MAX_PENDING_FLOWS = 1000


def app_device(request):
    app = request.sync_app_password
    if app is not None:
        return device_for(request.sync_user, f"app-{app.pk}", caption=app.name)
    return device_for(request.sync_user, "nextcloud", caption="Nextcloud sync")


@sync_view(("GET",))
def subscriptions_view(request):
    # Its own list when the account has per-device lists (else it makes no device).
    device = None if is_merged(request.sync_user) else app_device(request)
    delta = subscriptions.changes_since(request.sync_user, since_of(request), device)
    return answer({"add": delta.add, "remove": delta.remove, "timestamp": delta.timestamp})


@sync_view(("POST",))
def subscription_change(request):
    upload = subscriptions.parse_upload(read_json(request))
    received = subscriptions.apply_upload(request.sync_user, app_device(request), upload)
    return answer({"timestamp": unix(received), "update_urls": upload.update_urls})


@sync_view(("GET",))
def episode_action_list(request):
    items, timestamp = episode_actions.actions_since(request.sync_user, since_of(request))
    return answer({"actions": items, "timestamp": timestamp})


@sync_view(("POST",))
def episode_action_create(request):
    upload = episode_actions.parse_actions(
        read_json(request), timezone.now(), default_device=app_device(request).uid
    )
    received = episode_actions.store_actions(request.sync_user, upload)
    return answer({"timestamp": unix(received), "update_urls": upload.update_urls})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def site_address(request) -> str:
    return settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")


@csrf_exempt
def login_flow_start(request):
    if request.method != "POST":
        return api_error(405, "Use POST here.", Allow="POST")
    LoginFlow.objects.filter(created_at__lt=timezone.now() - FLOW_LIFETIME).delete()
    if LoginFlow.objects.count() >= MAX_PENDING_FLOWS:
        return api_error(429, "Too many sign-ins are waiting; try again in a few minutes.")
    poll, login = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    agent = request.headers.get("User-Agent", "").strip()
    LoginFlow.objects.create(
        poll_digest=_digest(poll),
        login_token=login,
        app_name="".join(c for c in agent if c.isprintable())[:100] or "Podcast app",
    )
    address = site_address(request)
    return answer(
        {
            "poll": {"token": poll, "endpoint": f"{address}/index.php/login/v2/poll"},
            "login": f"{address}/index.php/login/v2/flow/{login}",
        }
    )


@csrf_exempt
def login_flow_poll(request):
    if request.method != "POST":
        return api_error(405, "Use POST here.", Allow="POST")
    token = request.POST.get("token") or request.GET.get("token") or ""
    if not token or len(token) > 100:
        return api_error(404, "No such sign-in.")
    with transaction.atomic():
        flow = (
            LoginFlow.objects.select_for_update()
            .filter(
                poll_digest=_digest(token),
                created_at__gte=timezone.now() - FLOW_LIFETIME,
                user__isnull=False,
            )
            .select_related("user")
            .first()
        )
        if flow is None:
            return api_error(404, "Not signed in yet.")
        flow.delete()  # handed over once
    return answer(
        {
            "server": site_address(request),
            "loginName": flow.user.get_username(),
            "appPassword": flow.app_password,
        }
    )


@login_required
def login_flow_grant(request, token: str):
    flow = LoginFlow.objects.filter(
        login_token=token, created_at__gte=timezone.now() - FLOW_LIFETIME
    ).first()
    if flow is None:
        raise Http404("This sign-in link has expired; start again in the app.")
    if request.method == "POST" and flow.user_id is None:
        with transaction.atomic():
            flow.user = request.user
            flow.app_password = new_app_password(request.user, flow.app_name)
            flow.save(update_fields=["user", "app_password"])
        return render(request, "sync/login_flow.html", {"flow": flow, "granted": True})
    granted = flow.user_id is not None
    if granted and flow.user_id != request.user.pk:
        raise Http404("This sign-in link has expired; start again in the app.")
    return render(request, "sync/login_flow.html", {"flow": flow, "granted": granted})
