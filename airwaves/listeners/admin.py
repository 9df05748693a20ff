from django.contrib import admin

from airwaves.listeners.forms import RateLimitedAdminAuthenticationForm
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


# The admin's log-in shows the log-in limits' refusals like the site's (the limits
# themselves apply to every log-in, in listeners/backends.py).
admin.site.login_form = RateLimitedAdminAuthenticationForm
