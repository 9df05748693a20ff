"""People named in feeds' <podcast:person> tags: who they are, their shows, and their
episodes across shows, read by anybody (the same rows as the person page)."""

from __future__ import annotations

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from airwaves.api import cursors
from airwaves.api.catalogue import ERRORS, category_slugs
from airwaves.api.errors import ApiError, not_found
from airwaves.api.pages import DEFAULT_LIMIT, MAX_LIMIT
from airwaves.api.schemas import EpisodeOut, ShowOut, absolute, episode_out, show_out
from airwaves.podcasts.models import EpisodePerson, Person, PodcastPerson

router = Router(tags=["people"])
SHOWS_LISTED = 24


class PersonShow(Schema):
    role: str
    group: str
    show: ShowOut


class PersonOut(Schema):
    slug: str
    name: str
    url: str = Field(description="The person's page on this site")
    img: str
    href: str = Field(description="The person's own page, as the feed gives it")
    episode_count: int
    shows: list[PersonShow] = Field(description=f"Up to {SHOWS_LISTED} shows they are part of")


class Appearance(Schema):
    role: str
    group: str
    episode: EpisodeOut


class AppearancePage(Schema):
    items: list[Appearance]
    next: str | None


def person_by_slug(slug: str) -> Person:
    who = Person.objects.filter(slug=slug[:120]).first()
    if who is None:
        raise not_found(f"No person has the slug {slug[:120]!r}.")
    return who


@router.get("/people/{slug}", response={200: PersonOut, **ERRORS})
def get_person(request, slug: str):
    who = person_by_slug(slug)
    links = list(
        PodcastPerson.objects.filter(person=who)
        .filter(~Q(podcast__title=""), podcast__moved_to=None)
        .select_related("podcast")
        .order_by("position", "podcast_id")[:SHOWS_LISTED]
    )
    listed = links
    slugs = category_slugs([link.podcast for link in listed])
    return {
        "slug": who.slug,
        "name": who.name,
        "url": absolute(request, who.get_absolute_url()),
        "img": who.img,
        "href": who.href,
        "episode_count": who.episode_count,
        "shows": [
            {
                "role": link.role,
                "group": link.group,
                "show": show_out(request, link.podcast, slugs.get(link.podcast.category_id)),
            }
            for link in listed
        ],
    }


# Newest first, undated episodes last: the person page's order, on the index
# episode_person_newest (undated episodes are stored at the epoch in sort_at).
def appearances_after(key: list) -> Q:
    at = cursors.as_datetime(key[0])
    return Q(sort_at__lt=at) | Q(sort_at=at, id__lt=key[1])


@router.get("/people/{slug}/episodes", response={200: AppearancePage, **ERRORS})
def list_appearances(
    request,
    slug: str,
    cursor: str | None = Query(None, max_length=512),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """The episodes a person appears in, across shows, newest first."""
    who = person_by_slug(slug)
    list_name = f"person:{who.pk}"
    # Only episodes of listed shows (podcasts.models.LISTED), as everywhere in the API.
    rows = EpisodePerson.objects.filter(person=who).filter(
        ~Q(episode__podcast__title=""), episode__podcast__moved_to=None
    )
    key = cursors.decode(cursor, list_name)
    if key is not None:
        if len(key) != 2 or not isinstance(key[1], int) or cursors.as_datetime(key[0]) is None:
            raise ApiError(400, "invalid_cursor", "This cursor belongs to another list.", "cursor")
        rows = rows.filter(appearances_after(key))
    found = list(rows.select_related("episode__podcast").order_by("-sort_at", "-id")[: limit + 1])
    following = None
    if len(found) > limit:
        last = found[limit - 1]
        following = cursors.encode(list_name, last.sort_at, last.pk)
    items = [
        {
            "role": row.role,
            "group": row.group,
            "episode": episode_out(request, row.episode, row.episode.podcast.slug),
        }
        for row in found[:limit]
    ]
    return {"items": items, "next": following}
