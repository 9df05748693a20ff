from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from airwaves.artwork.keys import share_image_url
from airwaves.podcasts import structured, trending
from airwaves.podcasts.counters import FUTURE_SLACK
from airwaves.podcasts.extras import media_of
from airwaves.podcasts.faq import episode_text
from airwaves.podcasts.models import LISTED, Category, Episode, Podcast, Total
from airwaves.podcasts.paging import IndexedRows, counted_page, short_list_page

EPISODES_PER_PAGE = 20
SHOWS_PER_PAGE = 48
RELATED_EPISODES = 6
HOME_CATEGORIES = 12
HOME_SHOWS_PER_CATEGORY = 6
# New, updated and trending shows are read this many pages deep, no further.
DISCOVERY_PAGES = 20
# What a grid of shows (partials/show_grid.html) reads of each.
GRID_FIELDS = ("slug", "title", "image_url")
# Both orders are served by the index episode_show_newest (migration 0005).
NEWEST_FIRST = (F("published_at").desc(nulls_last=True), "-pk")
OLDEST_FIRST = (F("published_at").asc(nulls_first=True), "pk")


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
    return Podcast.objects.filter(LISTED)


@require_GET
def home(request):
    """Latest episodes, the biggest categories with a few of their shows, and links to
    the discovery lists. A fixed number of index reads, however large the directory:
    the counts are kept by the database (counters.py)."""
    latest = (
        # Dates far ahead are a feed's mistake or its schedule, not "latest".
        Episode.objects.filter(published_at__lte=timezone.now() + FUTURE_SLACK)
        .select_related("podcast")
        .order_by("-published_at")[:12]
    )
    categories = list(
        Category.objects.filter(parent=None, in_tree=True, show_count__gt=0).order_by(
            "-show_count", "name"
        )[:HOME_CATEGORIES]
    )
    shows = grid_shows(home_category_keys(categories))
    for cat in categories:
        cat.listed = [shows[key] for key in cat.keys if key in shows]
    context = {
        "latest": latest,
        "categories": categories,
        "podcast_count": Total.listed_shows(),
    }
    return render(request, "podcasts/home.html", context)


def home_category_keys(categories: list[Category]) -> list[int]:
    """The newest shows of each category (`cat.keys`), in one query of one short index
    range per category (show-category index: category, show)."""
    if not categories:
        return []
    table = Podcast.categories.through._meta.db_table
    branch = (
        f"SELECT * FROM (SELECT category_id, podcast_id FROM {table}"
        f" WHERE category_id = %s ORDER BY podcast_id DESC LIMIT {HOME_SHOWS_PER_CATEGORY}) AS branch"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join([branch] * len(categories)), [cat.pk for cat in categories]
        )
        rows = cursor.fetchall()
    by_category: dict[int, list[int]] = {}
    for category_id, podcast_id in rows:
        by_category.setdefault(category_id, []).append(podcast_id)
    for cat in categories:
        cat.keys = by_category.get(cat.pk, [])
    return [key for cat in categories for key in cat.keys]


def grid_shows(keys) -> dict[int, Podcast]:
    """Listed shows by primary key, with what a grid of artwork shows. Shows merged
    into another feed keep their categories and are left out here."""
    return {
        show.pk: show for show in listed_podcasts().filter(pk__in=list(keys)).only(*GRID_FIELDS)
    }


class CategoryRows:
    """A category's shows for CountedPaginator, newest in the directory first: keys
    from the show-category index, the count kept by triggers."""

    def __init__(self, cat: Category):
        through = Podcast.categories.through.objects.filter(category=cat)
        self.keys = through.order_by("-podcast_id").values_list("podcast_id", flat=True)
        self.count = cat.show_count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: slice) -> list[Podcast]:
        keys = list(self.keys[index])
        shows = grid_shows(keys)
        return [shows[key] for key in keys if key in shows]


