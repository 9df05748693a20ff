"""GET /api/v1/people/<slug> and its episodes: the person page's rows as JSON, paged by
cursor newest first across shows, listed shows only, and the same cost at any size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from airwaves.podcasts.models import EpisodePerson, Person, Podcast, PodcastPerson
from tests.tags.test_pages_tags import appearances
from tests.tags.test_store_tags import CORPUS, make_podcast, store

pytestmark = pytest.mark.django_db


def test_a_person_is_listed_with_their_shows_and_episodes():
    podcast = make_podcast()
    store(podcast, CORPUS)
    podcast.refresh_from_db()  # the store names the show
    who = PodcastPerson.objects.filter(podcast=podcast).select_related("person").first().person
    client = Client()
    body = client.get(f"/api/v1/people/{who.slug}").json()
    assert body["name"] == who.name and body["url"].endswith(f"/people/{who.slug}/")
    assert [s["show"]["slug"] for s in body["shows"]] == [podcast.slug]
    episodes = client.get(f"/api/v1/people/{who.slug}/episodes").json()
    expected = EpisodePerson.objects.filter(person=who).order_by("-sort_at", "-id")
    assert [e["episode"]["id"] for e in episodes["items"]] == [
        row.episode_id for row in expected[:20]
    ]


def test_the_episodes_page_by_cursor_newest_first_and_stay_stable_under_inserts():
    ada = appearances(45)
    client = Client()
    first = client.get("/api/v1/people/ada/episodes?limit=20").json()
    appearances(60)  # newer rows arrive between the two requests
    second = client.get(f"/api/v1/people/ada/episodes?limit=20&cursor={first['next']}").json()
    ids = [e["episode"]["id"] for e in first["items"] + second["items"]]
    expected = list(
        EpisodePerson.objects.filter(person=ada)
        .order_by("-sort_at", "-id")
        .values_list("episode_id", flat=True)
    )
    # The second page goes on from where the first ended, whatever arrived since.
    start = expected.index(first["items"][0]["episode"]["id"])
    assert ids == expected[start : start + 40]


def test_the_cost_is_the_same_for_10_and_1000_episodes():
    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert Client().get("/api/v1/people/ada/episodes").status_code == 200
            assert Client().get("/api/v1/people/ada").status_code == 200
        return len(seen)

    appearances(10)
    small = queries()
    appearances(1000)
    assert queries() == small


def test_unlisted_shows_are_left_out_and_hostile_input_is_refused():
    ada = appearances(3)
    hidden = EpisodePerson.objects.filter(person=ada).first().episode.podcast
    Podcast.objects.filter(pk=hidden.pk).update(title="")
    client = Client()
    ids = [e["episode"]["id"] for e in client.get("/api/v1/people/ada/episodes").json()["items"]]
    assert len(ids) == 2 and hidden.pk not in [
        EpisodePerson.objects.get(episode_id=i).episode.podcast_id for i in ids
    ]
    missing = client.get("/api/v1/people/" + "x" * 5000)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    forged = client.get("/api/v1/people/ada/episodes?cursor=" + "A" * 400)
    assert forged.status_code == 400 and forged.json()["error"]["field"] == "cursor"
    other = client.get("/api/v1/shows?limit=1").json()["next"]
    if other:
        wrong = client.get(f"/api/v1/people/ada/episodes?cursor={other}")
        assert wrong.status_code == 400
    assert client.get("/api/v1/people/ada/episodes?limit=0").status_code == 422
    assert Person.objects.count() == 1
