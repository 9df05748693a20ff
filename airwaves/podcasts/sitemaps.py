"""/sitemap.xml: a sitemap index whose parts cover fixed ranges of primary keys.

Range pages (ids 1–10,000, 10,001–20,000, ...) read an index range each, so the
millionth page costs what the first does; OFFSET pagination would not. A page may
hold fewer URLs than the range (deleted rows), never more than the protocol allows.
"""

from __future__ import annotations

from django.db.models import Max
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from airwaves.podcasts.models import Category, Episode, Person, Podcast
from airwaves.podcasts.views import absolute_url_maker, listed_podcasts
from airwaves.radio.models import Station

IDS_PER_SITEMAP = 10_000


def page_count(model) -> int:
    max_id = model.objects.aggregate(m=Max("pk"))["m"] or 0
    return max(1, -(-max_id // IDS_PER_SITEMAP))


@require_GET
def sitemap_index(request):
    absolute = absolute_url_maker(request)
    locations = [absolute("/sitemaps/pages.xml")]
    sections = (("podcasts", Podcast), ("episodes", Episode), ("stations", Station))
    for section, model in (*sections, ("people", Person)):
        locations += [
            absolute(f"/sitemaps/{section}-{n}.xml") for n in range(1, page_count(model) + 1)
        ]
    return render(
        request, "sitemaps/index.xml", {"locations": locations}, content_type="application/xml"
    )


@require_GET
def sitemap_pages(request):
    absolute = absolute_url_maker(request)
    fixed = ["/", "/podcasts/", "/podcasts/new/", "/podcasts/updated/", "/podcasts/trending/"]
    urls = [(absolute(path), None) for path in [*fixed, "/radio/"]]
    # The tree's categories only: feeds' other names are not pages of their own.
    categories = Category.objects.filter(in_tree=True).order_by("pk")
    urls += [(absolute(c.get_absolute_url()), None) for c in categories]
    return render(request, "sitemaps/urls.xml", {"urls": urls}, content_type="application/xml")


@require_GET
def sitemap_section(request, section: str, number: int):
    if number < 1:
        raise Http404
    first, last = (number - 1) * IDS_PER_SITEMAP + 1, number * IDS_PER_SITEMAP
    absolute = absolute_url_maker(request)
    if section == "podcasts":
        rows = listed_podcasts().filter(pk__range=(first, last)).order_by("pk")
        urls = [
            (absolute(f"/podcasts/{slug}/"), updated)
            for slug, updated in rows.values_list("slug", "updated_at").iterator()
        ]
    elif section == "episodes":
        rows = Episode.objects.filter(pk__range=(first, last)).order_by("pk")
        urls = [
            (absolute(f"/podcasts/{show}/{slug}/"), updated)
            for show, slug, updated in rows.values_list(
                "podcast__slug", "slug", "updated_at"
            ).iterator()
        ]
    elif section == "stations":
        # Working stations only; changed_at moves when the directory entry changes
        # (updated_at also moves with every click and check).
        rows = Station.objects.filter(pk__range=(first, last), broken=False).order_by("pk")
        urls = [
            (absolute(f"/radio/{slug}/"), changed)
            for slug, changed in rows.values_list("slug", "changed_at").iterator()
        ]
    elif section == "people":
        rows = Person.objects.filter(pk__range=(first, last)).order_by("pk")
        urls = [
            (absolute(f"/people/{slug}/"), updated)
            for slug, updated in rows.values_list("slug", "updated_at").iterator()
        ]
    else:
        raise Http404
    models = {"podcasts": Podcast, "episodes": Episode, "stations": Station, "people": Person}
    if not urls and number > page_count(models[section]):
        raise Http404
    return render(request, "sitemaps/urls.xml", {"urls": urls}, content_type="application/xml")
