"""Whole pages for anonymous visitors, kept in Django's cache and shared by all of them.

A page is the same bytes for every visitor without an account: the views render it for
an anonymous user with an empty session (`public_request`), so it carries no CSRF token,
no guest's hearts or positions, sets no cookie and does not vary on cookies. What is
personal is filled in afterwards by one small request the page's script makes
(`/me/state`, listeners/views.py). Logged-in visitors get their own page, marked private.

Invalidation: a key holds a generation number. Show and episode pages use their show's,
which a refresh that stored a change bumps at once (`show_changed`, called by
crawler/refresh.py); listing pages (home, indexes, categories, search, radio) use the
site's, which refreshes bump at most once every PAGE_CACHE_LISTING_SECONDS, so a busy
crawler does not empty the cache. Every entry also expires after PAGE_CACHE_SECONDS, which
bounds what no refresh reports (hearts, votes, admin edits). A lookup costs one or two
cache reads and no query; nothing in it grows with the catalogue.
"""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.http import parse_etags

# Pages kept, by URL name; the value is the URL argument naming the show, if any.
PAGES: dict[str, str | None] = {
    "home": None,
    "podcast-index": None,
    "podcasts-new": None,
    "podcasts-updated": None,
    "podcasts-trending": None,
    "podcast": "slug",
    "episode": "podcast_slug",
    "category": None,
    "person": None,
    "search": None,
    "radio:index": None,
    "radio:top-voted": None,
    "radio:most-listened": None,
    "radio:recently-changed": None,
    "radio:country": None,
    "radio:language": None,
    "radio:tag": None,
    "radio:codec": None,
    "radio:station": None,
}
SITE_KEY = "pagecache:site"
SITE_BUMPED_KEY = "pagecache:site-bumped"
# The request attribute where KeptPagesMiddleware leaves the key it looked up and missed.
_MISSED_KEY = "page_cache_missed_key"
# Headers a cached page keeps; the middleware outside this one (security headers, CSP)
# adds its own to every answer, cached or not.
KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Frame-Options", "Link")


@dataclass(slots=True)
class CachedPage:
    content: bytes
    headers: dict[str, str]
    etag: str


def show_key(slug: str) -> str:
    return f"pagecache:show:{slug}"


def show_changed(slug: str) -> None:
    """A refresh stored a change to this show: its pages are built again on their next
    request, and listing pages soon after (at most once per PAGE_CACHE_LISTING_SECONDS)."""
    # A new value rather than an increment: two processes bumping at once may both
    # write, and either value differs from the one in the keys already stored. A
    # generation outlives every page stored under it (pages expire after
    # PAGE_CACHE_SECONDS), so it can expire too: a million shows leave no million keys.
    lifetime = 2 * settings.PAGE_CACHE_SECONDS
    cache.set(show_key(slug), time.time_ns(), timeout=lifetime)
    if cache.add(SITE_BUMPED_KEY, 1, timeout=settings.PAGE_CACHE_LISTING_SECONDS):
        cache.set(SITE_KEY, time.time_ns(), timeout=lifetime)


def generation_key(show: str | None) -> str:
    return show_key(show) if show else SITE_KEY


def page_key(request, url_name: str, generation) -> str:
    boosted = "b" if request.headers.get("HX-Boosted") else ""
    address = f"{request.get_host()}\n{request.get_full_path()}\n{boosted}"
    digest = hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()
    return f"pagecache:page:{url_name}:{generation or 0}:{digest}"


def cacheable_page(request) -> tuple[str, str | None] | None:
    """(URL name, show slug or None) when this request asks for a page kept here."""
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_SECONDS:
        return None
    # htmx asking for a piece of a page gets that piece, not the page.
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return None
    # A flash message is for one visitor; it is shown on a page of their own.
    if "messages" in request.COOKIES:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in PAGES:
        return None
    argument = PAGES[match.view_name]
    return match.view_name, (match.kwargs.get(argument) if argument else None)


