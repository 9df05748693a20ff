"""Writes the Podcasting 2.0 tags of a stored feed: the JSON copies on the show and
episode rows (`p20`), and the people tables (podcasts/people_models.py).

Called by store.py inside the feed's transaction, with the show's row locked, so two
refreshes of one feed never write its people at once. People are shared by every
feed: a new name is inserted ignoring conflicts (another feed's refresh may insert it
at the same moment), and episode counts move by increments, which commute.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from airwaves.artwork.models import QueuedImageURL
from airwaves.crawler.types import ChannelTags, ItemTags, ParsedEpisode
from airwaves.crawler.types import Person as ParsedPerson
from airwaves.lib.slugs import slugify
from airwaves.podcasts.models import Episode
from airwaves.podcasts.people_models import EpisodePerson, Person, PodcastPerson

# Undated episodes sort after every dated one on the person page (EpisodePerson.sort_at).
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)
_NO_TAGS = {ItemTags: ItemTags(), ChannelTags: ChannelTags()}
_CHUNK = 500  # keys per IN (...), well under SQLite's bound on parameters


def person_slug(name: str) -> str:
    """The person page's slug: the name's, or one made from a digest of it for names
    with no ASCII letters ("宮崎駿" has no slugify() answer)."""
    slug = slugify(name, max_length=100)
    if slug:
        return slug
    digest = hashlib.blake2b(name.casefold().encode(), digest_size=6).hexdigest()
    return f"person-{digest}"


def _jsonable(value: Any) -> Any:
    """asdict() output made JSON: datetimes as ISO 8601, empty values left out so a row
    carries only what its feed says."""
    if isinstance(value, dict):
        kept = {key: _jsonable(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in ("", None, [], {}, False)}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def tags_json(tags: ChannelTags | ItemTags) -> dict:
    """The `p20` column of a show or episode: the parsed tags, and each person's slug
    so pages link to the person page without a query."""
    if tags == _NO_TAGS.get(type(tags)):
        return {}  # most items: asdict() of nothing costs more than the rest of the row
    data = _jsonable(asdict(tags))
    for person in data.get("persons", ()):
        person["slug"] = person_slug(person["name"])
    for live in data.get("live_items", ()):
        for person in live.get("persons", ()):
            person["slug"] = person_slug(person["name"])
    return data


def _people_ids(people: list[ParsedPerson]) -> dict[str, int]:
    """Person ids by slug for these people, making the missing rows; an image or link
    the feed gives replaces the stored one (the newest feed to say wins)."""
    wanted: dict[str, ParsedPerson] = {}
    for person in people:
        slug = person_slug(person.name)
        have = wanted.get(slug)
        if have is None:
            wanted[slug] = ParsedPerson(person.name, "", "", person.img, person.href)
        else:
            have.img, have.href = have.img or person.img, have.href or person.href
    ids: dict[str, int] = {}
    slugs = list(wanted)
    stored = []
    for start in range(0, len(slugs), _CHUNK):
        chunk = slugs[start : start + _CHUNK]
        stored += Person.objects.filter(slug__in=chunk).values_list("pk", "slug", "img", "href")
    changed_images = []
    for pk, slug, img, href in stored:
        ids[slug] = pk
        person = wanted[slug]
        new_img, new_href = person.img or img, person.href or href
        if (new_img, new_href) != (img, href):
            Person.objects.filter(pk=pk).update(img=new_img, href=new_href)
            if new_img != img:
                changed_images.append(new_img)
    missing = [slug for slug in slugs if slug not in ids]
    if missing:
        Person.objects.bulk_create(
            [
                Person(
                    slug=slug, name=wanted[slug].name, img=wanted[slug].img, href=wanted[slug].href
                )
                for slug in missing
            ],
            ignore_conflicts=True,
        )
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            ids.update(
                (slug, pk)
                for pk, slug in Person.objects.filter(slug__in=chunk).values_list("pk", "slug")
            )
        changed_images += [wanted[slug].img for slug in missing if wanted[slug].img]
    if changed_images:
        # Person images are served as our thumbnails, like every image a page shows.
        QueuedImageURL.objects.bulk_create(
            [QueuedImageURL(url=url, fit="cover") for url in dict.fromkeys(changed_images)]
        )
    return ids


def _merged(people: list[ParsedPerson]) -> dict[str, tuple[str, str]]:
    """(roles, group) by slug: a person listed twice ("host", "producer") is one row."""
    merged: dict[str, tuple[list[str], str]] = {}
    for person in people:
        roles, group = merged.setdefault(person_slug(person.name), ([], person.group))
        if person.role not in roles:
            roles.append(person.role)
    return {slug: (", ".join(roles)[:100], group) for slug, (roles, group) in merged.items()}


def set_show_people(podcast_id: int, people: list[ParsedPerson]) -> None:
    """The show's people, replaced by the channel's (a changed channel only)."""
    PodcastPerson.objects.filter(podcast_id=podcast_id).delete()
    if not people:
        return
    ids = _people_ids(people)
    PodcastPerson.objects.bulk_create(
        PodcastPerson(
            podcast_id=podcast_id, person_id=ids[slug], role=role, group=group, position=n
        )
        for n, (slug, (role, group)) in enumerate(_merged(people).items())
    )


def set_episode_people(
    podcast_id: int, updated: list[tuple[int, ParsedEpisode]], created: list[ParsedEpisode]
) -> None:
    """The people of the episodes a store wrote: `updated` (episode id, item) lose their
    rows and get the item's; `created` items (ids not known yet) get theirs."""
    counts: dict[int, int] = {}
    updated_ids = [pk for pk, _ in updated]
    for start in range(0, len(updated_ids), _CHUNK):
        old = EpisodePerson.objects.filter(episode_id__in=updated_ids[start : start + _CHUNK])
        for person_id in old.values_list("person_id", flat=True):
            counts[person_id] = counts.get(person_id, 0) - 1
        old.delete()

    rows = [(pk, item) for pk, item in updated if item.tags.persons]
    new = [item for item in created if item.tags.persons]
    if new:
        guids = [item.guid for item in new]
        pks: dict[str, int] = {}
        for start in range(0, len(guids), _CHUNK):
            found = Episode.objects.filter(
                podcast_id=podcast_id, guid__in=guids[start : start + _CHUNK]
            )
            pks.update(found.values_list("guid", "pk"))
        rows += [(pks[item.guid], item) for item in new if item.guid in pks]
    if rows:
        ids = _people_ids([person for _, item in rows for person in item.tags.persons])
        appearances = []
        for pk, item in rows:
            for slug, (role, group) in _merged(item.tags.persons).items():
                person_id = ids[slug]
                counts[person_id] = counts.get(person_id, 0) + 1
                appearances.append(
                    EpisodePerson(
                        person_id=person_id,
                        episode_id=pk,
                        role=role,
                        group=group,
                        sort_at=item.published or UNDATED,
                    )
                )
        EpisodePerson.objects.bulk_create(appearances, batch_size=_CHUNK)
    changes = [(delta, pk) for pk, delta in counts.items() if delta]
    if changes:
        quote = connection.ops.quote_name
        table, column = quote(Person._meta.db_table), quote("episode_count")
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {column} = {column} + %s WHERE id = %s", changes
            )
