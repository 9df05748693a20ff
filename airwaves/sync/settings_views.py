"""The listener's own sync settings: rename or remove a device, make or revoke an app
password. Each acts only on the logged-in listener's rows (anybody else's is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from airwaves.sync.account import turn_off_secret_address, turn_on_secret_address
from airwaves.sync.auth import new_app_password
from airwaves.sync.lists import set_merged
from airwaves.sync.models import WEBSITE_DEVICE, AppPassword, Device

MAX_APP_PASSWORDS = 50


def back():
    return redirect("/accounts/settings/#sync-h")


@login_required
@require_POST
def rename_device(request, pk: int):
    device = get_object_or_404(Device.objects.exclude(uid=WEBSITE_DEVICE), pk=pk, user=request.user)
    caption = request.POST.get("caption", "").strip()
    if not caption or len(caption) > 200:
        messages.error(request, "A device name must be 1 to 200 characters long.")
        return back()
    device.caption = caption
    device.save(update_fields=["caption"])
    messages.success(request, f"The device is now called {caption}.")
    return back()


@login_required
@require_POST
def remove_device(request, pk: int):
    device = get_object_or_404(Device.objects.exclude(uid=WEBSITE_DEVICE), pk=pk, user=request.user)
    device.delete()
    messages.success(
        request,
        f"{device.caption or device.uid} was removed; your subscriptions and positions stay. "
        "If the app syncs again, it comes back.",
    )
    return back()


@login_required
@require_POST
@never_cache
def create_app_password(request):
    name = request.POST.get("name", "").strip()
    if not name or len(name) > 100:
        messages.error(request, "Name the app password (1 to 100 characters), e.g. AntennaPod.")
        return back()
    if AppPassword.objects.filter(user=request.user).count() >= MAX_APP_PASSWORDS:
        messages.error(request, f"You have {MAX_APP_PASSWORDS} app passwords; revoke one first.")
        return back()
    password = new_app_password(request.user, name)
    # Shown on this page only: it is not stored anywhere it could be read back.
    return render(request, "sync/app_password.html", {"name": name, "password": password})


@login_required
@require_POST
def revoke_app_password(request, pk: int):
    app = get_object_or_404(AppPassword, pk=pk, user=request.user)
    app.delete()
    messages.success(request, f"The app password {app.name} no longer works.")
    return back()


@login_required
@require_POST
@never_cache
def secret_address(request):
    if request.POST.get("turn") == "off":
        turn_off_secret_address(request.user)
        messages.success(request, "The secret sync address is off: apps using it are refused.")
        return back()
    token = turn_on_secret_address(request.user)
    return render(request, "sync/secret_address.html", {"token": token})


@login_required
@require_POST
def device_lists(request):
    merged = request.POST.get("merged")
    if merged not in ("on", "off"):
        messages.error(request, "Choose one list for all devices, or a list for each device.")
        return back()
    set_merged(request.user, merged == "on")
    if merged == "on":
        messages.success(
            request, "All your devices share one list again: each gets every podcast you follow."
        )
    else:
        messages.success(
            request,
            "Each device now has its own list, starting as the one you had. "
            "Follows and unfollows made here still reach every device.",
        )
    return back()
