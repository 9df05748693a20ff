"""Sharing an episode: link previews (Open Graph, Twitter cards) with a 1200 px image, the
embeddable player page, the only page other sites may frame, and oEmbed."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html
from PIL import Image

from airwaves.artwork.keys import artwork_key
from tests.test_episode_page import ROOT_CAUSE

SHOW = "/podcasts/the-backend-engineering-show-with-hussein-nasser/"
EMBED = ROOT_CAUSE + "embed/"
NO_AUDIO = "/podcasts/small-science/listener-questions-salt-crystals/"
ART = "/static/airwaves/demo/art/backend-engineering-show.svg"


def meta_tags(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    doc = html.fromstring(response.content)
    tags = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}
    tags |= {m.get("name"): m.get("content") for m in doc.xpath("//meta[@name]")}
    (oembed,) = doc.xpath('//link[@rel="alternate"][@type="application/json+oembed"]/@href')
    tags["oembed"] = oembed
    return tags


def test_link_previews_show_a_1200_px_raster_image_and_the_player(client, demo):
    tags = meta_tags(client, ROOT_CAUSE)

    share = f"http://testserver/artwork/{artwork_key(ART)}/1200.jpg"
    assert tags["og:image"] == tags["twitter:image"] == share
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "1200")
    assert tags["og:type"] == "article"
    assert tags["article:published_time"].startswith("2026-04-15T14:00:00")
    assert tags["twitter:card"] == "player"
    assert tags["twitter:player"] == "http://testserver" + EMBED
    assert tags["twitter:player:stream"] == (
        "http://testserver/static/airwaves/demo/audio/root-cause.mp3"
    )
    oembed = urlsplit(tags["oembed"])
    assert oembed.path == "/oembed"
    assert parse_qs(oembed.query) == {"url": ["http://testserver" + ROOT_CAUSE], "format": ["json"]}

    # The demo's artwork, made from its local file: a real 1200 px JPEG, not a placeholder.
    response = client.get(urlsplit(share).path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=2592000"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("JPEG", (1200, 1200))


def test_a_show_page_shares_its_1200_px_image_too(client, demo):
    doc = html.fromstring(client.get(SHOW).content)
    share = f"http://testserver/artwork/{artwork_key(ART)}/1200.jpg"
    assert doc.xpath('//meta[@property="og:image"]/@content') == [share]
    assert doc.xpath('//meta[@name="twitter:image"]/@content') == [share]


def test_an_episode_without_audio_offers_no_player_card(client, demo):
    tags = meta_tags(client, NO_AUDIO)
    assert tags["twitter:card"] == "summary_large_image"
    assert "twitter:player" not in tags
    assert "og:audio" not in tags


def test_the_embed_page_is_the_player_alone_and_may_be_framed_anywhere(client, demo):
    response = client.get(EMBED)

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "Set-Cookie" not in response
    assert "Cookie" not in response.get("Vary", "")
    assert response["Cache-Control"] == "public, max-age=300"
    doc = html.fromstring(response.content)
    assert doc.xpath("//audio/@src") == ["/static/airwaves/demo/audio/root-cause.mp3"]
    assert not doc.xpath("//form") and not doc.xpath("//script")
    assert doc.xpath("//h1//a/@target") == ["_blank"]


def test_every_other_page_refuses_to_be_framed(client, demo):
    for url in ("/", SHOW, ROOT_CAUSE, "/accounts/login/", "/oembed?url=x"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_the_embed_page_says_when_there_is_no_audio(client, demo):
    doc = html.fromstring(client.get(NO_AUDIO + "embed/").content)
    assert not doc.xpath("//audio")
    assert "Audio not available" in doc.text_content()


def test_an_unknown_episode_has_no_embed_page(client, demo):
    assert client.get(SHOW + "nope/embed/").status_code == 404
    assert client.get("/podcasts/nope/nope/embed/").status_code == 404


def oembed(client, **params):
    return client.get("/oembed", params)


def test_oembed_answers_a_rich_iframe_of_the_embed_page(client, demo):
    response = oembed(client, url="http://testserver" + ROOT_CAUSE, format="json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert {k: data[k] for k in ("version", "type", "width", "height", "provider_name")} == {
        "version": "1.0",
        "type": "rich",
        "width": 600,
        "height": 180,
        "provider_name": "Live Radio & Podcasts",
    }
    assert data["title"] == "My new book - Root cause, Stories from two decades of backend bugs"
    assert data["author_name"] == "Hussein Nasser"
    assert data["author_url"] == "http://testserver" + SHOW
    assert data["thumbnail_url"].endswith("/1200.jpg")
    (iframe,) = html.fragment_fromstring(data["html"], create_parent="div").xpath("//iframe")
    assert iframe.get("src") == "http://testserver" + EMBED
    assert (iframe.get("width"), iframe.get("height")) == ("600", "180")
    assert iframe.get("title").startswith("My new book")


def test_oembed_keeps_within_the_size_asked_for(client, demo):
    data = oembed(client, url="http://testserver" + ROOT_CAUSE, maxwidth="400", maxheight="150")
    assert (data.json()["width"], data.json()["height"]) == (400, 150)
    assert 'width="400" height="150"' in data.json()["html"]
    # Larger than the player: its own size.
    data = oembed(client, url="http://testserver" + ROOT_CAUSE, maxwidth="5000").json()
    assert data["width"] == 600
    # Too narrow for the player: no embed, as the specification says.
    assert oembed(client, url="http://testserver" + ROOT_CAUSE, maxwidth="100").status_code == 404


def test_oembed_takes_the_embed_page_address_too(client, demo):
    assert oembed(client, url="http://testserver" + EMBED).json()["type"] == "rich"


def test_oembed_answers_only_json(client, demo):
    response = oembed(client, url="http://testserver" + ROOT_CAUSE, format="xml")
    assert response.status_code == 501


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "javascript:alert(1)",
        "ftp://testserver" + ROOT_CAUSE,
        "http://evil.example" + ROOT_CAUSE,  # someone else's site
        "http://testserver.evil.example" + ROOT_CAUSE,
        "http://testserver:8080" + ROOT_CAUSE,
        "http://[::1" + ROOT_CAUSE,  # malformed
        "http://testserver" + SHOW,  # a show, not an episode
        "http://testserver/accounts/login/",
        "http://testserver" + SHOW + "no-such-episode/",
        "http://testserver" + ROOT_CAUSE + "x" * 3000,  # too long
    ],
)
def test_oembed_refuses_what_is_not_one_of_our_episodes(client, demo, url):
    assert oembed(client, url=url, format="json").status_code == 404


@pytest.mark.parametrize("value", ["abc", "-5", "1e9", "9" * 40])
def test_oembed_refuses_a_malformed_size(client, demo, value):
    response = oembed(client, url="http://testserver" + ROOT_CAUSE, maxwidth=value)
    assert response.status_code == 400
    assert response.json() == {"error": "maxwidth must be a whole number of pixels"}


def test_oembed_uses_the_public_address_when_configured(client, demo, settings):
    settings.SITE_URL = "https://radio.example.org"
    good = oembed(client, url="https://radio.example.org" + ROOT_CAUSE)
    assert good.json()["html"].startswith('<iframe src="https://radio.example.org' + EMBED)
    assert oembed(client, url="http://testserver" + ROOT_CAUSE).status_code == 404


def test_another_site_can_frame_the_player_and_play_it(
    browser_page, demo, live_server, feed_server
):
    # Another origin's page framing the player: a real server on 127.0.0.1, the live
    # server on localhost (both loopback: Chromium keeps public pages from framing local ones).
    assert live_server.url.startswith("http://localhost:")
    feed_server.route(
        "/blog.html",
        f'<iframe src="{live_server.url}{EMBED}" width="600" height="180"></iframe>',
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    browser_page.goto(feed_server.url("/blog.html"))
    frame = browser_page.frame_locator("iframe")
    frame.get_by_role("link", name="My new book - Root cause").wait_for()
    frame.locator("audio").evaluate("a => a.play()")
    frame.locator("audio").evaluate(
        "a => new Promise(done => { const check = () => a.currentTime > 0.2 ? done() :"
        " setTimeout(check, 50); check(); })"
    )
