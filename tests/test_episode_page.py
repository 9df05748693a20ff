"""The episode page: every section of the reference page, its structured data, and honesty."""

from __future__ import annotations

import json

from lxml import html

from airwaves.artwork.keys import thumbnail_urls
from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, store_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.podcasts.models import Episode, Podcast

ROOT_CAUSE = (
    "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
    "my-new-book-root-cause-stories-from-two-decades-of-backend-bugs/"
)


def get_page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response, html.fromstring(response.content)


def jsonld_by_type(doc) -> dict[str, dict]:
    blocks = [json.loads(s.text) for s in doc.xpath('//script[@type="application/ld+json"]')]
    return {block["@type"]: block for block in blocks}


def section_text(doc, section_id: str) -> str:
    (section,) = doc.xpath(f'//section[@id="{section_id}"]')
    return " ".join(" ".join(section.itertext()).split())


def store(podcast: Podcast, *items: ParsedEpisode, **feed_fields) -> None:
    feed = ParsedFeed(title=feed_fields.pop("title", "Show"), episodes=list(items), **feed_fields)
    store_feed(podcast.pk, process_feed(feed), FeedMeta())


def test_it_shows_everything_the_reference_page_shows(client, demo):
    _, doc = get_page(client, ROOT_CAUSE)
    page = " ".join(doc.text_content().split())

    assert doc.xpath('//header//a[@class="brand"]')[0].text_content() == "Live Radio & Podcasts"
    crumbs = [
        " ".join(li.text_content().split())
        for li in doc.xpath('//nav[@class="wrap breadcrumb"]//li')
    ]
    assert crumbs == [
        "Home",
        "Podcasts",
        "Technology",
        "The Backend Engineering Show with Hussein Nasser",
        "My new book - Root cause, Stories from two decades of backend bugs",
    ]
    assert doc.xpath('//a[@class="chip"]')[0].text_content() == "Technology"
    assert doc.xpath("//h1")[0].text_content() == (
        "My new book - Root cause, Stories from two decades of backend bugs"
    )
    # Our thumbnail of the show's artwork, never the publisher's file (tests/artwork/).
    assert doc.xpath('//img[contains(@class, "artwork large")]/@src') == [
        thumbnail_urls("/static/airwaves/demo/art/backend-engineering-show.svg", 220).jpeg
    ]
    assert "by Hussein Nasser" in page
    assert "Apr 15, 2026" in page
    assert "00:09:48" in page

    about = section_text(doc, "about")
    assert about.startswith("About This Episode I wrote a new book that has been in the works")
    assert doc.xpath('//section[@id="about"]//div[@class="show-notes"]//li')

    podcast_links = doc.xpath('//section[@id="podcast"]//a/@href')
    assert "/podcasts/the-backend-engineering-show-with-hussein-nasser/" in podcast_links

    (audio,) = doc.xpath('//section[@id="listen"]//audio')
    assert audio.get("src") == "/static/airwaves/demo/audio/root-cause.mp3"

    details = section_text(doc, "details")
    assert "Published Apr 15, 2026" in details
    assert "Length 00:09:48" in details
    assert "Audio Available" in details

    questions = [s.text_content() for s in doc.xpath('//section[@id="questions"]//summary')]
    assert "How long is this episode?" in questions
    assert "When was this episode published?" in questions
    assert any(q.startswith("What is My new book") for q in questions)
    assert any(q.startswith("Can I save") for q in questions)
    assert any(q.startswith("Are there related episodes from The Backend") for q in questions)
    quick = section_text(doc, "quick-answers")
    assert "Length 00:09:48" in quick

    assert doc.xpath('//form[@class="heart-form"]//button')

    related = [
        a.text_content().strip()
        for a in doc.xpath('//section[@id="related"]//span[@class="row-title"]')
    ]
    assert related == [
        "The hidden cost of a database connection",
        "Head-of-line blocking, from TCP to HTTP/3",
        "Postgres vacuum, explained without the fear",
    ]


def test_its_structured_data_is_valid_json_ld(client, demo):
    _, doc = get_page(client, ROOT_CAUSE)
    data = jsonld_by_type(doc)

    assert set(data) == {"PodcastEpisode", "FAQPage", "BreadcrumbList"}
    episode = data["PodcastEpisode"]
    assert episode["@context"] == "https://schema.org"
    assert episode["name"].startswith("My new book - Root cause")
    assert episode["datePublished"] == "2026-04-15"
    assert episode["duration"] == "PT9M48S"
    assert episode["url"] == "http://testserver" + ROOT_CAUSE
    assert episode["partOfSeries"] == {
        "@type": "PodcastSeries",
        "name": "The Backend Engineering Show with Hussein Nasser",
        "url": "http://testserver/podcasts/the-backend-engineering-show-with-hussein-nasser/",
    }
    assert episode["associatedMedia"]["@type"] == "AudioObject"
    assert episode["associatedMedia"]["contentUrl"] == (
        "http://testserver/static/airwaves/demo/audio/root-cause.mp3"
    )
    assert episode["author"] == {"@type": "Person", "name": "Hussein Nasser"}

    faq = data["FAQPage"]["mainEntity"]
    rendered = [s.text_content() for s in doc.xpath('//section[@id="questions"]//summary')]
    assert [q["name"] for q in faq] == rendered
    assert all(q["@type"] == "Question" and q["acceptedAnswer"]["text"] for q in faq)
    assert data["BreadcrumbList"]["itemListElement"][-1]["item"] == "http://testserver" + ROOT_CAUSE


