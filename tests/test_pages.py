"""Home, show, category and search pages; sitemaps, robots.txt, healthz.

The heart button and favourites are tested in tests/listeners/."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree, html

from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, store_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.podcasts.models import Episode, Podcast

BACKEND_SHOW = "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return html.fromstring(response.content)


def make_show(episode_count: int) -> Podcast:
    podcast = Podcast.objects.create(feed_url="https://example.com/long.xml", slug="long")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = [
        ParsedEpisode(guid=f"e{n}", title=f"Episode {n}", published=start + timedelta(days=n))
        for n in range(1, episode_count + 1)
    ]
    feed = ParsedFeed(title="Long Show", author="A. Host", episodes=items)
    store_feed(podcast.pk, process_feed(feed), FeedMeta())
    podcast.refresh_from_db()
    return podcast


def test_the_show_page_lists_episodes_newest_first_in_pages(client, db):
    podcast = make_show(25)

    first = page(client, podcast.get_absolute_url())
    titles = [t.text_content() for t in first.xpath('//span[@class="row-title"]')]
    assert titles[:3] == ["Episode 25", "Episode 24", "Episode 23"]
    assert len(titles) == 20
    assert first.xpath('//a[@rel="next"]/@href') == ["?page=2"]

    second = page(client, podcast.get_absolute_url() + "?page=2")
    titles = [t.text_content() for t in second.xpath('//span[@class="row-title"]')]
    assert titles == ["Episode 5", "Episode 4", "Episode 3", "Episode 2", "Episode 1"]


def test_the_show_page_has_artwork_description_author_and_category(client, demo):
    doc = page(client, BACKEND_SHOW)
    text = " ".join(doc.text_content().split())

    assert doc.xpath("//h1")[0].text_content() == "The Backend Engineering Show with Hussein Nasser"
    assert "by Hussein Nasser" in text
    assert "Welcome to the Backend Engineering Show" in text
    assert doc.xpath('//a[@class="chip"]/text()')[0] == "Technology"
    assert doc.xpath('//img[contains(@class,"artwork large")]/@src')
    assert doc.xpath('//a[contains(@class,"follow")]/text()') == ["+ Subscribe"]
    scripts = [json.loads(s.text) for s in doc.xpath('//script[@type="application/ld+json"]')]
    series = next(s for s in scripts if s["@type"] == "PodcastSeries")
    assert series["name"] == "The Backend Engineering Show with Hussein Nasser"
    assert series["genre"] == "Technology"


def test_the_home_page_shows_latest_episodes_categories_and_radio(client, demo):
    doc = page(client, "/")
    latest = [t.text_content() for t in doc.xpath('//span[@class="row-title"]')]
    assert latest[0] == "My new book - Root cause, Stories from two decades of backend bugs"
    categories = doc.xpath('//h3[@class="category-h"]/a/text()')
    assert set(categories) == {"Arts", "Science", "Technology"}
    radio = " ".join(doc.xpath('//section[@id="live-radio"]')[0].text_content().split())
    assert "No radio stations are on air here yet" in radio


def test_the_home_page_of_an_empty_directory_says_so_to_visitors(client, db):
    doc = page(client, "/")
    assert "No episodes yet" in doc.text_content()
    assert "airwaves add URL" not in doc.text_content()  # staff only


def test_category_and_index_pages_list_shows(client, demo):
    doc = page(client, "/categories/science/")
    assert doc.xpath('//ul[@class="show-grid"]//span/text()') == ["Small Science"]
    # A parent category lists shows filed under its subcategories too.
    doc = page(client, "/podcasts/")
    assert len(doc.xpath('//ul[@class="show-grid"]/li')) == 3


def test_search_finds_shows_and_episodes(client, demo):
    doc = page(client, "/search?q=vacuum")
    assert doc.xpath('//span[@class="row-title"]/text()') == [
        "Postgres vacuum, explained without the fear"
    ]
    doc = page(client, "/search?q=nothing-matches-this")
    assert "Nothing matches" in doc.text_content()


def test_the_sitemap_index_leads_to_every_show_and_episode(client, demo):
    response = client.get("/sitemap.xml")
    assert response["Content-Type"].startswith("application/xml")
    index = etree.fromstring(response.content)
    parts = index.xpath("//s:sitemap/s:loc/text()", namespaces=SITEMAP_NS)
    assert "http://testserver/sitemaps/episodes-1.xml" in parts

    urls = []
    for part in parts:
        body = client.get(part.removeprefix("http://testserver")).content
        urls += etree.fromstring(body).xpath("//s:url/s:loc/text()", namespaces=SITEMAP_NS)
    for episode in Episode.objects.select_related("podcast"):
        assert "http://testserver" + episode.get_absolute_url() in urls
    assert "http://testserver" + BACKEND_SHOW in urls


def test_sitemap_parts_cover_id_ranges(client, demo, monkeypatch):
    from airwaves.podcasts import sitemaps

    monkeypatch.setattr(sitemaps, "IDS_PER_SITEMAP", 4)
    count = Episode.objects.count()
    index = etree.fromstring(client.get("/sitemap.xml").content)
    parts = [p for p in index.xpath("//s:loc/text()", namespaces=SITEMAP_NS) if "episodes-" in p]
    assert len(parts) == -(-max(Episode.objects.values_list("pk", flat=True)) // 4)
    seen = 0
    for part in parts:
        body = client.get(part.removeprefix("http://testserver")).content
        seen += len(etree.fromstring(body).xpath("//s:url", namespaces=SITEMAP_NS))
    assert seen == count
    # Past the last part (ids depend on what ran before: PostgreSQL's sequences are not
    # rolled back with the tests' transactions).
    assert client.get(f"/sitemaps/episodes-{len(parts) + 1}.xml").status_code == 404


def test_robots_txt_points_at_the_sitemap(client, db):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /admin/" in body


def test_healthz_reports_ok(client, db):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}


def test_the_demo_loads_the_seed_episode_and_is_idempotent(demo):
    from airwaves.demo.load import load_demo

    load_demo()
    episode = Episode.objects.get(
        slug="my-new-book-root-cause-stories-from-two-decades-of-backend-bugs"
    )
    assert episode.duration == 9 * 60 + 48
    assert episode.published_at.date().isoformat() == "2026-04-15"
    assert episode.podcast.category.name == "Technology"
    assert episode.podcast.episodes.count() >= 3
    assert Podcast.objects.count() == 3
    assert Episode.objects.count() == 9


@pytest.mark.parametrize(
    "url",
    ["/search?q=a%00b", "/radio/tag/a%00b/", "/radio/country/a%00/", "/podcasts/?page=%00"],
)
def test_a_nul_character_in_the_address_is_a_clear_400(client, demo, url):
    response = client.get(url)
    assert response.status_code == 400
    assert b"NUL character" in response.content
