"""Station pages: browse, station, votes, clicks, favourites and their export; the
now-playing event stream (the audio proxy is in proxy.py)."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import Count, F, Max
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from airwaves.lib.clients import request_client_address
from airwaves.listeners import guest
from airwaves.podcasts.structured import breadcrumbs
from airwaves.podcasts.views import absolute_url_maker
from airwaves.radio import exporters, gate, hub, structured, tallies
from airwaves.radio.asyncdb import run_db
from airwaves.radio.languages import language_name
from airwaves.radio.models import Station, StationFacet, StationFavourite

STATIONS_PER_PAGE = 48
SIMILAR_STATIONS = 8
# A title older than this was read by a listener long gone; it may not be on air now.
NOW_PLAYING_FRESH = timedelta(minutes=10)

ORDERS = {
    "votes": (("-votes", "name"), "Top voted stations"),
    "clicks": (("-click_count", "name"), "Most listened stations"),
    "changed": (("-changed_at", "-pk"), "Recently changed stations"),
}


def show_broken(request) -> bool:
    return request.GET.get("show_broken") == "1"


def stations(request=None):
    """Stations to list: without the broken ones, unless ?show_broken=1 asks for them."""
    rows = Station.objects.all()
    if request is None or not show_broken(request):
        rows = rows.filter(broken=False)
    return rows


def fresh_now_playing(station: Station) -> str:
    if station.now_playing and station.now_playing_at:
        if timezone.now() - station.now_playing_at < NOW_PLAYING_FRESH:
            return station.now_playing
    return ""


@require_GET
def index(request):
    listed = stations(request)
    countries = (
        listed.exclude(country_code="")
        .values("country_code")
        .annotate(count=Count("pk"), name=Max("country"))
        .order_by("-count", "country_code")[:60]
    )
    facet_rows = StationFacet.objects.filter(station__in=listed)
    languages = [
        {**row, "name": language_name(row["value"])}
        for row in facet_rows.filter(kind=StationFacet.Kind.LANGUAGE)
        .values("value")
        .annotate(count=Count("pk"))
        .order_by("-count", "value")[:40]
    ]
    tags = (
        facet_rows.filter(kind=StationFacet.Kind.TAG)
        .values("value")
        .annotate(count=Count("pk"))
        .order_by("-count", "value")[:60]
    )
    codecs = (
        listed.exclude(codec="")
        .values("codec")
        .annotate(count=Count("pk"))
        .order_by("-count", "codec")[:20]
    )
    context = {
        "top_voted": listed.order_by(*ORDERS["votes"][0])[:8],
        "most_listened": listed.filter(click_count__gt=0).order_by(*ORDERS["clicks"][0])[:8],
        "recently_changed": listed.order_by(*ORDERS["changed"][0])[:8],
        "countries": countries,
        "languages": languages,
        "tags": tags,
        "codecs": codecs,
        "station_count": listed.count(),
        "broken_count": Station.objects.filter(broken=True).count(),
        "show_broken": show_broken(request),
        "canonical": absolute_url_maker(request)(reverse("radio:index")),
        "trail": [("Live Radio", reverse("radio:index"))],
    }
    return render(request, "radio/index.html", context)


def _listing(request, rows, *, title: str, heading: str, trail_name: str, url: str, order="votes"):
    rows = rows.order_by(*ORDERS[order][0])
    page = Paginator(rows, STATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "title": title,
        "heading": heading,
        "show_broken": show_broken(request),
        "extra_query": "show_broken=1" if show_broken(request) else "",
        "canonical": absolute_url_maker(request)(url)
        + (f"?page={page.number}" if page.number > 1 else ""),
        "trail": [("Live Radio", reverse("radio:index")), (trail_name, url)],
    }
    return render(request, "radio/list.html", context)


@require_GET
def station_list(request, order: str):
    _, title = ORDERS[order]
    url = request.path
    return _listing(
        request,
        stations(request),
        title=title,
        heading=title,
        trail_name=title,
        url=url,
        order=order,
    )


@require_GET
def by_country(request, code: str):
    code = code.upper()
    rows = stations(request).filter(country_code=code)
    name = (
        Station.objects.filter(country_code=code)
        .exclude(country="")
        .values_list("country", flat=True)
        .first()
        or code
    )
    if not Station.objects.filter(country_code=code).exists():
        raise Http404("No stations from this country")
    return _listing(
        request,
        rows,
        title=f"Radio stations from {name}",
        heading=f"Live radio from {name}",
        trail_name=name,
        url=reverse("radio:country", args=[code.lower()]),
    )


def _by_facet(request, kind: str, value: str, *, title: str, heading: str, trail: str, url: str):
    value = " ".join(value.split()).lower()
    matching = StationFacet.objects.filter(kind=kind, value=value)
    if not matching.exists():
        raise Http404("No such stations")
    rows = stations(request).filter(pk__in=matching.values("station_id"))
    return _listing(request, rows, title=title, heading=heading, trail_name=trail, url=url)


@require_GET
def by_language(request, code: str):
    name = language_name(code)
    return _by_facet(
        request,
        StationFacet.Kind.LANGUAGE,
        code,
        title=f"Radio stations in {name}",
        heading=f"Live radio in {name}",
        trail=name,
        url=reverse("radio:language", args=[code.lower()]),
    )


@require_GET
def by_tag(request, tag: str):
    return _by_facet(
        request,
        StationFacet.Kind.TAG,
        tag,
        title=f"{tag} radio stations",
        heading=f"{tag.capitalize()} radio",
        trail=tag,
        url=reverse("radio:tag", args=[tag.lower()]),
    )


@require_GET
def by_codec(request, codec: str):
    codec = codec.upper()
    if not Station.objects.filter(codec=codec).exists():
        raise Http404("No stations with this codec")
    return _listing(
        request,
        stations(request).filter(codec=codec),
        title=f"{codec} radio stations",
        heading=f"Stations streaming {codec}",
        trail_name=codec,
        url=reverse("radio:codec", args=[codec.lower()]),
    )


def similar_stations(station: Station, limit: int = SIMILAR_STATIONS) -> list[Station]:
    """Working stations sharing the most tags with `station`, then from its country."""
    found: list[Station] = []
    tags = station.tag_list
    if tags:
        found = list(
            Station.objects.filter(
                broken=False,
                facets__kind=StationFacet.Kind.TAG,
                facets__value__in=tags,
            )
            .exclude(pk=station.pk)
            .annotate(shared=Count("facets"))
            .order_by("-shared", "-votes", "name")[:limit]
        )
    if len(found) < limit and station.country_code:
        found += list(
            Station.objects.filter(broken=False, country_code=station.country_code)
            .exclude(pk__in=[station.pk, *[s.pk for s in found]])
            .order_by("-votes", "name")[: limit - len(found)]
        )
    return found


@require_GET
def station(request, slug: str):
    item = get_object_or_404(Station, slug=slug)
    absolute = absolute_url_maker(request)
    trail = [("Live Radio", reverse("radio:index"))]
    if item.country_code:
        trail.append(
            (
                item.country or item.country_code,
                reverse("radio:country", args=[item.country_code.lower()]),
            )
        )
    trail.append((item.name, item.get_absolute_url()))
    play_url = reverse("radio:stream", args=[item.slug]) if item.needs_proxy else item.stream_url
    share_image = absolute(reverse("radio:share-image", args=[item.slug]))
    context = {
        "station": item,
        "trail": trail,
        "languages": [(code, language_name(code)) for code in item.language_code_list],
        "similar": similar_stations(item),
        "play_url": play_url,
        "now_playing": fresh_now_playing(item),
        "voted": {"1": True, "0": False}.get(request.GET.get("voted", "")),
        "is_favourite": is_favourite(request, item),
        "canonical": absolute(item.get_absolute_url()),
        "share_image": share_image,
        "jsonld": [
            structured.radio_station(item, absolute, image=share_image),
            breadcrumbs(trail, absolute),
        ],
    }
    return render(request, "radio/station.html", context)


def is_fragment_request(request) -> bool:
    """An htmx request for a piece of the page (the heart or vote button), not a
    boosted navigation, which wants the whole page."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


