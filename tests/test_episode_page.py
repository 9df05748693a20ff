"""The episode page: every section of the reference page, its structured data, and honesty."""

from __future__ import annotations

import json

from lxml import html

from airwaves.artwork.keys import thumbnail_urls
from airwaves.crawler.process import process_feed
from airwaves.crawler.store import FeedMeta, store_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed
from airwaves.podcasts.faq import notes_begin_with_summary
from airwaves.podcasts.models import Episode, EpisodeFile, Podcast

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


def questions_and_answers(doc, section_id: str) -> list[tuple[str, str]]:
    """(question, answer) pairs as shown: <details> in Questions, <dt>/<dd> in Quick Answers."""
    (section,) = doc.xpath(f'//section[@id="{section_id}"]')
    pairs = [(d.xpath("summary")[0], d.xpath("p")[0]) for d in section.xpath(".//details")]
    pairs += list(zip(section.xpath(".//dt"), section.xpath(".//dd"), strict=True))
    return [
        (" ".join(q.text_content().split()), " ".join(a.text_content().split())) for q, a in pairs
    ]


def store(podcast: Podcast, *items: ParsedEpisode, **feed_fields) -> None:
    feed = ParsedFeed(title=feed_fields.pop("title", "Show"), episodes=list(items), **feed_fields)
    store_feed(podcast.pk, process_feed(feed), FeedMeta())


def test_it_shows_everything_the_reference_page_shows(client, demo):
    _, doc = get_page(client, ROOT_CAUSE)

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
    hero = " ".join(" ".join(doc.xpath('//div[@class="hero-text"]')[0].itertext()).split())
    assert hero.startswith(
        "My new book - Root cause, Stories from two decades of backend bugs "
        "The Backend Engineering Show with Hussein Nasser by Hussein Nasser "
        "Apr 15, 2026 00:09:48 Technology "
        "I wrote a new book that has been in the works for years."
    )
    assert doc.xpath('//p[@class="byline"]/a/@href') == [
        "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
    ]
    # The hero's Listen is a button (it plays in the player bar), not a link.
    assert doc.xpath('//div[@class="hero-text"]//button[@data-player-play]/text()') == ["▶ Listen"]

    about = section_text(doc, "about")
    assert about.startswith(
        "About This Episode "
        "My new book - Root cause, Stories from two decades of backend bugs is an episode from "
        "The Backend Engineering Show with Hussein Nasser by Hussein Nasser. "
        "I wrote a new book that has been in the works for years. It is called Root Cause, "
        "and it is for those who enjoy the art of backend engineering. Each chapter is a bug"
    )
    # The show notes begin with the summary: it is said once, not twice.
    assert about.count("I wrote a new book") == 1
    assert doc.xpath('//section[@id="about"]//div[@class="show-notes"]//li')

    assert section_text(doc, "podcast") == (
        "Podcast This episode belongs to The Backend Engineering Show with Hussein Nasser ."
    )
    podcast_links = doc.xpath('//section[@id="podcast"]//a/@href')
    assert podcast_links == ["/podcasts/the-backend-engineering-show-with-hussein-nasser/"]

    assert section_text(doc, "listen").startswith(
        "Listen Online Use the player on this page to stream the episode online."
    )
    (audio,) = doc.xpath('//section[@id="listen"]//audio')
    assert audio.get("src") == "/static/airwaves/demo/audio/root-cause.mp3"

    assert section_text(doc, "details") == (
        "Episode Details Published Apr 15, 2026, 00:09:48 long, audio available."
    )

    title = "My new book - Root cause, Stories from two decades of backend bugs"
    show = "The Backend Engineering Show with Hussein Nasser"
    assert questions_and_answers(doc, "questions") == [
        (
            f"What is {title} about?",
            "I wrote a new book that has been in the works for years. It is called Root Cause, "
            "and it is for those who enjoy the art of backend engineering.",
        ),
        (
            f"Where can I listen to {title}?",
            f"You can stream {title} online with the player on this page.",
        ),
        (
            f"Which podcast is {title} from?",
            f"{title} is an episode from {show} by Hussein Nasser.",
        ),
        ("How long is this episode?", f"{title} is 9 minutes 48 seconds long (00:09:48)."),
        ("When was this episode published?", f"{title} was published on Apr 15, 2026."),
        (
            f"Can I save {title} for later?",
            "Yes. Use the heart button on this page to add it to your favourite episodes list.",
        ),
        (
            f"Are there related episodes from {show}?",
            f"Yes. 3 more episodes from {show} are listed under Related Episodes on this page.",
        ),
    ]
    assert doc.xpath('//h2[@id="quick-h"]/text()') == ["Quick Answers About This Episode"]
    assert questions_and_answers(doc, "quick-answers") == [
        (f"Where can I listen to {title}?", "On this page: use the player under Listen Online."),
        ("Which podcast is this episode from?", f"{show} by Hussein Nasser."),
        (
            "What are the episode details?",
            "Published Apr 15, 2026, 00:09:48 long, audio available.",
        ),
    ]

    assert doc.xpath('//form[@class="heart-form"]//button')

    related = [
        a.text_content().strip()
        for a in doc.xpath('//section[@id="related"]//span[@class="row-title"]')
    ]
    # Each row's play button: a "▶" named by its label, "Play <title>".
    assert doc.xpath('//section[@id="related"]//button[@data-player-play]/span/text()') == ["▶"] * 3
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
    shown = questions_and_answers(doc, "questions") + questions_and_answers(doc, "quick-answers")
    assert [(q["name"], q["acceptedAnswer"]["text"]) for q in faq] == shown
    assert all(q["@type"] == "Question" and q["acceptedAnswer"]["@type"] == "Answer" for q in faq)
    assert data["BreadcrumbList"]["itemListElement"][-1]["item"] == "http://testserver" + ROOT_CAUSE


