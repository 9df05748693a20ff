"""Who is syncing: HTTP Basic on any request, or the session cookie that logging in
through the API (or the website) set; and the JSON answers every sync view shares.

Basic passwords are checked through `ratelimit.check_login`, so failed guesses count
against the same limits as the website's log-in form; an app password
(`AppPassword`) is tried first and costs one indexed lookup.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from airwaves.listeners import ratelimit
from airwaves.sync.models import AppPassword

REALM = "Airwaves sync"
# JSON nested deeper than any sync document is refused before Python's parser recurses.
MAX_JSON_DEPTH = 20


class BadInput(ValueError):
    """A request the client must change: answered 400 with the message."""


def api_error(status: int, message: str, **headers) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    response["Cache-Control"] = "private, no-store"
    return response


def unauthorized(message: str) -> JsonResponse:
    return api_error(401, message, WWW_Authenticate=f'Basic realm="{REALM}"')


def answer(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, safe=False)
    response["Cache-Control"] = "private, no-store"
    return response


def empty() -> HttpResponse:
    response = HttpResponse(b"", content_type="application/json")
    response["Cache-Control"] = "private, no-store"
    return response


def read_json(request):
    """The request body as JSON, whatever its content type (AntennaPod labels its JSON
    `plain/text`), or BadInput saying what is wrong with it."""
    body = request.body
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput("The request body is not UTF-8 text.") from None
    if not text.strip():
        raise BadInput("The request body is empty; send a JSON document.")
    if _depth(text) > MAX_JSON_DEPTH:
        raise BadInput(f"The JSON document is nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise BadInput(f"The request body is not valid JSON: {error}") from None


def _depth(text: str) -> int:
    """How deep brackets nest, strings skipped: an upper bound for the document's depth."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def hash_app_password(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8", "surrogatepass")).hexdigest()


def new_app_password(user, name: str) -> str:
    """Makes an app password for `user` and returns it: the only time it is seen."""
    password = "aw-" + secrets.token_urlsafe(32)
    AppPassword.objects.create(user=user, name=name[:100], digest=hash_app_password(password))
    return password


def app_password_user(username: str, password: str):
    if not password.startswith("aw-") or len(password) > 100:
        return None
    found = (
        AppPassword.objects.select_related("user")
        .filter(digest=hash_app_password(password), user__username=username)
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    AppPassword.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    found.user.backend = settings.AUTHENTICATION_BACKENDS[0]
    # Which app this is: Nextcloud clients name no device, their app password does.
    found.user.sync_app_password = found
    return found.user


def basic_credentials(request) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return username, password


def _remembered_key(username: str, password: str) -> str:
    digest = hashlib.sha256(
        f"{settings.SECRET_KEY}\x00{username}\x00{password}".encode("utf-8", "surrogatepass")
    ).hexdigest()
    return f"sync:basic:{digest}"


def authenticate_basic(request, username: str, password: str):
    """The user for these credentials, a ratelimit.Refusal, or None.

    Apps that send Basic on every request (Kasts) would pay an Argon2 check each time: a
    right password is remembered in the cache for SYNC_BASIC_CACHE_SECONDS, under a key
    the password cannot be read back from, and with the account's password hash of the
    moment, so changing the password ends it at once."""
    if len(username) > 150 or len(password) > 4096:
        return None
    if username.startswith("awt-"):
        # The secret sync address: the token is the user name, the password is ignored.
        from airwaves.sync.account import token_user

        user = token_user(username)
        if user is not None:
            user.backend = settings.AUTHENTICATION_BACKENDS[0]
            user.sync_alias = username
        return user
    user = app_password_user(username, password)
    if user is not None:
        return user
    key = _remembered_key(username, password)
    remembered = cache.get(key)
    if remembered is not None:
        user_id, password_hash = remembered
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is not None and user.password == password_hash:
            user.backend = settings.AUTHENTICATION_BACKENDS[0]
            return user
    user = ratelimit.check_login(request, username, password)
    if user is not None and not isinstance(user, ratelimit.Refusal):
        cache.set(key, (user.pk, user.password), settings.SYNC_BASIC_CACHE_SECONDS)
    return user


def sync_user(request):
    """The user this request acts for, or the response refusing it."""
    credentials = basic_credentials(request)
    if credentials is not None:
        if request.user.is_authenticated and request.user.get_username() == credentials[0]:
            # Logged in by cookie already (AntennaPod sends both): no password check.
            return request.user
        user = authenticate_basic(request, *credentials)
        if isinstance(user, ratelimit.Refusal):
            return api_error(429, user.message, Retry_After=str(user.retry_after))
        if user is None:
            return unauthorized("Wrong username or password.")
        return user
    if request.user.is_authenticated:
        return request.user
    if request.META.get("HTTP_AUTHORIZATION"):
        return unauthorized("Only HTTP Basic authentication is accepted here.")
    return unauthorized("Log in with your Airwaves username and password (HTTP Basic).")


def sync_view(methods: tuple[str, ...], *, own_user: bool = True) -> Callable:
    """A sync API view: CSRF-exempt (apps send no token; the session cookie is
    SameSite=Lax, so other sites' pages cannot post with it), authenticated, only for
    the user named in the URL, answering BadInput with 400."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = api_error(405, f"Use {' or '.join(methods)} here.")
                response["Allow"] = ", ".join(methods)
                return response
            user = sync_user(request)
            if isinstance(user, HttpResponse):
                return user
            named = kwargs.get("username")
            names = {user.get_username(), getattr(user, "sync_alias", None)}
            if own_user and named is not None and named not in names:
                return api_error(
                    403,
                    f"You are logged in as {user.get_username()!r}; "
                    "this address belongs to another account.",
                )
            request.sync_user = user
            request.sync_app_password = getattr(user, "sync_app_password", None)
            try:
                return view(request, *args, **kwargs)
            except BadInput as error:
                return api_error(400, str(error))

        return wrapper

    return decorate
