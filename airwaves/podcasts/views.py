from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from airwaves.podcasts import structured
from airwaves.podcasts.faq import episode_questions
from airwaves.podcasts.models import Category, Episode, Podcast

EPISODES_PER_PAGE = 20
RELATED_EPISODES = 6
NEWEST_FIRST = (F("published_at").desc(nulls_last=True), "-pk")


def absolute_url_maker(request):
    """Absolute URLs for canonical links and JSON-LD, from AIRWAVES_SITE_URL when set
    (behind a proxy the request's host may not be the public one)."""

    def absolute(path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        if settings.SITE_URL:
            return settings.SITE_URL + path_or_url
        return request.build_absolute_uri(path_or_url)

    return absolute


def listed_podcasts():
    """Shows worth linking to: fetched at least once, titled, and not merged into
    another feed."""
    return Podcast.objects.exclude(title="").filter(moved_to=None)


@require_GET
def home(request):
    latest = (
        Episode.objects.filter(published_at__isnull=False)
        .select_related("podcast")
        .order_by("-published_at")[:12]
    )
    categories = (
        Category.objects.filter(parent=None)
        .annotate(shows=Count("podcasts", distinct=True))
        .filter(shows__gt=0)
        .order_by("-shows", "name")[:12]
        .prefetch_related(
            Prefetch("podcasts", queryset=listed_podcasts().order_by("title"), to_attr="listed")
        )
    )
    context = {
        "latest": latest,
        "categories": categories,
        "podcast_count": listed_podcasts().count(),
    }
    return render(request, "podcasts/home.html", context)


@require_GET
def podcast(request, slug: str):
    show = get_object_or_404(
        Podcast.objects.exclude(title="").select_related("category", "moved_to"), slug=slug
    )
    if show.moved_to is not None:
        # The feed moved to one already in the directory: that show is this show now.
        return redirect(show.moved_to, permanent=True)
    episodes = show.episodes.order_by(*NEWEST_FIRST)
    page = Paginator(episodes, EPISODES_PER_PAGE).get_page(request.GET.get("page"))
    absolute = absolute_url_maker(request)
    trail = [("Podcasts", "/podcasts/")]
    if show.category_id:
        trail.append((show.category.name, show.category.get_absolute_url()))
    trail.append((show.title, show.get_absolute_url()))
    context = {
        "podcast": show,
        "page": page,
        "trail": trail,
        "canonical": absolute(show.get_absolute_url())
        + (f"?page={page.number}" if page.number > 1 else ""),
        "jsonld": [
            structured.podcast_series(show, absolute),
            structured.breadcrumbs(trail, absolute),
        ],
    }
    return render(request, "podcasts/podcast.html", context)


@require_GET
def episode(request, podcast_slug: str, episode_slug: str):
    item = get_object_or_404(
        Episode.objects.select_related("podcast", "podcast__category"),
        podcast__slug=podcast_slug,
        slug=episode_slug,
    )
    show = item.podcast
    related = list(show.episodes.exclude(pk=item.pk).order_by(*NEWEST_FIRST)[:RELATED_EPISODES])
    questions = episode_questions(item, related_count=len(related))
    absolute = absolute_url_maker(request)
    trail = [("Podcasts", "/podcasts/")]
    if show.category_id:
        trail.append((show.category.name, show.category.get_absolute_url()))
    trail += [(show.title, show.get_absolute_url()), (item.title, item.get_absolute_url())]
    context = {
        "episode": item,
        "podcast": show,
        "related": related,
        "questions": questions,
        "trail": trail,
        "canonical": absolute(item.get_absolute_url()),
        "absolute_audio": absolute(item.enclosure_url) if item.has_audio else "",
        "absolute_image": absolute(item.artwork_url) if item.artwork_url else "",
        "jsonld": [
            structured.podcast_episode(item, absolute),
            structured.faq_page(questions),
            structured.breadcrumbs(trail, absolute),
        ],
    }
    return render(request, "podcasts/episode.html", context)


@require_GET
def podcast_index(request):
    shows = listed_podcasts().select_related("category").order_by("title")
    page = Paginator(shows, 48).get_page(request.GET.get("page"))
    categories = (
        Category.objects.filter(parent=None)
        .annotate(shows=Count("podcasts", distinct=True))
        .filter(shows__gt=0)
        .order_by("name")
    )
    return render(request, "podcasts/index.html", {"page": page, "categories": categories})


@require_GET
def category(request, slug: str):
    cat = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    shows = (
        listed_podcasts()
        .filter(Q(categories=cat) | Q(categories__parent=cat))
        .distinct()
        .order_by("title")
    )
    page = Paginator(shows, 48).get_page(request.GET.get("page"))
    return render(request, "podcasts/category.html", {"category": cat, "page": page})


@require_GET
def robots_txt(request):
    absolute = absolute_url_maker(request)
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /favourites/",
        "Disallow: /search",
        "Disallow: /radio/*/stream",
        "Disallow: /radio/*/events",
        f"Sitemap: {absolute('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def healthz(request):
    try:
        Podcast.objects.exists()
    except Exception as error:  # the one thing this endpoint reports
        return JsonResponse({"status": "error", "database": str(error)}, status=503)
    return JsonResponse({"status": "ok"})
