from django.urls import path

from airwaves.radio import proxy, sharing, views

app_name = "radio"

# Fixed pages first: their first path segment is in models.RESERVED_SLUGS, which no
# station slug takes.
urlpatterns = [
    path("", views.index, name="index"),
    path("top-voted/", views.station_list, {"order": "votes"}, name="top-voted"),
    path("most-listened/", views.station_list, {"order": "clicks"}, name="most-listened"),
    path("recently-changed/", views.station_list, {"order": "changed"}, name="recently-changed"),
    path("country/<str:code>/", views.by_country, name="country"),
    path("language/<str:code>/", views.by_language, name="language"),
    path("tag/<path:tag>/", views.by_tag, name="tag"),
    path("codec/<str:codec>/", views.by_codec, name="codec"),
    path("favourites/", views.favourites, name="favourites"),
    path("favourites.m3u", views.export_favourites, {"fmt": "m3u"}, name="favourites-m3u"),
    path("favourites.json", views.export_favourites, {"fmt": "json"}, name="favourites-json"),
    path("<slug:slug>/", views.station, name="station"),
    path("<slug:slug>/share.jpg", sharing.share_image, name="share-image"),
    path("<slug:slug>/events", views.station_events, name="events"),
    path("<slug:slug>/stream", proxy.station_stream, name="stream"),
    path("<slug:slug>/vote", views.vote, name="vote"),
    path("<slug:slug>/click", views.click, name="click"),
    path("<slug:slug>/favourite", views.toggle_favourite, name="favourite"),
]