@require_POST
def vote(request, slug: str):
    item = get_object_or_404(Station, slug=slug)
    counted = tallies.record_vote(item.pk, request_client_address(request))
    if is_fragment_request(request):
        item.refresh_from_db(fields=["votes"])
        return render(request, "radio/partials/vote.html", {"station": item, "voted": counted})
    return HttpResponseRedirect(item.get_absolute_url() + ("?voted=1" if counted else "?voted=0"))


@require_POST
def click(request, slug: str):
    """The page's player reports a play here (streams played directly, not through
    the proxy, are counted no other way)."""
    item = get_object_or_404(Station, slug=slug)
    counted = tallies.record_click(item.pk, request_client_address(request))
    return JsonResponse({"counted": counted})


def favourite_station_ids(request, stations: dict[int, Station]) -> set[int]:
    """Which of these stations the visitor hearted, in one query at most."""
    if not stations:
        return set()
    if request.user.is_authenticated:
        return set(
            StationFavourite.objects.filter(user=request.user, station__in=stations).values_list(
                "station_id", flat=True
            )
        )
    return {pk for pk in stations if guest.is_station_favourite(request.session, pk)}


def is_favourite(request, station: Station) -> bool:
    if request.user.is_authenticated:
        return StationFavourite.objects.filter(user=request.user, station=station).exists()
    return guest.is_station_favourite(request.session, station.pk)


