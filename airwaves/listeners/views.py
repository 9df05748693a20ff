from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.http.request import split_domain_port, validate_host
from django.middleware import csrf
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from airwaves.listeners import favourites as hearts
from airwaves.listeners import playback, ratelimit
from airwaves.listeners.follows import export_follows, import_follows, toggle_follow
from airwaves.listeners.forms import (
    EmailForm,
    OpmlUploadForm,
    RateLimitedAuthenticationForm,
    SignupForm,
)
from airwaves.listeners.models import Follow
from airwaves.listeners.opml import NotOpml, parse_opml
from airwaves.podcasts.models import Episode, Podcast
from airwaves.radio.models import Station
from airwaves.radio.views import favourite_station_ids

PER_PAGE = 30
# Parts of a page one /me/state request may ask for: a page shows a few dozen at most.
MAX_STATE_PARTS = 100
# Feeds one upload may add: each is a few queries inside the request.
MAX_WEB_IMPORT = 2000


def is_fragment_request(request) -> bool:
    """An htmx request for a piece of a page (not a boosted navigation, which wants
    the whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def with_play_states(request, episodes) -> list[Episode]:
    """Sets `play` (a PlayState or None) on each episode, in one query."""
    episodes = list(episodes)
    states = playback.play_states(request, [e.pk for e in episodes])
    for episode in episodes:
        episode.play = states.get(episode.pk)
    return episodes


@require_POST
def toggle_favourite(request, episode_id: int):
    episode = get_object_or_404(Episode.objects.select_related("podcast"), pk=episode_id)
    hearts.toggle(request, episode)
    back = safe_next(request, episode.get_absolute_url())
    if is_fragment_request(request):
        context = {**hearts.heart_context(request, episode), "next": back}
        return render(request, "listeners/heart.html", context)
    return redirect(back)


@require_GET
def favourites(request):
    page = Paginator(hearts.favourite_episodes(request), PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = with_play_states(request, page.object_list)
    return render(request, "listeners/favourites.html", {"page": page})


@require_POST
def toggle_follow_view(request, podcast_id: int):
    podcast = get_object_or_404(Podcast, pk=podcast_id)
    back = safe_next(request, podcast.get_absolute_url())
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    toggle_follow(request.user, podcast)
    if is_fragment_request(request):
        context = {**hearts.follow_context(request, podcast), "next": back}
        return render(request, "listeners/follow_button.html", context)
    return redirect(back)


@login_required
@require_GET
def new_episodes(request):
    episodes = (
        Episode.objects.filter(podcast__follows__user=request.user)
        .select_related("podcast")
        .order_by(F("published_at").desc(nulls_last=True), "-pk")
    )
    page = Paginator(episodes, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = with_play_states(request, page.object_list)
    following = Follow.objects.filter(user=request.user).count()
    return render(request, "listeners/new_episodes.html", {"page": page, "following": following})


@login_required
@require_GET
def following(request):
    follows = (
        Follow.objects.filter(user=request.user)
        .select_related("podcast")
        .order_by("podcast__title", "podcast__feed_url")
    )
    return render(
        request, "listeners/following.html", {"follows": follows, "form": OpmlUploadForm()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_opml(request):
    form = OpmlUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = parse_opml(form.cleaned_data["file"].read())
        except NotOpml as error:
            form.add_error("file", str(error))
        else:
            if len(document.feeds) <= MAX_WEB_IMPORT:
                report = import_follows(request.user, document)
                return render(request, "listeners/import_result.html", {"report": report})
            form.add_error(
                "file",
                f"This file lists {len(document.feeds)} feeds; the site imports at most "
                f"{MAX_WEB_IMPORT} at once. Split the file, or ask the operator to run "
                "`airwaves import-opml`, which takes files of any length.",
            )
    return render(request, "listeners/import.html", {"form": form})


@login_required
@require_GET
def export_opml(request):
    response = HttpResponse(export_follows(request.user), content_type="text/x-opml; charset=utf-8")
    name = f"airwaves-{request.user.get_username()}.opml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def position(request, episode_id: int):
    """GET: where the listener is in the episode. POST (JSON): save it.

    POST body: {"position": seconds, "total": seconds or null, "started": seconds
    where this stretch of listening began, "ended": true when it played to the end}.
    """
    episode = get_object_or_404(Episode.objects.select_related("podcast"), pk=episode_id)
    if request.method == "GET":
        state = playback.play_state(request, episode)
        return JsonResponse(state_json(state))
    if not episode.has_audio:
        return JsonResponse({"error": "This episode has no audio to play."}, status=400)
    try:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        position = seconds(data.get("position"), "position")
        total = seconds(data.get("total"), "total", optional=True) or None
        started = seconds(data.get("started", position), "started")
        ended = data.get("ended", False) is True
    except ValueError as error:
        return JsonResponse({"error": f"Bad position: {error}"}, status=400)
    state = playback.record_position(
        request, episode, position=position, total=total, started=started, ended=ended
    )
    return JsonResponse(state_json(state))


def seconds(value, name: str, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number of seconds")
    if not 0 <= value < 10**7:  # about 115 days: longer is not an episode
        raise ValueError(f"{name} must be between 0 and 10000000 seconds")
    return int(value)


def state_json(state: playback.PlayState | None) -> dict:
    if state is None:
        return {"position": None, "total": None, "finished": False}
    return {"position": state.position, "total": state.total, "finished": state.finished}


@require_GET
def history(request):
    page = Paginator(playback.history(request), PER_PAGE).get_page(request.GET.get("page"))
    if request.user.is_authenticated:
        page.object_list = [playback.with_play_state(e) for e in page.object_list]
    return render(request, "listeners/history.html", {"page": page})


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        reservation = ratelimit.reserve(
            (ratelimit.Action.SIGNUP, ratelimit.client_address(request))
        )
        if isinstance(reservation, ratelimit.Refusal):
            form.is_valid()  # keeps what was typed, with its own errors
            form.add_error(None, reservation.message)
            context = {"form": form, "next": safe_next(request, "")}
            return render(request, "accounts/signup.html", context, status=429)
        if form.is_valid():
            user = form.save()
            # Logging in moves the guest's favourites and positions into the new account.
            login(request, user)
            messages.success(request, f"Welcome, {user.get_username()}! Your account is ready.")
            return redirect(safe_next(request, "/"))
        reservation.release()  # a form with mistakes creates nothing and does not count
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")})


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    form = EmailForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your e-mail address was saved.")
        return redirect("account-settings")
    return render(request, "accounts/settings.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's log-in page; a log-in the limits refused is answered 429 with
    Retry-After, so scripts and monitoring can tell it from a wrong password."""

    template_name = "accounts/login.html"
    authentication_form = RateLimitedAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Django's view names the site after the request's host; ours has a name.
        return super().get_context_data(**kwargs) | {"site_name": settings.SITE_NAME}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        refusal = getattr(self.request, ratelimit.REFUSAL_ATTRIBUTE, None)
        if refusal is not None:
            response.status_code = 429
            response["Retry-After"] = str(refusal.retry_after)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def form_valid(self, form):
        # Links in the e-mail lead to the configured site only (see email_site_url).
        site_url = email_site_url(self.request)
        if site_url is None:
            form.add_error(
                None,
                "This site cannot e-mail password-reset links until its operator sets "
                "AIRWAVES_SITE_URL to the site's public address.",
            )
            response = self.form_invalid(form)
            response.status_code = 400
            return response
        # Counted whether or not an account has this e-mail address, so the answer
        # never tells which addresses are registered.
        reservation = ratelimit.reserve(
            (ratelimit.Action.RESET_ADDRESS, ratelimit.client_address(self.request)),
            (ratelimit.Action.RESET_EMAIL, form.cleaned_data["email"]),
        )
        if isinstance(reservation, ratelimit.Refusal):
            form.add_error(None, reservation.message)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        self.extra_email_context = {"site_url": site_url, "site_name": settings.SITE_NAME}
        return super().form_valid(form)


