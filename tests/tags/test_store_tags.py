"""Stored Podcasting 2.0 tags: the show's and episodes' JSON copies and the people
tables, kept current by refreshes (replaced, never duplicated)."""

from __future__ import annotations

from pathlib import Path

import pytest

from airwaves.artwork.models import QueuedImageURL
from airwaves.crawler.parse import parse_feed
from airwaves.crawler.process import channel_fingerprint, process_feed
from airwaves.crawler.store import FeedMeta, known_items, store_feed, stored_episodes
from airwaves.crawler.store_people import person_slug
from airwaves.podcasts.models import Episode, EpisodePerson, Person, Podcast, PodcastPerson

pytestmark = pytest.mark.django_db
CORPUS = (Path(__file__).parent.parent / "crawler" / "testdata" / "p20_tags.xml").read_bytes()
NS = 'xmlns:podcast="https://podcastindex.org/namespace/1.0"'


def make_podcast(url: str = "https://fieldnotes.example.com/feed.xml") -> Podcast:
    return Podcast.objects.create(feed_url=url, slug=Podcast.placeholder_slug(url))


def store(podcast: Podcast, xml: bytes) -> None:
    """What a refresh does with fetched bytes (crawler/refresh.py)."""
    stored = stored_episodes(podcast.pk)
    parsed = parse_feed(xml, url=podcast.feed_url, known=known_items(stored))
    meta = FeedMeta(channel_hash=channel_fingerprint(parsed))
    store_feed(podcast.pk, process_feed(parsed, base_url=podcast.feed_url), meta, stored)


def feed(channel_people: list[str], items: dict[str, list[str]], title: str = "Show") -> bytes:
    def people(names):
        return "".join(f"<podcast:person>{name}</podcast:person>" for name in names)

    entries = "".join(
        f"<item><title>{guid}</title><guid>{guid}</guid>"
        f"<pubDate>Mon, 0{n + 1} Jun 2026 10:00:00 GMT</pubDate>{people(names)}</item>"
        for n, (guid, names) in enumerate(items.items())
    )
    return (
        f'<rss version="2.0" {NS}><channel><title>{title}</title>'
        f"{people(channel_people)}{entries}</channel></rss>"
    ).encode()


def appearances(podcast: Podcast) -> list[tuple[str, str, str]]:
    rows = EpisodePerson.objects.filter(episode__podcast=podcast).order_by(
        "episode__guid", "person__name"
    )
    return list(rows.values_list("episode__guid", "person__name", "role"))


def test_the_corpus_feed_stores_its_tags_and_people():
    podcast = make_podcast()
    store(podcast, CORPUS)
    podcast.refresh_from_db()

    assert [f["url"] for f in podcast.p20["funding"]] == [
        "https://fieldnotes.example.com/support",
        "https://patreon.example.com/fieldnotes",
    ]
    assert podcast.p20["location"] == {
        "name": "Lagos, Nigeria",
        "geo": "geo:6.5244,3.3792",
        "osm": "R3720878",
        "rel": "creator",
    }
    assert podcast.p20["trailers"][0]["published"] == "2026-01-01T08:00:00+00:00"
    live, pending = podcast.p20["live_items"]
    assert (live["status"], live["enclosure_url"]) == (
        "live",
        "https://stream.example.com/live.mp3",
    )
    assert live["persons"][0]["slug"] == "ada-okafor"
    assert pending["status"] == "pending"
    assert podcast.p20["persons"][0] == {
        "name": "Ada Okafor",
        "role": "host",
        "group": "cast",
        "img": "https://fieldnotes.example.com/ada.jpg",
        "href": "https://ada.example.com/",
        "slug": "ada-okafor",
    }

    episode = Episode.objects.get(guid="fn-204")
    assert (episode.season, episode.number) == (2, 204)
    assert episode.p20["season_name"] == "Rivers"
    assert episode.p20["episode_display"] == "Ch. 4"
    assert episode.p20["soundbites"] == [
        {"start": 73.0, "duration": 60.5, "title": "The best haggle"}
    ]
    assert episode.p20["alternate_enclosures"][0]["sources"] == [
        {"uri": "https://cdn.example.com/204.opus"}
    ]
    assert Episode.objects.get(guid="fn-bonus-1").episode_type == "bonus"

    shows = PodcastPerson.objects.filter(podcast=podcast).order_by("position")
    assert list(shows.values_list("person__slug", "role", "group")) == [
        ("ada-okafor", "host", "cast"),
        ("tomas-reyes", "producer", "writing"),
    ]
    assert appearances(podcast) == [
        ("fn-204", "Ada Okafor", "host"),
        ("fn-204", "Kemi Adeyemi", "guest"),
    ]
    ada = Person.objects.get(slug="ada-okafor")
    # The image and link the channel gives, kept though the item gives none.
    assert (ada.img, ada.href, ada.episode_count) == (
        "https://fieldnotes.example.com/ada.jpg",
        "https://ada.example.com/",
        1,
    )
    queued = set(QueuedImageURL.objects.values_list("url", flat=True))
    assert {"https://fieldnotes.example.com/ada.jpg", "https://kemi.example.com/me.png"} <= queued


