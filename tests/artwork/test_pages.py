"""Listing and detail pages show our thumbnails, never the publisher's image, and cost
no query per image."""

from __future__ import annotations

import pytest
from lxml import html

from airwaves.artwork.keys import thumbnail_urls
from airwaves.podcasts.models import Episode, Podcast

PUBLISHER = "images.publisher.example"
BACKEND_SHOW = "/podcasts/the-backend-engineering-show-with-hussein-nasser/"


@pytest.fixture
def publisher_artwork(demo) -> list[Podcast]:
    """The demo shows, with artwork on a publisher's host as crawled shows have."""
    for podcast in Podcast.objects.all():
        Podcast.objects.filter(pk=podcast.pk).update(
            image_url=f"https://{PUBLISHER}/{podcast.slug}/cover.jpg"
        )
    for episode in Episode.objects.all()[:3]:
        Episode.objects.filter(pk=episode.pk).update(
            image_url=f"https://{PUBLISHER}/episodes/{episode.pk}.jpg"
        )
    return list(Podcast.objects.all())


def loaded_urls(doc) -> list[str]:
    """What a browser fetches to show the page's images."""
    return (
        doc.xpath("//img/@src | //img/@srcset | //source/@srcset | //*/@style")
        + doc.xpath("//link[contains(@rel, 'icon') or contains(@rel, 'preload')]/@href")
        # The player bar's lock-screen artwork (player.js loads it when a button plays).
        + doc.xpath("//*/@data-art")
    )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/podcasts/",
        BACKEND_SHOW,
        "episode",
        "/categories/technology/",
        "/search?q=the",
        "/search?q=vacuum",
    ],
)
def test_pages_load_no_image_from_the_publisher(client, publisher_artwork, path):
    if path == "episode":
        path = Episode.objects.filter(image_url__contains=PUBLISHER).first().get_absolute_url()
    response = client.get(path)
    assert response.status_code == 200
    doc = html.fromstring(response.content)

    urls = loaded_urls(doc)
    assert [url for url in urls if PUBLISHER in url] == []
    ours = [url for url in doc.xpath("//img/@src") if url.startswith("/artwork/")]
    assert ours, f"no thumbnails on {path}"
    for picture in doc.xpath("//picture"):
        (source,) = picture.xpath(".//source")
        (img,) = picture.xpath(".//img")  # lxml nests it in <source>, void in HTML5
        assert source.get("type") == "image/webp" and source.get("srcset").endswith(".webp")
        assert img.get("src").endswith(".jpg") and img.get("loading") == "lazy"
        assert img.get("width") == img.get("height")


def test_the_thumbnail_is_the_smallest_size_at_least_twice_the_displayed_width(
    client, publisher_artwork
):
    doc = html.fromstring(client.get(BACKEND_SHOW).content)
    podcast = Podcast.objects.get(slug="the-backend-engineering-show-with-hussein-nasser")

    (large,) = doc.xpath('//img[contains(@class, "artwork large")]')
    assert large.get("width") == "220"
    assert large.get("src") == thumbnail_urls(podcast.image_url, 220).jpeg
    assert large.get("src").endswith("/640.jpg")  # 440 px needed: 640 is the next size
    small = doc.xpath('//img[contains(@class, "artwork small")]')[0]
    assert small.get("width") == "64" and small.get("src").endswith("/160.jpg")


def test_a_page_costs_the_same_queries_with_one_show_or_many(
    client, publisher_artwork, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # the view's own queries, both times
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/podcasts/")
    for n in range(30):
        Podcast.objects.create(
            feed_url=f"https://example.com/{n}.xml",
            slug=f"more-{n}",
            title=f"More {n}",
            image_url=f"https://{PUBLISHER}/more/{n}.jpg",
            fetch_status=Podcast.FetchStatus.OK,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get("/podcasts/")
    assert response.content.count(b"/artwork/") > len(publisher_artwork) * 2
    assert len(many) == len(few)


def test_the_thumbnail_filter_gives_one_jpeg_for_places_that_take_one_url():
    from django.template import Context, Template

    template = Template("{% load artwork %}[{{ url|thumbnail:160 }}][{{ none|thumbnail }}]")
    rendered = template.render(Context({"url": "https://img.example/a.jpg", "none": ""}))

    assert rendered == f"[{thumbnail_urls('https://img.example/a.jpg', 160).jpeg}][]"
    assert rendered.startswith("[/artwork/") and "/320.jpg]" in rendered


@pytest.mark.parametrize(
    "width, expected",
    [
        (64, "64 /160.jpg"),
        ("140", "140 /320.jpg"),
        ("", "160 /320.jpg"),
        ("wide", "160 /320.jpg"),
        (-5, "160 /320.jpg"),
        (5000, "5000 /640.jpg"),
    ],
)
def test_the_partial_takes_what_callers_pass_as_width(width, expected):
    from django.template.loader import render_to_string

    rendered = html.fromstring(
        render_to_string(
            "partials/artwork.html",
            {"src": "https://img.example/a.jpg", "alt": "A", "width": width},
        )
    )
    (img,) = rendered.xpath("//img")
    assert f"{img.get('width')} /{img.get('src').rsplit('/', 1)[1]}" == expected
    assert img.get("height") == img.get("width")


def test_the_partial_without_an_image_keeps_the_lettered_placeholder():
    from django.template.loader import render_to_string

    rendered = render_to_string(
        "partials/artwork.html", {"src": "", "alt": "Evening Tales", "width": 64}
    )
    assert 'class="artwork placeholder ' in rendered and "<span>E</span>" in rendered
    assert "/artwork/" not in rendered


def test_the_artwork_tag_escapes_what_feeds_wrote():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load artwork %}{% artwork src alt 64 "small" %}|{% artwork "" alt 64 %}'
    )
    rendered = template.render({"src": "https://img.example/a.jpg?x=1&y=2", "alt": '<b>"Tales"'})

    picture, placeholder = rendered.split("|")
    assert 'alt="&lt;b&gt;&quot;Tales&quot;"' in picture and "<b>" not in picture
    assert 'class="artwork small"' in picture
    assert 'aria-label="&lt;b&gt;&quot;Tales&quot;"' in placeholder
    assert "<span>&lt;</span>" in placeholder