@require_GET
def podcast(request, slug: str):
    show = get_object_or_404(
        Podcast.objects.exclude(title="").select_related("category", "moved_to"), slug=slug
    )
    if show.moved_to is not None:
        # The feed moved to one already in the directory: that show is this show now.
        return redirect(show.moved_to, permanent=True)
    # The show's count is kept by the database; a page near the end is read from the
    # oldest episode up, so the last page of a long show costs what the first does.
    rows = IndexedRows(
        Episode.objects.filter(podcast=show).order_by(*NEWEST_FIRST),
        count=show.episode_count,
        reverse=Episode.objects.filter(podcast=show).order_by(*OLDEST_FIRST),
    )
    page = counted_page(rows, EPISODES_PER_PAGE, request.GET.get("page"))
    for item in page.object_list:
        item.podcast = show  # the episode rows' artwork falls back on the show's
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
        "share_image": absolute(share_image_url(show.image_url)) if show.image_url else "",
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
    sentences = episode_text(item, related_count=len(related))
    absolute = absolute_url_maker(request)
    trail = [("Podcasts", "/podcasts/")]
    if show.category_id:
        trail.append((show.category.name, show.category.get_absolute_url()))
    trail += [(show.title, show.get_absolute_url()), (item.title, item.get_absolute_url())]
    context = {
        "episode": item,
        "podcast": show,
        "related": related,
        "sentences": sentences,
        "trail": trail,
        "canonical": absolute(item.get_absolute_url()),
        "absolute_audio": absolute(item.enclosure_url) if item.has_audio else "",
        # Link previews: a raster of at least 1200 px, the player for other sites, oEmbed.
        "share_image": absolute(share_image_url(item.artwork_url)) if item.artwork_url else "",
        "embed_url": absolute(reverse("episode-embed", args=[show.slug, item.slug])),
        "oembed_url": absolute(
            reverse("oembed")
            + "?"
            + urlencode({"url": absolute(item.get_absolute_url()), "format": "json"})
        ),
        "jsonld": [
            structured.podcast_episode(item, absolute),
            structured.faq_page(sentences.all_questions),
            structured.breadcrumbs(trail, absolute),
        ],
    }
    chapters = media_of(item).chapters
    if chapters:
        context["jsonld"][0]["hasPart"] = structured.chapter_parts(chapters, context["canonical"])
    return render(request, "podcasts/episode.html", context)


@require_GET
def podcast_index(request):
    """Every listed show by title, in numbered pages: the page's keys come from the
    partial index podcast_listed_title alone, the total from the kept count."""
    rows = IndexedRows(
        listed_podcasts().only(*GRID_FIELDS).order_by("title", "pk"),
        count=Total.listed_shows(),
    )
    page = counted_page(rows, SHOWS_PER_PAGE, request.GET.get("page"))
    categories = Category.objects.filter(parent=None, in_tree=True, show_count__gt=0).order_by(
        "name"
    )
    context = {"page": page, "categories": categories, "lists": discovery_links()}
    return render(request, "podcasts/index.html", context)


@require_GET
def category(request, slug: str):
    cat = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    rows = CategoryRows(cat)
    page = counted_page(rows, SHOWS_PER_PAGE, request.GET.get("page"))
    subcategories = []
    if cat.parent_id is None:
        subcategories = cat.children.filter(in_tree=True, show_count__gt=0).order_by("name")
    context = {"category": cat, "page": page, "subcategories": subcategories}
    return render(request, "podcasts/category.html", context)


# The discovery lists: name, title, ordering over the listed shows, and which shows
# qualify. Each ordering has its own partial index (models.Podcast.Meta.indexes).
DISCOVERY = {
    "new": ("New shows", ("-created_at", "-pk"), Q()),
    "updated": (
        "Recently updated",
        ("-latest_episode_at", "-pk"),
        Q(latest_episode_at__isnull=False),
    ),
    "trending": (
        "Trending",
        ("-trending_score", "-pk"),
        Q(trending_score__gt=0),
    ),
}


def discovery_links() -> list[tuple[str, str]]:
    return [(title, reverse(f"podcasts-{name}")) for name, (title, _, _) in DISCOVERY.items()]


def discovery(request, name: str):
    title, ordering, condition = DISCOVERY[name]
    if name == "trending":
        trending.expire_if_due()
    rows = listed_podcasts().filter(condition).only(*GRID_FIELDS).order_by(*ordering)
    page = short_list_page(rows, SHOWS_PER_PAGE, DISCOVERY_PAGES, request.GET.get("page"))
    context = {"page": page, "title": title, "name": name, "lists": discovery_links()}
    return render(request, "podcasts/discovery.html", context)


@require_GET
def new_shows(request):
    return discovery(request, "new")


@require_GET
def updated_shows(request):
    return discovery(request, "updated")


@require_GET
def trending_shows(request):
    return discovery(request, "trending")


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
