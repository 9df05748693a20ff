"""Sharing an episode elsewhere: the embeddable player page and its oEmbed answer.

`/podcasts/<show>/<episode>/embed/` is the episode's player alone, the only page other
sites may frame: its Content-Security-Policy says `frame-ancestors *` and it sends no
X-Frame-Options, where every other page sends DENY and `frame-ancestors 'none'`
(settings.SECURE_CSP) so that no site can frame a page with a form or a heart button
under a visitor's pointer. The embed page has neither, and reads no session.

`/oembed?url=<episode page>&format=json` answers an oEmbed "rich" object whose html is
an iframe of that page (https://oembed.com/). A URL that is not one of our episode pages
is a 404, a format other than JSON a 501, as the specification asks.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from airwaves.artwork.images import SHARE_SIZE
from airwaves.artwork.keys import share_image_url
from airwaves.podcasts.models import Episode
from airwaves.podcasts.views import absolute_url_maker

# The player's size in the iframe oEmbed hands out, in CSS pixels.
EMBED_WIDTH = 600
EMBED_HEIGHT = 180
MIN_EMBED_WIDTH = 240
MAX_URL_LENGTH = 2048
# Anyone may frame the player; everything else keeps the site's policy.
EMBED_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}
# Shared caches may keep both answers for a while: they are the same for every visitor.
PUBLIC_FOR = 300


def embed_path(episode: Episode) -> str:
    return reverse("episode-embed", args=[episode.podcast.slug, episode.slug])


@require_safe
@xframe_options_exempt
@csp_override(EMBED_CSP)
@cache_control(public=True, max_age=PUBLIC_FOR)
def embed(request, podcast_slug: str, episode_slug: str):
    episode = get_object_or_404(
        Episode.objects.select_related("podcast"),
        podcast__slug=podcast_slug,
        slug=episode_slug,
    )
    return render(request, "podcasts/embed.html", {"episode": episode, "podcast": episode.podcast})


def our_episode(url: str, request) -> Episode:
    """The episode whose page `url` is, on this site; Http404 for anything else."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise Http404("give the address of an episode page as url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Http404("not a valid URL") from None
    ours = urlsplit(settings.SITE_URL) if settings.SITE_URL else None
    host = ours.netloc if ours else request.get_host()
    given = parts.hostname + (f":{port}" if port else "") if parts.hostname else ""
    if parts.scheme not in ("http", "https") or given.lower() != host.lower():
        raise Http404("not a page of this site")
    try:
        match = resolve(parts.path)
    except Resolver404:
        raise Http404("not a page of this site") from None
    if match.url_name not in ("episode", "episode-embed"):
        raise Http404("only episode pages can be embedded")
    return get_object_or_404(
        Episode.objects.select_related("podcast"),
        podcast__slug=match.kwargs["podcast_slug"],
        slug=match.kwargs["episode_slug"],
    )


def bounded(value: str | None, default: int, *, name: str) -> int:
    if value is None or value == "":
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 5:
        raise ValueError(f"{name} must be a whole number of pixels")
    return min(default, int(value))


@require_safe
@cache_control(public=True, max_age=PUBLIC_FOR)
def oembed(request):
    fmt = request.GET.get("format", "json")
    if fmt != "json":
        return HttpResponse(
            "Only format=json is answered.", status=501, content_type="text/plain; charset=utf-8"
        )
    episode = our_episode(request.GET.get("url", ""), request)
    try:
        width = bounded(request.GET.get("maxwidth"), EMBED_WIDTH, name="maxwidth")
        height = bounded(request.GET.get("maxheight"), EMBED_HEIGHT, name="maxheight")
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    if width < MIN_EMBED_WIDTH:
        # The player does not fit: the specification's answer is "no embed", a 404.
        raise Http404(f"the player needs at least {MIN_EMBED_WIDTH} px")
    absolute = absolute_url_maker(request)
    podcast = episode.podcast
    html = format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy" '
        'style="border:0" allow="autoplay; encrypted-media"></iframe>',
        absolute(embed_path(episode)),
        width,
        height,
        f"{episode.title} · {podcast.title}",
    )
    data: dict = {
        "version": "1.0",
        "type": "rich",
        "provider_name": settings.SITE_NAME,
        "provider_url": absolute("/"),
        "title": episode.title,
        "html": str(html),
        "width": width,
        "height": height,
        "cache_age": PUBLIC_FOR,
    }
    author = episode.author or podcast.author
    if author:
        data["author_name"] = author
    data["author_url"] = absolute(podcast.get_absolute_url())
    if episode.artwork_url:
        data["thumbnail_url"] = absolute(share_image_url(episode.artwork_url))
        data["thumbnail_width"] = data["thumbnail_height"] = SHARE_SIZE
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
