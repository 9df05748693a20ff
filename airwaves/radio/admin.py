from __future__ import annotations

from asgiref.sync import sync_to_async
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse

from airwaves.radio import importers
from airwaves.radio.models import Station, StationFavourite

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
# Stations saved between two updates of the progress bar.
PROGRESS_BATCH = 25


class StationImportForm(forms.Form):
    file = forms.FileField(
        help_text="radio-browser JSON export (/json/stations), M3U or EXTM3U, PLS, or XSPF"
    )
    resolve = forms.BooleanField(
        required=False,
        label="Resolve playlists and redirects now",
        help_text="Fetches each station's URL to find its real stream (slow for long lists; "
        "otherwise the station checks do it later).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size // (1024 * 1024)} MB; uploads stop at "
                f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Split it, or use "
                "`airwaves import-stations FILE` on the server."
            )
        return upload


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    change_list_template = "admin/radio/station/change_list.html"
    list_display = (
        "name",
        "country_code",
        "codec",
        "bitrate",
        "last_check_ok",
        "broken",
        "votes",
        "click_count",
        "last_check_at",
    )
    list_filter = ("broken", "last_check_ok", "codec", "hls", "https", "country_code")
    search_fields = ("name", "url", "url_resolved", "tags", "=uuid")
    readonly_fields = (
        "uuid",
        "url_key",
        "last_check_ok",
        "last_check_at",
        "last_check_ok_at",
        "last_check_error",
        "check_failures",
        "click_count",
        "click_trend",
        "votes",
        "now_playing",
        "now_playing_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "slug", "uuid", "url", "url_resolved", "url_key")}),
        (
            "Directory entry",
            {
                "fields": (
                    "homepage",
                    "favicon",
                    "tags",
                    "country",
                    "country_code",
                    "state",
                    "language",
                    "language_codes",
                    "geo_lat",
                    "geo_long",
                    "changed_at",
                )
            },
        ),
        ("Stream", {"fields": ("codec", "bitrate", "hls", "https")}),
        (
            "Health",
            {
                "fields": (
                    "last_check_ok",
                    "last_check_at",
                    "last_check_ok_at",
                    "last_check_error",
                    "check_failures",
                    "broken",
                    "next_check_at",
                )
            },
        ),
        (
            "Listeners",
            {"fields": ("votes", "click_count", "click_trend", "now_playing", "now_playing_at")},
        ),
    )

    def save_model(self, request, obj, form, change):
        moved = change and {"url", "url_resolved"} & set(form.changed_data)
        if moved:
            obj.next_check_at = None  # a new stream address: check it soon
        super().save_model(request, obj, form, change)
        obj.sync_facets()
        if moved:
            # The stream address is the station's identity for de-duplication.
            obj.rekey()

    def get_urls(self):
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="radio_station_import",
            )
        ]
        return urls + super().get_urls()

    def import_view(self, request):
        """The upload form; on a good file, a page that fills a progress bar while the
        stations are saved and ends with the report."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StationImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import stations",
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"].read()
            name = form.cleaned_data["file"].name
            try:
                kind, records, rejected, warnings = importers.read_station_file(data, name)
            except importers.StationFileError as error:
                form.add_error("file", f"{name}: {error}")
            else:
                report = importers.ImportReport(format=kind, rejected=rejected, warnings=warnings)
                report.total = len(records) + len(rejected)
                page = _progress_page(
                    request, context, name, records, report, form.cleaned_data["resolve"]
                )
                response = StreamingHttpResponse(page, content_type="text/html; charset=utf-8")
                response["X-Accel-Buffering"] = "no"
                return response
        return TemplateResponse(request, "admin/radio/station/import.html", context)


async def _progress_page(request, context, filename, records, report, resolve):
    """Streams the import page: head and progress bar, a progress step per batch, report."""
    marker = "<!-- import report -->"
    page = {
        **context,
        "filename": filename,
        "count": len(records),
        "changelist": _changelist(),
        "report_marker": marker,
    }
    html = await sync_to_async(render_to_string)(
        "admin/radio/station/import_progress.html", page, request
    )
    head, tail = html.split(marker, 1)
    yield head
    if resolve:
        await sync_to_async(importers.resolve_records)(records, report.warnings)
    seen: dict[str, int] = {}
    for start in range(0, len(records), PROGRESS_BATCH):
        batch = records[start : start + PROGRESS_BATCH]
        await sync_to_async(importers.import_records)(batch, report, seen)
        done = start + len(batch)
        # A data element, not a script: the Content-Security-Policy allows no inline
        # script; static/airwaves/admin-import.js moves the bar when one arrives.
        yield f'<span class="import-step" data-done="{done}" data-total="{len(records)}"></span>\n'
    report.rejected.sort()
    report.warnings.sort()
    yield await sync_to_async(render_to_string)(
        "admin/radio/station/import_report.html",
        {"report": report, "filename": filename, "changelist": _changelist()},
    )
    yield tail


def _changelist() -> str:
    return reverse("admin:radio_station_changelist")


@admin.register(StationFavourite)
class StationFavouriteAdmin(admin.ModelAdmin):
    list_display = ("user", "station", "created_at")
    raw_id_fields = ("user", "station")
