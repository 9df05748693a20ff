from django.contrib import admin, messages

from airwaves.podcasts.models import Category, Episode, EpisodeFile, Person, Podcast


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "slug", "in_tree", "show_count")
    list_filter = ("in_tree",)
    search_fields = ("name",)
    readonly_fields = ("show_count",)


@admin.action(description="Check again now (revives dead feeds)")
def revive_feeds(modeladmin, request, queryset):
    from airwaves.crawler.store import revive

    count = revive(queryset.filter(source=Podcast.Source.FEED))
    modeladmin.message_user(request, f"{count} feeds are due now.", messages.SUCCESS)


@admin.register(Podcast)
class PodcastAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "host",
        "fetch_status",
        "dead",
        "error_count",
        "last_fetched_at",
        "next_check_at",
    )
    list_filter = ("fetch_status", "dead", "source", "category")
    search_fields = ("title", "feed_url", "author")
    actions = [revive_feeds]
    readonly_fields = (
        "artwork",
        "host",
        "episode_count",
        "latest_episode_at",
        "trending_score",
        "claimed_until",
        "feed_interval",
        "first_error_at",
        "dead",
        "moved_to",
        "fetch_status",
        "last_fetched_at",
        "last_success_at",
        "error_count",
        "last_error",
        "etag",
        "last_modified",
        "content_hash",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "feed_url", "source", "link", "author", "category")}),
        ("Directory", {"fields": ("episode_count", "latest_episode_at", "trending_score")}),
        (
            "Content",
            {"fields": ("summary", "description", "image_url", "artwork", "language", "explicit")},
        ),
        (
            "Feed health",
            {
                "fields": (
                    "host",
                    "fetch_status",
                    "dead",
                    "moved_to",
                    "first_error_at",
                    "feed_interval",
                    "claimed_until",
                    "last_fetched_at",
                    "last_success_at",
                    "error_count",
                    "last_error",
                    "next_check_at",
                    "etag",
                    "last_modified",
                    "content_hash",
                )
            },
        ),
    )
    filter_horizontal = ("categories",)

    @admin.display(description="Artwork")
    def artwork(self, podcast):
        from airwaves.artwork.admin import artwork_summary

        return artwork_summary(podcast.image_url)


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ("title", "podcast", "published_at", "duration")
    list_select_related = ("podcast",)
    search_fields = ("title", "guid")
    raw_id_fields = ("podcast",)
    date_hierarchy = "published_at"


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "episode_count", "updated_at")
    search_fields = ("name", "slug")
    readonly_fields = ("episode_count",)


@admin.action(description="Fetch again now")
def fetch_files_again(modeladmin, request, queryset):
    from django.utils import timezone

    count = queryset.exclude(status=EpisodeFile.Status.SPARE).update(next_fetch_at=timezone.now())
    modeladmin.message_user(request, f"{count} files are due now.", messages.SUCCESS)


@admin.register(EpisodeFile)
class EpisodeFileAdmin(admin.ModelAdmin):
    """Chapters and transcript files, with why each could not be used (podcasts/extras.py)."""

    list_display = ("url", "kind", "type", "status", "error_count", "fetched_at", "next_fetch_at")
    list_filter = ("kind", "status")
    search_fields = ("url", "last_error")
    actions = [fetch_files_again]
    raw_id_fields = ("episode",)
    exclude = ("lines",)
    readonly_fields = (
        "status",
        "rank",
        "last_error",
        "error_count",
        "text",
        "claimed_until",
        "fetched_at",
    )