def test_it_has_open_graph_tags_and_a_canonical_url(client, demo):
    _, doc = get_page(client, ROOT_CAUSE)
    meta = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}

    assert doc.xpath('//link[@rel="canonical"]/@href') == ["http://testserver" + ROOT_CAUSE]
    assert meta["og:audio"] == "http://testserver/static/airwaves/demo/audio/root-cause.mp3"
    assert meta["og:audio:type"] == "audio/mpeg"
    assert meta["og:title"].startswith("My new book")
    assert meta["og:image"].endswith("backend-engineering-show.svg")


def test_canonical_urls_use_the_configured_site_url(client, demo, settings):
    settings.SITE_URL = "https://radio.example.org"
    _, doc = get_page(client, ROOT_CAUSE)
    assert doc.xpath('//link[@rel="canonical"]/@href') == ["https://radio.example.org" + ROOT_CAUSE]


def test_an_episode_without_audio_says_so_and_claims_nothing(client, demo):
    _, doc = get_page(client, "/podcasts/small-science/listener-questions-salt-crystals/")
    page = " ".join(doc.text_content().split())

    assert not doc.xpath("//audio")
    assert "Audio is not available for this episode" in section_text(doc, "listen")
    assert "Audio Not available" in section_text(doc, "details")
    assert "Length Unknown" in section_text(doc, "details")
    assert not doc.xpath('//meta[@property="og:audio"]')
    data = jsonld_by_type(doc)
    assert "associatedMedia" not in data["PodcastEpisode"]
    assert "duration" not in data["PodcastEpisode"]
    questions = [q["name"] for q in data["FAQPage"]["mainEntity"]]
    assert "How long is this episode?" not in questions
    answers = " ".join(q["acceptedAnswer"]["text"] for q in data["FAQPage"]["mainEntity"])
    assert "Audio is not available" in answers
    assert "Press play" not in page


def test_questions_whose_answers_are_unknown_are_left_out(client, db):
    podcast = Podcast.objects.create(feed_url="https://example.com/f.xml", slug="x")
    store(podcast, ParsedEpisode(guid="only", title="Lonely", enclosure_url="https://e.com/a.mp3"))

    _, doc = get_page(client, "/podcasts/show/lonely/")
    questions = [q["name"] for q in jsonld_by_type(doc)["FAQPage"]["mainEntity"]]

    assert questions == [
        "Which podcast is Lonely from?",
        "Can I listen to Lonely online?",
        "Can I save Lonely for later?",
    ]
    assert not doc.xpath('//section[@id="related"]')


def test_hostile_feed_content_cannot_run_script(client, db):
    podcast = Podcast.objects.create(feed_url="https://example.com/f.xml", slug="x")
    store(
        podcast,
        ParsedEpisode(
            guid="evil",
            title="<script>alert('title')</script>Evil",
            description_html=(
                "<p>Hi</p><script>alert(1)</script><style>body{display:none}</style>"
                '<img src="https://e.com/i.png" onerror="alert(2)">'
                '<a href="javascript:alert(3)">x</a><a href="JaVaScRiPt:alert(4)">y</a>'
                '<iframe src="https://evil.example/"></iframe><svg onload="alert(5)"></svg>'
                '<a href="https://example.com/more" target="_self">more</a>'
            ),
            enclosure_url="javascript:alert(6)",
        ),
        title="<img src=x onerror=alert(7)>Show",
    )
    episode = Episode.objects.get()

    response, doc = get_page(client, episode.get_absolute_url())
    body = response.content.decode()

    assert "<script>alert" not in body
    assert "onerror" not in body
    assert "onload" not in body
    assert "javascript:" not in body.lower()
    assert "<iframe" not in body
    assert "display:none" not in body
    assert doc.xpath('//div[@class="show-notes"]//a[@href="https://example.com/more"]/@rel') == [
        "nofollow ugc noopener"
    ]
    # Titles are plain text: the script tag was dropped by process, never rendered as HTML.
    assert doc.xpath("//h1")[0].text_content() == "Evil"
    assert not doc.xpath("//audio")


def test_an_unknown_episode_is_a_404(client, demo):
    assert (
        client.get("/podcasts/the-backend-engineering-show-with-hussein-nasser/nope/").status_code
        == 404
    )
    assert client.get("/podcasts/nope/nope/").status_code == 404