def has_session(request) -> bool:
    """Without a session cookie the visitor is anonymous, known without a query."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def etag_for(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def public_headers(response) -> None:
    seconds = settings.PAGE_CACHE_SECONDS
    response["Cache-Control"] = (
        f"public, max-age={min(seconds, 60)}, stale-while-revalidate={seconds}"
    )


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match against our ETag, compared weakly (RFC 9110 13.1.2): a compressing
    middleware or proxy may have sent it on as W/"…"."""
    tags = parse_etags(header)
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def answer(request, page: CachedPage):
    if etag_matches(request.headers.get("If-None-Match", ""), page.etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(page.content)
        for name, value in page.headers.items():
            response[name] = value
        # CommonMiddleware would add it, but a hit answered early never reaches it.
        response["Content-Length"] = str(len(page.content))
    response["ETag"] = page.etag
    public_headers(response)
    return response


def private(response):
    response["Cache-Control"] = "private, max-age=0"
    return response


@contextmanager
def public_request(request):
    """The view sees an anonymous visitor with an empty session: what it renders is
    what any anonymous visitor would get, so it can be kept for all of them."""
    session = getattr(request, "session", None)
    request.public_page = True
    if session is not None:
        request.session = session.__class__()
    try:
        yield
    finally:
        del request.public_page
        if session is not None:
            request.session = session
            forget_session_read(request)


def forget_session_read(request) -> None:
    """The session was read only to ask whether it holds an account, which it does
    not: the answer is the same for every anonymous visitor, so the session middleware
    need not add Vary: Cookie."""
    session = getattr(request, "session", None)
    if session is not None and not session.modified:
        session.accessed = False


def storable_page(request, response) -> CachedPage | None:
    """What of the view's answer is kept: a 200 that set no cookie and asked for no
    CSRF token (a template that did is not everyone's page)."""
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or "private" in response.get("Cache-Control", "")
    ):
        return None
    return CachedPage(
        content=response.content,
        headers={h: response[h] for h in KEPT_HEADERS if h in response},
        etag=etag_for(response.content),
    )


class PageCacheMiddleware:
    """Serves and stores anonymous visitors' pages. It runs after the session, CSRF and
    authentication middleware (so it can tell who is asking) and before the view; in
    an async chain its cache reads and writes run in a thread, the rest on the loop.

    1. A request for a kept page from a visitor without an account session looks the
       page up under its show's (or the site's) generation; a hit is answered at once,
       a 304 when the visitor's ETag matches. (In the site's chain KeptPagesMiddleware
       has already answered hits for visitors without a session cookie and left the key
       of a miss, so this step is for the rest.)
    2. On a miss the view runs under `public_request`. The visitor's own session is
       put back before the session middleware sees the answer, marked unread.
    3. `storable_page` decides what is kept; anything else (an error, a template that
       asked for a token) is passed on as it is.
    4. Logged-in visitors' pages are rendered for them and marked private.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        kept = cacheable_page(request)
        if kept is None:
            return self.get_response(request)
        if has_session(request) and request.user.is_authenticated:
            return private(self.get_response(request))
        url_name, show = kept
        key = getattr(request, _MISSED_KEY, None)
        if key is None:
            key = page_key(request, url_name, cache.get(generation_key(show)))
            page = cache.get(key)
            if isinstance(page, CachedPage):
                forget_session_read(request)
                return answer(request, page)
        with public_request(request):
            response = self.get_response(request)
        page = storable_page(request, response)
        if page is None:
            return response
        if request.method == "GET":
            cache.set(key, page, timeout=settings.PAGE_CACHE_SECONDS)
        return answer(request, page)

    async def __acall__(self, request):
        kept = cacheable_page(request)
        if kept is None:
            return await self.get_response(request)
        if has_session(request) and (await request.auser()).is_authenticated:
            return private(await self.get_response(request))
        url_name, show = kept
        key = getattr(request, _MISSED_KEY, None)
        if key is None:
            key = page_key(request, url_name, await cache.aget(generation_key(show)))
            page = await cache.aget(key)
            if isinstance(page, CachedPage):
                forget_session_read(request)
                return answer(request, page)
        with public_request(request):
            response = await self.get_response(request)
        page = storable_page(request, response)
        if page is None:
            return response
        if request.method == "GET":
            await cache.aset(key, page, timeout=settings.PAGE_CACHE_SECONDS)
        return answer(request, page)


def kept_page(request) -> CachedPage | None:
    """The kept page for an anonymous visitor's request, if there is one; two cache
    reads (the generation, then the page) and no query. A miss leaves its key on the
    request, so that PageCacheMiddleware stores the page under it without reading the
    generation again."""
    kept = cacheable_page(request)
    if kept is None or has_session(request):
        return None
    url_name, show = kept
    key = page_key(request, url_name, cache.get(generation_key(show)))
    page = cache.get(key)
    if isinstance(page, CachedPage):
        return page
    setattr(request, _MISSED_KEY, key)
    return None


class KeptPagesMiddleware:
    """Answers anonymous visitors' kept pages before the session, CSRF, authentication
    and messages middleware run: a hit needs none of them (a visitor without a session
    cookie is anonymous, and a kept page reads no token and no message), and skipping
    them more than doubles the pages a server process gives (docs/benchmarks.md). It
    sits inside the compression, security and CSP middleware, so a kept page leaves with
    the same headers and encodings as one just rendered. Anything else (a miss, a
    visitor with a session, a request for a page not kept) goes down the chain to
    PageCacheMiddleware, which renders and stores.

    In an async chain both cache reads run in one thread of the shared pool: one hop off
    the event loop for the lookup, as whitenoise takes one to serve a static file.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        page = kept_page(request)
        if page is not None:
            return answer(request, page)
        return self.get_response(request)

    async def __acall__(self, request):
        page = await sync_to_async(kept_page, thread_sensitive=False)(request)
        if page is not None:
            return answer(request, page)
        return await self.get_response(request)
