"""The person page (/people/<slug>/): who they are, the shows they host, and the
episodes they appear in across shows, newest first.

A page costs the same whatever the directory's size: the person by slug, the page's
keys from the index episode_person_newest, those rows with their episodes and shows,
the person's shows; the total is Person.episode_count, kept by the store.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from airwaves.podcasts import structured
from airwaves.podcasts.paging import IndexedRows, counted_page
from airwaves.podcasts.people_models import EpisodePerson, Person, PodcastPerson
from airwaves.podcasts.views import EPISODES_PER_PAGE, absolute_url_maker

SHOWS_LISTED = 24


@require_GET
def person(request, slug: str):
    who = get_object_or_404(Person, slug=slug)
    appearances = EpisodePerson.objects.filter(person=who).select_related("episode__podcast")
    rows = IndexedRows(
        appearances.order_by("-sort_at", "-pk"),
        count=who.episode_count,
        reverse=appearances.order_by("sort_at", "pk"),
    )
    page = counted_page(rows, EPISODES_PER_PAGE, request.GET.get("page"))
    page.object_list = [appearance.episode for appearance in page.object_list]
    shows = (
        PodcastPerson.objects.filter(person=who)
        .exclude(podcast__title="")
        .select_related("podcast")
        .order_by("position", "podcast_id")[:SHOWS_LISTED]
    )
    absolute = absolute_url_maker(request)
    trail = [("Podcasts", "/podcasts/"), (who.name, who.get_absolute_url())]
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": who.name,
        "url": absolute(who.get_absolute_url()),
    }
    if who.href:
        data["sameAs"] = who.href
    context = {
        "person": who,
        "page": page,
        "shows": shows,
        "trail": trail,
        "canonical": absolute(who.get_absolute_url())
        + (f"?page={page.number}" if page.number > 1 else ""),
        "jsonld": [data, structured.breadcrumbs(trail, absolute)],
    }
    return render(request, "podcasts/person.html", context)