def email_site_url(request) -> str | None:
    """The address links in e-mails start with: AIRWAVES_SITE_URL, or else the host the
    request came to when the operator allowed that host by name or domain. Django has
    refused hosts outside ALLOWED_HOSTS before any view runs, but "*" allows them all, and
    a Host header is whatever the client wrote: e-mailing a link built from it would send
    the listener to the client's choice of server, reset token and all. None when there
    is no trustworthy address."""
    if settings.SITE_URL:
        return settings.SITE_URL
    host = request.get_host()
    named = [entry for entry in settings.ALLOWED_HOSTS if entry != "*"]
    if not validate_host(split_domain_port(host)[0], named):
        return None
    return f"{request.scheme}://{host}"


@require_GET
def me_state(request):
    """The personal parts of a cached page, for whoever asks: `?parts=heart:12,follow:3,
    resume:12,station:4,menu,continue&next=/page/`. Pages are the same bytes for every anonymous
    visitor (airwaves/pagecache.py); their script fills in what is this visitor's own
    with the fragments answered here (the templates the page itself uses), and takes the
    CSRF token for its forms and the player from the answer. Only the caller's own
    hearts, subscriptions and positions are read, whatever ids are asked for.
    """
    try:
        wanted = state_parts(request.GET.get("parts", ""))
    except ValueError as error:
        response = JsonResponse({"error": f"Bad parts: {error}"}, status=400)
        response["Cache-Control"] = "private, no-store"
        return response
    back = safe_next(request, "/")
    parts: dict[str, str] = {}
    episode_ids = {pk for kind, pk in wanted if kind in ("heart", "resume")}
    episodes = Episode.objects.select_related("podcast").in_bulk(episode_ids)
    podcast_ids = {pk for kind, pk in wanted if kind == "follow"}
    podcasts = Podcast.objects.in_bulk(podcast_ids)
    states = playback.play_states(request, [pk for kind, pk in wanted if kind == "resume"])
    stations = Station.objects.in_bulk({pk for kind, pk in wanted if kind == "station"})
    # Each kind is read in one or two queries, however many parts ask for it.
    heart_ids = {pk for kind, pk in wanted if kind == "heart"}
    heart_states = hearts.heart_contexts(
        request, {pk: e for pk, e in episodes.items() if pk in heart_ids}
    )
    follow_states = hearts.follow_contexts(request, podcasts)
    station_hearts = favourite_station_ids(request, stations)
    for kind, pk in wanted:
        name = f"{kind}:{pk}" if pk is not None else kind
        if kind == "heart" and pk in heart_states:
            context = {**heart_states[pk], "next": back}
            parts[name] = render_to_string("listeners/heart.html", context, request)
        elif kind == "follow" and pk in follow_states:
            context = {**follow_states[pk], "next": back}
            parts[name] = render_to_string("listeners/follow_button.html", context, request)
        elif kind == "resume" and pk in episodes and episodes[pk].has_audio:
            context = {"episode": episodes[pk], "play": states.get(pk)}
            parts[name] = render_to_string("listeners/resume.html", context, request)
        elif kind == "station" and pk in stations:
            context = {
                "station": stations[pk],
                "is_favourite": pk in station_hearts,
            }
            parts[name] = render_to_string("radio/partials/heart.html", context, request)
        elif kind == "menu" and request.user.is_authenticated:
            # A guest's menu is the page's own; its links lead back to the page.
            parts[name] = render_to_string("accounts/menu.html", {}, request)
        elif kind == "continue":
            context = {"items": playback.continue_listening(request)}
            parts[name] = render_to_string("listeners/continue_listening.html", context, request)
    response = JsonResponse({"csrf_token": csrf.get_token(request), "parts": parts})
    response["Cache-Control"] = "private, no-store"
    return response


