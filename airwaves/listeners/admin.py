from django.contrib import admin

from airwaves.listeners.models import Attempt, EpisodeAction, Favourite, Follow


@admin.register(Favourite)
class FavouriteAdmin(admin.ModelAdmin):
    list_display = ["user", "episode", "created_at"]
    raw_id_fields = ["user", "episode"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "podcast", "created_at"]
    raw_id_fields = ["user", "podcast"]


@admin.register(EpisodeAction)
class EpisodeActionAdmin(admin.ModelAdmin):
    list_display = ["user", "action", "episode", "device", "position", "total", "timestamp"]
    list_filter = ["action"]
    raw_id_fields = ["user", "episode"]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["action", "key", "at"]
    list_filter = ["action"]
    search_fields = ["key"]