def test_the_demo_episode_lists_its_chapters_with_nothing_to_fetch(client, demo):
    _, doc = get_page(client, ROOT_CAUSE)

    rows = doc.xpath('//section[@id="chapters"]//a[@class="chapter-seek"]')
    assert [
        (a.get("data-seek"), a.get("href"), " ".join(a.text_content().split())) for a in rows
    ] == [
        ("0", "?t=0", "0:00 Intro"),
        ("130", "?t=130", "2:10 Why a book of bugs"),
        ("390", "?t=390", "6:30 The connection pool that lied"),
    ]
    # The chapters are the feed's own (psc:chapters): the offline demo fetches no file.
    assert not EpisodeFile.objects.exists()
    parts = jsonld_by_type(doc)["PodcastEpisode"]["hasPart"]
    assert [(p["name"], p["startOffset"]) for p in parts] == [
        ("Intro", 0),
        ("Why a book of bugs", 130),
        ("The connection pool that lied", 390),
    ]


def test_it_has_open_graph_tags_and_a_canonical_url(client, demo):
    _, doc = get_page(client, ROOT_CAUSE)
    meta = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}

    assert doc.xpath('//link[@rel="canonical"]/@href') == ["http://testserver" + ROOT_CAUSE]
    assert meta["og:audio"] == "http://testserver/static/airwaves/demo/audio/root-cause.mp3"
    assert meta["og:audio:type"] == "audio/mpeg"
    assert meta["og:title"].startswith("My new book")
    assert meta["og:image"].endswith("/1200.jpg")  # our share image (tests/test_sharing.py)


def test_canonical_urls_use_the_configured_site_url(client, demo, settings):
    settings.SITE_URL = "https://radio.example.org"
    _, doc = get_page(client, ROOT_CAUSE)
    assert doc.xpath('//link[@rel="canonical"]/@href') == ["https://radio.example.org" + ROOT_CAUSE]


def test_an_episode_without_audio_says_so_and_claims_nothing(client, demo):
    _, doc = get_page(client, "/podcasts/small-science/listener-questions-salt-crystals/")
    page = " ".join(doc.text_content().split())

    assert not doc.xpath("//audio")
    assert "Audio is not available for this episode" in section_text(doc, "listen")
    assert "Use the player" not in section_text(doc, "listen")
    # No length is known: that part of the sentence is left out, nothing is guessed.
    assert section_text(doc, "details") == (
        "Episode Details Published Mar 16, 2026, audio not available."
    )
    assert questions_and_answers(doc, "quick-answers")[0] == (
        "Where can I listen to Listener questions: salt crystals?",
        "Audio is not available for this episode.",
    )
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
        "Where can I listen to Lonely?",
        "Which podcast is Lonely from?",
        "Can I save Lonely for later?",
        "Where can I listen to Lonely?",
        "Which podcast is this episode from?",
        "What are the episode details?",
    ]
    assert not doc.xpath('//section[@id="related"]')
    # No author, no date, no length: the sentences say only what is known.
    assert section_text(doc, "about") == "About This Episode Lonely is an episode from Show."
    assert section_text(doc, "details") == "Episode Details Audio available."
    assert doc.xpath('//p[@class="byline"]')[0].text_content() == "Show"


def test_a_summary_the_show_notes_do_not_begin_with_is_shown_before_them(client, db):
    podcast = Podcast.objects.create(feed_url="https://example.com/f.xml", slug="x")
    store(
        podcast,
        ParsedEpisode(
            guid="one",
            title="Tides",
            subtitle="Why the sea rises twice a day.",
            description_html="<p>The moon pulls on the oceans.</p>",
            enclosure_url="https://e.com/a.mp3",
        ),
        title="Sea Show",
        author="Ann Wave",
    )

    _, doc = get_page(client, "/podcasts/sea-show/tides/")
    assert section_text(doc, "about") == (
        "About This Episode Tides is an episode from Sea Show by Ann Wave. "
        "Why the sea rises twice a day. The moon pulls on the oceans."
    )


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


def test_a_summary_cut_from_the_show_notes_counts_as_their_beginning():
    notes = "<p>One lost packet can stall <b>every</b> stream.</p><p>More.</p>"
    assert notes_begin_with_summary("One lost packet can stall every…", notes)
    assert notes_begin_with_summary("One lost packet can stall every stream.", notes)
    assert not notes_begin_with_summary("A different opening.", notes)
    assert not notes_begin_with_summary("", notes)
    assert not notes_begin_with_summary("One lost packet", "")