def state_parts(text: str) -> list[tuple[str, int | None]]:
    """Parses `heart:12,menu,…` into (kind, id or None), refusing what no page asks."""
    names = [name for name in text.split(",") if name]
    if len(names) > MAX_STATE_PARTS:
        raise ValueError(f"at most {MAX_STATE_PARTS} parts at once, got {len(names)}")
    wanted: list[tuple[str, int | None]] = []
    for name in dict.fromkeys(names):
        kind, _, pk = name.partition(":")
        if kind in ("menu", "continue") and not pk:
            wanted.append((kind, None))
        elif kind in ("heart", "follow", "resume", "station") and pk.isascii() and pk.isdigit():
            if len(pk) > 18:  # past any id a database holds
                raise ValueError(f"{name[:40]!r} names no episode or show")
            wanted.append((kind, int(pk)))
        else:
            raise ValueError(
                f"{name[:40]!r} is not one of menu, continue, heart:<id>, follow:<id>, "
                "resume:<id>, station:<id>"
            )
    return wanted


# Forms a visitor may post from a cached page (which carries no CSRF token): without
# JavaScript the post arrives without one and is confirmed on a page that has one.
CONFIRMABLE = {
    "favourite": "Add or remove this episode from your favourites?",
    "follow": "Subscribe to or unsubscribe from this show?",
    "radio:favourite": "Add or remove this station from your favourites?",
    "radio:vote": "Vote for this station?",
}
# Failures the confirmation page must not paper over: the post came from another site
# ("Origin checking failed - …", "Referer checking failed - …").
CROSS_SITE_REASONS = (
    csrf.REASON_BAD_ORIGIN.split(" - ")[0],
    csrf.REASON_NO_REFERER.split(" - ")[0],
)


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: a same-site post of one of the CONFIRMABLE forms without a
    valid token (a cached page's form, sent without JavaScript) gets a page asking to
    confirm it, whose form has a token (and which sets the cookie); every other failure
    gets the site's own page saying nothing was changed (Django's bare one has no site
    around it and an inline style the Content-Security-Policy blocks)."""
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        view_name = ""
    if (
        request.method != "POST"
        or view_name not in CONFIRMABLE
        or reason.startswith(CROSS_SITE_REASONS)
    ):
        request.public_page = True  # no token, no cookie: the next page's /me/state gives them
        return render(request, "403_csrf.html", {"reason": reason}, status=403)
    context = {
        "question": CONFIRMABLE[view_name],
        "action": request.path,
        "next": safe_next(request, "/"),
    }
    return render(request, "listeners/confirm.html", context, status=403)
