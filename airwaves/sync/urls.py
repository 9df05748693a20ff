from django.urls import path, re_path

from airwaves.sync import account, settings_views, simple, updates, views
from airwaves.sync import nextcloud as nextcloud_views

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
    path(
        "api/2/updates/<str:username>/<str:device>.json",
        updates.device_updates,
        name="sync-updates",
    ),
]

nextcloud = "index.php/apps/gpoddersync/"
urlpatterns += [
    path(f"{nextcloud}subscriptions", nextcloud_views.subscriptions_view),
    path(f"{nextcloud}subscription_change/create", nextcloud_views.subscription_change),
    path(f"{nextcloud}episode_action", nextcloud_views.episode_action_list),
    path(f"{nextcloud}episode_action/create", nextcloud_views.episode_action_create),
    path("index.php/login/v2", nextcloud_views.login_flow_start, name="login-flow"),
    path("index.php/login/v2/poll", nextcloud_views.login_flow_poll),
    path(
        "index.php/login/v2/flow/<str:token>",
        nextcloud_views.login_flow_grant,
        name="login-flow-grant",
    ),
]

urlpatterns += [
    path("accounts/sync/devices/<int:pk>/rename", settings_views.rename_device, name="sync-rename"),
    path("accounts/sync/devices/<int:pk>/remove", settings_views.remove_device, name="sync-remove"),
    path(
        "accounts/sync/app-passwords/new",
        settings_views.create_app_password,
        name="sync-app-password-new",
    ),
    path(
        "accounts/sync/app-passwords/<int:pk>/revoke",
        settings_views.revoke_app_password,
        name="sync-app-password-revoke",
    ),
    path("accounts/sync/secret-address", settings_views.secret_address, name="sync-secret"),
    path("accounts/sync/device-lists", settings_views.device_lists, name="sync-device-lists"),
]

urlpatterns += [
    path(
        "subscriptions/<str:username>/<str:device>.<str:fmt>",
        simple.device_subscriptions,
        name="sync-simple-device",
    ),
    path(
        "subscriptions/<str:username>.<str:fmt>", simple.account_subscriptions, name="sync-simple"
    ),
    path("api/2/favorites/<str:username>.json", simple.favourites, name="sync-favourites"),
]

urlpatterns += [
    path("api/2/settings/<str:username>/<str:scope>.json", account.settings_view),
    path("api/2/sync-devices/<str:username>.json", account.sync_devices),
]

# Last: what no pattern above takes under the apps' prefixes answers JSON, not HTML.
urlpatterns += [
    re_path(r"^api/2/", views.not_found),
    re_path(r"^index\.php/", views.not_found),
]