@require_POST
def toggle_favourite(request, slug: str):
    """Hearts or un-hearts the station: in the account, or for a guest in the session
    (moved into their account when they log in, like hearted episodes)."""
    item = get_object_or_404(Station, slug=slug)
    if request.user.is_authenticated:
        deleted, _ = StationFavourite.objects.filter(user=request.user, station=item).delete()
        if not deleted:
            StationFavourite.objects.get_or_create(user=request.user, station=item)
        hearted = not deleted
    else:
        hearted = guest.toggle_station_favourite(request.session, item.pk)
    if is_fragment_request(request):
        context = {"station": item, "is_favourite": hearted}
        return render(request, "radio/partials/heart.html", context)
    return HttpResponseRedirect(item.get_absolute_url())


def _favourite_stations(request) -> list[Station]:
    """The listener's favourite stations, newest hearted first."""
    if request.user.is_authenticated:
        return [
            row.station
            for row in StationFavourite.objects.filter(user=request.user)
            .select_related("station")
            .order_by("-created_at", "-pk")
        ]
    ids = [pk for pk, _ in reversed(guest.station_favourites(request.session))]
    found = Station.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


@require_GET
def favourites(request):
    return render(request, "radio/favourites.html", {"stations": _favourite_stations(request)})


@require_GET
def export_favourites(request, fmt: str):
    rows = _favourite_stations(request)
    if fmt == "m3u":
        body, content_type, ext = exporters.stations_m3u(rows), "audio/x-mpegurl", "m3u"
    else:
        body, content_type, ext = exporters.stations_json(rows), "application/json", "json"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="favourite-stations.{ext}"'
    return response


def _station_for_events(slug: str) -> Station:
    return get_object_or_404(
        Station.objects.only(
            "pk", "slug", "url", "url_resolved", "hls", "now_playing", "now_playing_at"
        ),
        slug=slug,
    )


class EventsBody:
    """The events response's body: gives the stream's place at the gate back when the
    stream ends, or when Django closes a response that was never read."""

    def __init__(self, events, ticket: gate.Ticket) -> None:
        self.events = events
        self.ticket = ticket

    async def __aiter__(self):
        try:
            async for event in self.events:
                yield event
        finally:
            self.ticket.release()

    def close(self) -> None:
        self.ticket.release_threadsafe()


@require_GET
async def station_events(request, slug: str):
    """Server-sent events: the title on air now, then every change (see hub.py); at most
    so many open per client and per process (gate.py)."""
    ticket = gate.admit(gate.EVENTS, request)
    if isinstance(ticket, HttpResponse):
        return ticket
    try:
        item = await run_db(_station_for_events, slug)
    except BaseException:
        ticket.release()
        raise
    response = StreamingHttpResponse(
        EventsBody(hub.event_stream(item, initial=fresh_now_playing(item)), ticket),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache, no-store"
    # nginx would otherwise hold events back in its buffer.
    response["X-Accel-Buffering"] = "no"
    response["X-Robots-Tag"] = "noindex"
    return response


def home_stations(limit: int = 6) -> list[Station]:
    """Working stations for the home page: checked OK, most voted first."""
    return list(
        Station.objects.filter(broken=False).order_by(
            F("last_check_ok").desc(nulls_last=True), "-votes", "name"
        )[:limit]
    )
