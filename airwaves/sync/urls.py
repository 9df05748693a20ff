from django.urls import path

from airwaves.sync import views

urlpatterns = [
    path("api/2/auth/<str:username>/login.json", views.auth_login, name="sync-login"),
    path("api/2/auth/<str:username>/logout.json", views.auth_logout, name="sync-logout"),
    path("api/2/devices/<str:username>.json", views.device_list, name="sync-devices"),
    path(
        "api/2/devices/<str:username>/<str:device>.json",
        views.device_update,
        name="sync-device",
    ),
    path(
        "api/2/subscriptions/<str:username>/<str:device>.json",
        views.device_subscriptions,
        name="sync-subscriptions",
    ),
    path("api/2/episodes/<str:username>.json", views.episodes, name="sync-episodes"),
]
