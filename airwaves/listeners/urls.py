from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from airwaves.listeners import views

urlpatterns = [
    path("episodes/<int:episode_id>/favourite", views.toggle_favourite, name="favourite"),
    path("episodes/<int:episode_id>/position", views.position, name="position"),
    path("podcasts/<int:podcast_id>/follow", views.toggle_follow_view, name="follow"),
    path("me/state", views.me_state, name="me-state"),
    path("favourites/", views.favourites, name="favourites"),
    path("new/", views.new_episodes, name="new-episodes"),
    path("history/", views.history, name="history"),
    path("following/", views.following, name="following"),
    path("following/import", views.import_opml, name="opml-import"),
    path("following/export.opml", views.export_opml, name="opml-export"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/settings/", views.account_settings, name="account-settings"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "accounts/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            post_reset_login=True,
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