def test_refreshes_replace_people_and_never_duplicate_them():
    podcast = make_podcast()
    store(podcast, feed(["Host One"], {"e1": ["Guest A", "Host One"], "e2": ["Guest B"]}))
    store(podcast, feed(["Host One"], {"e1": ["Guest A", "Host One"], "e2": ["Guest B"]}))
    assert appearances(podcast) == [
        ("e1", "Guest A", "host"),
        ("e1", "Host One", "host"),
        ("e2", "Guest B", "host"),
    ]
    store(podcast, feed(["Host Two"], {"e1": ["Guest C"], "e2": ["Guest B"], "e3": ["Guest A"]}))
    assert appearances(podcast) == [
        ("e1", "Guest C", "host"),
        ("e2", "Guest B", "host"),
        ("e3", "Guest A", "host"),
    ]
    assert list(PodcastPerson.objects.values_list("person__name", flat=True)) == ["Host Two"]
    counts = dict(Person.objects.values_list("name", "episode_count"))
    assert counts == {"Host One": 0, "Host Two": 0, "Guest A": 1, "Guest B": 1, "Guest C": 1}
    assert Episode.objects.get(guid="e1").p20["persons"] == [
        {"name": "Guest C", "role": "host", "group": "cast", "slug": "guest-c"}
    ]


def test_one_person_in_two_shows_is_one_person_with_both_episodes():
    first = make_podcast("https://one.example.com/feed.xml")
    second = make_podcast("https://two.example.com/feed.xml")
    store(first, feed([], {"a1": ["Sam Lee"]}, title="One"))
    store(second, feed([], {"b1": ["Sam Lee"], "b2": ["sam lee", "Sam Lee"]}, title="Two"))
    sam = Person.objects.get()
    assert sam.slug == "sam-lee" and sam.episode_count == 3
    assert EpisodePerson.objects.filter(person=sam).count() == 3


def test_a_person_listed_twice_in_an_item_is_one_row_with_both_roles():
    podcast = make_podcast()
    item = '<podcast:person role="host">Kit</podcast:person><podcast:person role="producer">Kit</podcast:person>'
    xml = f"<rss {NS}><channel><title>S</title><item><guid>g</guid>{item}</item></channel></rss>"
    store(podcast, xml.encode())
    assert appearances(podcast) == [("g", "Kit", "host, producer")]


def test_names_without_ascii_letters_get_a_slug_of_their_own():
    assert person_slug("宮崎駿") != person_slug("黒澤明")
    assert person_slug("宮崎駿").startswith("person-")
    assert person_slug("José Núñez") == "jose-nunez"


def test_thousands_of_people_in_one_feed_store_capped():
    podcast = make_podcast()
    many = [f"Person {n}" for n in range(3000)]
    store(podcast, feed(many, {f"e{n}": many for n in range(5)}))
    assert PodcastPerson.objects.filter(podcast=podcast).count() == 50
    assert EpisodePerson.objects.count() == 5 * 50
