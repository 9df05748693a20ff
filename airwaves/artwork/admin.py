from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from airwaves.artwork.keys import artwork_key, thumbnail_urls
from airwaves.artwork.models import Artwork


def artwork_summary(url: str) -> SafeString | str:
    """The artwork of an image URL as the operator sees it next to a show: the
    thumbnail, its status and, if it was refused or failed, why."""
    if not url:
        return "No image in the feed."
    artwork = Artwork.objects.filter(key=artwork_key(url)).first()
    if artwork is None:
        return "Queued: the artwork job has not seen this image yet."
    link = reverse("admin:artwork_artwork_change", args=[artwork.pk])
    error = format_html("<br>Last error: {}", artwork.last_error) if artwork.last_error else ""
    return format_html(
        '<img src="{}" width="80" height="80" alt=""> <a href="{}">{}</a>{}',
        thumbnail_urls(url, 40).jpeg,
        link,
        artwork.get_status_display(),
        error,
    )


@admin.action(description="Fetch again now")
def fetch_again(modeladmin, request, queryset):
    count = queryset.exclude(source=Artwork.Source.LOCAL).update(
        next_fetch_at=timezone.now(), etag="", last_modified=""
    )
    modeladmin.message_user(request, f"{count} images are due now.", messages.SUCCESS)


@admin.register(Artwork)
class ArtworkAdmin(admin.ModelAdmin):
    list_display = ("url", "status", "host", "error_count", "checked_at", "next_fetch_at")
    list_filter = ("status", "fit", "source")
    search_fields = ("url", "key", "last_error")
    actions = [fetch_again]
    readonly_fields = [f.name for f in Artwork._meta.fields if f.name != "id"] + ["preview"]

    @admin.display(description="Thumbnail")
    def preview(self, artwork: Artwork) -> SafeString:
        return format_html(
            '<img src="{}" width="160" height="160" alt="">', thumbnail_urls(artwork.url, 80).jpeg
        )

    def has_add_permission(self, request) -> bool:
        return False  # rows come from the queue, one per image URL
