"""The sync section of the account settings page (templates/sync/_settings.html)."""

from __future__ import annotations

from django import template

from airwaves.sync.models import WEBSITE_DEVICE, AppPassword, Device, SyncAccount

register = template.Library()


@register.simple_tag(takes_context=True)
def sync_settings(context) -> dict:
    request = context["request"]
    from airwaves.sync.nextcloud import site_address

    return {
        "devices": Device.objects.filter(user=request.user)
        .exclude(uid=WEBSITE_DEVICE)
        .order_by("-last_sync_at", "uid"),
        "app_passwords": AppPassword.objects.filter(user=request.user).order_by("-created_at"),
        "server": site_address(request),
        "merged": not SyncAccount.objects.filter(user=request.user, merged_devices=False).exists(),
        "secret_address_on": SyncAccount.objects.filter(user=request.user)
        .exclude(token_digest="")
        .exists(),
    }
