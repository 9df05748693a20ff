"""Station pages: browse lists, facets, the station page and its structured data, the home
page's Live Radio section, sitemaps."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils import timezone
from lxml import etree, html

from airwaves.artwork.keys import thumbnail_urls
from airwaves.radio.models import Station
from tests.radio.fixtures import make_station

pytestmark = pytest.mark.django_db
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.fromstring(response.content)


def names(doc, section_id: str | None = None) -> list[str]:
    scope = f'//section[@aria-labelledby="{section_id}"]' if section_id else ""
    return [n.text_content() for n in doc.xpath(f'{scope}//span[@class="row-title"]')]


@pytest.fixture
def directory():
    now = timezone.now()
    return {
        "jazz": make_station(
            "Jazz FM",
            "http://jazz.example.org/live",
            tags="jazz,smooth jazz",
            country="Germany",
            country_code="DE",
            language_codes="de",
            codec="MP3",
            bitrate=128,
            votes=50,
            click_count=3,
            changed_at=now - timedelta(days=3),
            favicon="https://jazz.example.org/logo.png",
            homepage="https://jazz.example.org/",
            geo_lat=52.5,
            geo_long=13.4,
            last_check_ok=True,
        ),
        "blues": make_station(
            "Blues Nights",
            "https://blues.example.org/live",
            tags="blues,jazz",
            country_code="US",
            language_codes="en",
            codec="AAC",
            votes=10,
            click_count=30,
            changed_at=now - timedelta(days=1),
        ),
        "bebop": make_station(
            "Bebop Only",
            "http://bebop.example.org/live",
            tags="jazz,bebop",
            country_code="DE",
            codec="MP3",
            votes=5,
            changed_at=now,
        ),
        "gone": make_station(
            "Gone Radio",
            "http://gone.example.org/live",
            tags="jazz",
            country_code="DE",
            codec="MP3",
            votes=100,
            broken=True,
            last_check_ok=False,
            last_check_error="HTTP 404 Not Found from http://gone.example.org/live",
        ),
    }


def test_the_radio_index_lists_top_voted_most_listened_and_recently_changed(client, directory):
    doc = page(client, "/radio/")
    assert names(doc, "top-h") == ["Jazz FM", "Blues Nights", "Bebop Only"]
    assert names(doc, "listened-h") == ["Blues Nights", "Jazz FM"]
    assert names(doc, "changed-h") == ["Bebop Only", "Blues Nights", "Jazz FM"]
    text = " ".join(doc.text_content().split())
    assert "3 stations to listen to live" in text
    assert "1 station not working right now is hidden" in text


def test_the_radio_index_links_to_every_facet_with_counts(client, directory):
    doc = page(client, "/radio/")
    chips = {
        a.get("href"): " ".join(a.text_content().split()) for a in doc.xpath('//a[@class="chip"]')
    }
    assert chips["/radio/country/de/"] == "Germany 2"
    assert chips["/radio/country/us/"] == "US 1"
    assert chips["/radio/language/de/"] == "German 1"
    assert chips["/radio/language/en/"] == "English 1"
    assert chips["/radio/tag/jazz/"] == "jazz 3"
    assert chips["/radio/tag/smooth%20jazz/"] == "smooth jazz 1"
    assert chips["/radio/codec/mp3/"] == "MP3 2"


def test_broken_stations_show_only_when_asked(client, directory):
    assert "Gone Radio" not in names(page(client, "/radio/top-voted/"))
    assert names(page(client, "/radio/top-voted/?show_broken=1"))[0] == "Gone Radio"
    assert "Gone Radio" in names(page(client, "/radio/?show_broken=1"), "top-h")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/radio/country/de/", ["Jazz FM", "Bebop Only"]),
        ("/radio/country/DE/", ["Jazz FM", "Bebop Only"]),
        ("/radio/language/en/", ["Blues Nights"]),
        ("/radio/tag/jazz/", ["Jazz FM", "Blues Nights", "Bebop Only"]),
        ("/radio/tag/smooth%20jazz/", ["Jazz FM"]),
        ("/radio/codec/aac/", ["Blues Nights"]),
        ("/radio/most-listened/", ["Blues Nights", "Jazz FM", "Bebop Only"]),
        ("/radio/recently-changed/", ["Bebop Only", "Blues Nights", "Jazz FM"]),
    ],
)
def test_browse_pages_list_working_stations(client, directory, url, expected):
    assert names(page(client, url)) == expected


@pytest.mark.parametrize(
    "url", ["/radio/country/fr/", "/radio/tag/polka/", "/radio/codec/flac/", "/radio/language/xx/"]
)
def test_browse_pages_without_stations_are_not_found(client, directory, url):
    assert client.get(url).status_code == 404


def test_browse_lists_come_in_pages(client):
    for n in range(50):
        make_station(f"Station {n:02}", f"http://s{n}.example.org/", tags="rock", votes=n)
    first = page(client, "/radio/tag/rock/")
    assert len(names(first)) == 48
    assert first.xpath('//a[@rel="next"]/@href') == ["?page=2"]
    assert names(page(client, "/radio/tag/rock/?page=2")) == ["Station 01", "Station 00"]


def test_the_station_page_shows_the_station(client, directory):
    jazz = directory["jazz"]
    doc = page(client, "/radio/jazz-fm/")
    text = " ".join(doc.text_content().split())

    assert doc.xpath("//h1")[0].text_content() == "Jazz FM"
    assert doc.xpath('//img[contains(@class, "artwork large")]/@src') == [
        thumbnail_urls(jazz.favicon, 220).jpeg  # our thumbnail of the logo (tests/artwork/)
    ]
    assert [a.text_content() for a in doc.xpath('//header//p[@class="chips"]/a')] == [
        "jazz",
        "smooth jazz",
    ]
    assert "Germany" in text and "German" in text and "128 kbps" in text
    details = dict(
        zip(
            doc.xpath('//section[@id="details"]//dt/text()'),
            [
                " ".join(dd.text_content().split())
                for dd in doc.xpath('//section[@id="details"]//dd')
            ],
            strict=True,
        )
    )
    assert details["Status"] == "On air"
    assert details["Format"] == "MP3, 128 kbps"
    assert doc.xpath('//a[@rel="nofollow ugc noopener"]/@href') == ["https://jazz.example.org/"]
    # Plain http: played through this site's proxy.
    assert doc.xpath('//audio[@id="station-audio"]/@src') == ["/radio/jazz-fm/stream"]
    (listen,) = doc.xpath('//button[@data-station="jazz-fm"]')
    assert listen.get("data-src") == "/radio/jazz-fm/stream"
    assert listen.get("data-title") == "Jazz FM"
    assert listen.get("data-events") == "/radio/jazz-fm/events"
    assert listen.get("data-click") == "/radio/jazz-fm/click"
    assert listen.get("data-hls") is None
    assert doc.xpath('//*[@id="now-playing"]/@data-events') == ["/radio/jazz-fm/events"]
    assert doc.xpath('//form[@action="/radio/jazz-fm/favourite"]//button')
    assert doc.xpath('//form[@action="/radio/jazz-fm/vote"]//span[@class="vote-count"]/text()') == [
        "50"
    ]
    crumbs = [
        " ".join(li.text_content().split())
        for li in doc.xpath('//nav[@aria-label="Breadcrumb"]//li')
    ]
    assert crumbs == ["Home", "Live Radio", "Germany", "Jazz FM"]


def test_an_https_station_plays_directly(client, directory):
    doc = page(client, "/radio/blues-nights/")
    assert doc.xpath('//audio[@id="station-audio"]/@src') == ["https://blues.example.org/live"]


def test_an_hls_station_plays_with_hls_js_where_needed(client):
    make_station("HLS News", "https://news.example.com/live.m3u8", hls=True)
    doc = page(client, "/radio/hls-news/")
    # Without JavaScript the page's own player (native HLS only); with it, the player bar.
    assert doc.xpath('//audio[@id="station-audio"]/@src') == ["https://news.example.com/live.m3u8"]
    (listen,) = doc.xpath("//button[@data-station]")
    assert listen.get("data-src") == "https://news.example.com/live.m3u8"
    assert listen.get("data-hls") == "1"
    # The content-hashed name (tests/test_static.py), as {% static %} gives it.
    hls_script = listen.get("data-hls-script")
    assert hls_script == staticfiles_storage.url("airwaves/vendor/hls.min.js")
    assert hls_script.startswith("/static/airwaves/vendor/hls.min.") and hls_script != (
        "/static/airwaves/vendor/hls.min.js"
    )
    script = client.get(hls_script)
    script.close()
    assert script.status_code == 200


def test_similar_stations_share_tags_then_country(client, directory):
    doc = page(client, "/radio/jazz-fm/")
    similar = [
        n.text_content() for n in doc.xpath('//section[@id="similar"]//span[@class="row-title"]')
    ]
    # Blues Nights and Bebop Only share "jazz"; the broken station is left out.
    assert similar == ["Blues Nights", "Bebop Only"]


def test_a_broken_station_says_so_and_offers_no_listen_button(client, directory):
    doc = page(client, "/radio/gone-radio/")
    text = " ".join(doc.text_content().split())
    assert "was not on air when it was last checked (HTTP 404 Not Found" in text
    assert not doc.xpath("//header//*[@data-player-play]")
    # Still playable: with JavaScript from a button in the Listen card, without from the page's player.
    assert doc.xpath('//section[@id="listen"]//button[@data-station="gone-radio"]/text()') == [
        "▶ Try to play it"
    ]


def test_the_station_page_has_radio_station_json_ld_open_graph_and_canonical(client, directory):
    doc = page(client, "/radio/jazz-fm/")
    blocks = {
        b["@type"]: b
        for b in (json.loads(s.text) for s in doc.xpath('//script[@type="application/ld+json"]'))
    }
    station = blocks["RadioStation"]
    assert station["name"] == "Jazz FM"
    assert station["url"] == "http://testserver/radio/jazz-fm/"
    assert station["logo"] == "https://jazz.example.org/logo.png"
    # A station's logo is favicon-sized: its image is the share card, as in og:image.
    assert station["image"] == "http://testserver/radio/jazz-fm/share.jpg"
    assert station["sameAs"] == "https://jazz.example.org/"
    assert station["keywords"] == "jazz, smooth jazz"
    assert station["address"] == {"@type": "PostalAddress", "addressCountry": "DE"}
    assert station["geo"] == {"@type": "GeoCoordinates", "latitude": 52.5, "longitude": 13.4}
    assert station["identifier"] == str(directory["jazz"].uuid)
    assert blocks["BreadcrumbList"]["itemListElement"][-1]["name"] == "Jazz FM"
    assert doc.xpath('//link[@rel="canonical"]/@href') == ["http://testserver/radio/jazz-fm/"]
    assert doc.xpath('//meta[@property="og:title"]/@content') == ["Jazz FM"]
    # The share card drawn for the station (tests/radio/test_sharing.py), not its logo.
    assert doc.xpath('//meta[@property="og:image"]/@content') == [
        "http://testserver/radio/jazz-fm/share.jpg"
    ]


def test_the_now_playing_title_shows_only_while_fresh(client, directory, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the page is built again after each change below
    jazz = directory["jazz"]
    Station.objects.filter(pk=jazz.pk).update(
        now_playing="Miles Davis - So What", now_playing_at=timezone.now()
    )
    doc = page(client, "/radio/jazz-fm/")
    assert doc.xpath('//*[@class="np-title"]/text()') == ["Miles Davis - So What"]
    Station.objects.filter(pk=jazz.pk).update(now_playing_at=timezone.now() - timedelta(hours=2))
    doc = page(client, "/radio/jazz-fm/")
    assert doc.xpath('//*[@id="now-playing"]/@hidden')
    assert doc.xpath('//*[@class="np-title"]/text()') == []


def test_unknown_stations_are_not_found(client):
    assert client.get("/radio/no-such-station/").status_code == 404
    assert client.get("/radio/no-such-station/stream").status_code == 404


def test_the_home_page_shows_working_stations(client, directory):
    doc = page(client, "/")
    (section,) = doc.xpath('//section[@id="live-radio"]')
    listed = [n.text_content() for n in section.xpath('.//span[@class="row-title"]')]
    assert listed[0] == "Jazz FM"  # checked OK and most voted
    assert "Gone Radio" not in listed
    assert section.xpath('.//a[@href="/radio/"]')


def test_the_home_page_says_when_there_are_no_stations(client, db):
    # Listeners get no operator instructions (tests/demo/test_empty_states.py).
    doc = page(client, "/")
    text = " ".join(doc.xpath('//section[@id="live-radio"]')[0].text_content().split())
    assert "No radio stations are on air here yet." in text
    assert "airwaves import-stations" not in text
    assert "No stations on air yet" in " ".join(page(client, "/radio/").text_content().split())


def test_the_nav_links_to_live_radio(client, db):
    assert page(client, "/").xpath('//nav[@class="main-nav"]//a[text()="Live Radio"]/@href') == [
        "/radio/"
    ]


def test_working_stations_are_in_the_sitemap(client, directory):
    index = etree.fromstring(client.get("/sitemap.xml").content)
    locations = index.xpath("//s:loc/text()", namespaces=SITEMAP_NS)
    assert "http://testserver/sitemaps/stations-1.xml" in locations
    urls = etree.fromstring(client.get("/sitemaps/stations-1.xml").content)
    listed = set(urls.xpath("//s:loc/text()", namespaces=SITEMAP_NS))
    assert listed == {
        "http://testserver/radio/jazz-fm/",
        "http://testserver/radio/blues-nights/",
        "http://testserver/radio/bebop-only/",
    }
    pages = etree.fromstring(client.get("/sitemaps/pages.xml").content)
    assert "http://testserver/radio/" in pages.xpath("//s:loc/text()", namespaces=SITEMAP_NS)
