"""The Podcasting 2.0 tags on the show and episode pages, and the person page: what
they show, what they cost, that they are cacheable, and hostile input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from airwaves.podcasts.models import Episode, EpisodePerson, Person, Podcast
from tests.tags.test_store_tags import CORPUS, make_podcast, store

pytestmark = pytest.mark.django_db
START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def fieldnotes() -> Podcast:
    podcast = make_podcast()
    store(podcast, CORPUS)
    podcast.refresh_from_db()
    return podcast


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_episode_page_shows_people_labels_location_and_funding(client, fieldnotes):
    page = text(client.get(Episode.objects.get(guid="fn-204").get_absolute_url()))
    assert '<a class="person-link" href="/people/kemi-adeyemi/">' in page
    assert '<strong class="person-name">Kemi Adeyemi</strong>' in page
    assert '<span class="muted person-role">Guest</span>' in page
    assert 'href="https://kemi.example.com/" rel="nofollow ugc noopener">Website</a>' in page
    # Our thumbnail of the person's image, never the publisher's original.
    assert "https://kemi.example.com/me.png" not in page
    assert "Season 2: Rivers" in page and ">Ch. 4<" in page
    assert "📍 Balogun Market" in page
    assert "Support this show" in page
    assert 'href="https://fieldnotes.example.com/support" rel="nofollow ugc noopener"' in page
    assert "javascript:" not in page


def test_an_episode_without_people_shows_the_shows_hosts_and_is_labelled_bonus(client, fieldnotes):
    page = text(client.get(Episode.objects.get(guid="fn-bonus-1").get_absolute_url()))
    assert '<strong class="person-name">Ada Okafor</strong>' in page
    assert "Kemi Adeyemi" not in page
    assert '<span class="chip episode-type">Bonus</span>' in page
    assert "Season 3" in page and "Episode 7" in page


def test_the_show_page_lists_live_items_people_trailers_and_funding(client, fieldnotes):
    page = text(client.get(fieldnotes.get_absolute_url()))
    live = page.index("Live now")
    upcoming = page.index("Upcoming")
    assert live < upcoming
    assert "Unknown status" not in page
    # Only the item on air can be played.
    buttons = re.findall(r"<button [^>]*data-player-play[^>]*>", page)
    listen = [b for b in buttons if "live-" in b]
    assert len(listen) == 1
    assert 'data-src="https://stream.example.com/live.mp3"' in listen[0]
    assert 'data-title="Friday night live"' in listen[0]
    assert '<a class="small" href="https://youtube.example.com/live"' in page
    assert "Mar 6, 2026, 23:00 UTC" in page
    assert '<strong class="person-name">Tomás Reyes</strong>' in page
    assert "Producer" in page
    assert "Season 2 trailer" in page and "📍 Lagos, Nigeria" in page
    assert ">cc-by-4.0</a>" in page
    assert '<span class="chip episode-type">Bonus</span>' in page  # in the episode list
    assert "Patreon" in page


def test_the_person_page_lists_their_shows_and_episodes(client, fieldnotes):
    page = text(client.get("/people/ada-okafor/"))
    assert "<h1>Ada Okafor</h1>" in page
    assert "1 episode" in page
    assert '<span class="row-title">The river market</span>' in page
    assert '<span class="row-show">Field Notes Live</span>' in page
    assert f'href="{fieldnotes.get_absolute_url()}"' in page
    assert '<a href="https://ada.example.com/" rel="nofollow ugc noopener">Website</a>' in page
    assert '"@type": "Person"' in page or '"@type":"Person"' in page


def test_an_unknown_person_is_a_404(client, db):
    assert client.get("/people/nobody/").status_code == 404


def test_a_name_with_markup_is_escaped(client, db):
    podcast = make_podcast()
    name = "&lt;script&gt;alert(1)&lt;/script&gt; Mallory"
    xml = (
        '<rss xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>S</title>'
        f"<item><title>E</title><guid>g</guid><podcast:person>{name}</podcast:person></item>"
        "</channel></rss>"
    )
    store(podcast, xml.encode())
    slug = Person.objects.get().slug
    for url in (f"/people/{slug}/", Episode.objects.get().get_absolute_url()):
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)" in page


def appearances(count: int) -> Person:
    """Ada on `count` episodes of as many shows (dated and undated)."""
    ada, _ = Person.objects.get_or_create(slug="ada", defaults={"name": "Ada"})
    have = ada.episode_count
    shows = Podcast.objects.bulk_create(
        Podcast(slug=f"show-{n}", feed_url=f"https://example.com/{n}.xml", title=f"Show {n}")
        for n in range(have, count)
    )
    episodes = Episode.objects.bulk_create(
        Episode(podcast=show, slug="e", guid="e", title=f"Episode of {show.title}")
        for show in shows
    )
    EpisodePerson.objects.bulk_create(
        EpisodePerson(person=ada, episode=e, role="guest", sort_at=START + timedelta(hours=n))
        for n, e in enumerate(episodes, start=have)
    )
    Person.objects.filter(pk=ada.pk).update(episode_count=count)
    return ada


def person_queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    for query in queries.captured_queries:
        assert not re.search(r"\bCOUNT\(", query["sql"], re.I), query["sql"]
    return len(queries)


def test_the_person_page_costs_the_same_for_10_and_1000_episodes(client, db):
    appearances(10)
    small = [person_queries(client, "/people/ada/"), person_queries(client, "/people/ada/?page=1")]
    appearances(1000)
    large = [person_queries(client, "/people/ada/"), person_queries(client, "/people/ada/?page=50")]
    assert large == small
    page = text(client.get("/people/ada/?page=50"))
    assert "Page 50 of 50" in page
    # The last page holds the oldest episodes, read from the index's other end.
    assert "Episode of Show 0<" in page


def test_the_person_pages_run_newest_first_across_pages(client, db):
    appearances(45)
    titles = []
    for number in (1, 2, 3):
        response = client.get("/people/ada/", {"page": number})
        titles += re.findall(r'<span class="row-title">([^<]+)</span>', response.content.decode())
    assert titles == [f"Episode of Show {n}" for n in range(44, -1, -1)]


def test_hostile_page_numbers_give_a_page(client, db):
    appearances(30)
    for page in ["abc", "-1", "0", "999999", "1" * 40, "%00", "2.5"]:
        assert client.get("/people/ada/", {"page": page}).status_code == 200, page


def test_the_person_page_is_cached_for_everyone(client, fieldnotes, django_assert_num_queries):
    first = client.get("/people/ada-okafor/")
    assert first.status_code == 200
    assert not first.cookies
    assert "cookie" not in first.get("Vary", "").lower()
    assert first["Cache-Control"].startswith("public, max-age=")
    with django_assert_num_queries(0):
        again = client.get("/people/ada-okafor/")
    assert again.content == first.content


def test_the_sitemap_lists_the_person_pages(client, fieldnotes):
    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemaps/people-1.xml" in index
    part = client.get("/sitemaps/people-1.xml").content.decode()
    for slug in ("ada-okafor", "kemi-adeyemi", "tomas-reyes"):
        assert f"<loc>http://testserver/people/{slug}/</loc>" in part


def test_the_admin_finds_people(admin_client, fieldnotes):
    page = admin_client.get("/admin/podcasts/person/", {"q": "okafor"}).content.decode()
    assert "Ada Okafor" in page and "Kemi Adeyemi" not in page
