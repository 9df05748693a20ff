from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy

from airwaves.api.urls import account_patterns, api_patterns, radiobrowser_patterns
from airwaves.podcasts import sharing, sitemaps
from airwaves.podcasts import views as podcasts
from airwaves.podcasts.people import person

urlpatterns = [
    path("", podcasts.home, name="home"),
    path("podcasts/", podcasts.podcast_index, name="podcast-index"),
    # Fixed paths before the show page's <slug>: models.RESERVED_SLUGS keeps shows off them.
    path("podcasts/new/", podcasts.new_shows, name="podcasts-new"),
    path("podcasts/updated/", podcasts.updated_shows, name="podcasts-updated"),
    path("podcasts/trending/", podcasts.trending_shows, name="podcasts-trending"),
    path("podcasts/<slug:slug>/", podcasts.podcast, name="podcast"),
    path("podcasts/<slug:podcast_slug>/<slug:episode_slug>/", podcasts.episode, name="episode"),
    path(
        "podcasts/<slug:podcast_slug>/<slug:episode_slug>/embed/",
        sharing.embed,
        name="episode-embed",
    ),
    path("oembed", sharing.oembed, name="oembed"),
    path("categories/<slug:slug>/", podcasts.category, name="category"),
    path("people/<slug:slug>/", person, name="person"),
    path("", include("airwaves.search.urls")),  # /search, /search/suggest
    # Accounts, favourites, follows, play positions, OPML.
    path("", include("airwaves.listeners.urls")),
    path("radio/", include("airwaves.radio.urls")),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemaps/pages.xml", sitemaps.sitemap_pages),
    path("sitemaps/<str:section>-<int:number>.xml", sitemaps.sitemap_section),
    path("robots.txt", podcasts.robots_txt),
    path("healthz", podcasts.healthz),
    path("artwork/", include("airwaves.artwork.urls")),
    path("admin/", admin.site.urls),
    # gPodder API v2 and Nextcloud gpoddersync, for podcast apps.
    path("", include("airwaves.sync.urls")),
    path("api/v1/", include(api_patterns)),  # the JSON API (docs/api.md)
    path("json/", include(radiobrowser_patterns)),  # radio-browser-compatible subset
    path("accounts/", include(account_patterns)),  # API tokens, on the settings page
]

# The admin is named after the site too (AIRWAVES_SITE_NAME), not "Django administration";
# read when a page is drawn, so the name is the setting's value at that time.
admin.site.site_header = admin.site.site_title = lazy(lambda: settings.SITE_NAME, str)()
handler500 = "airwaves.errorpages.server_error"
