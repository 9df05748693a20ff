"""Thumbnails in a real browser: the WebP source is chosen, the layout is the one the
<img> had before <picture> wrapped it, and an image not fetched yet shows a placeholder."""

from __future__ import annotations

import pytest

from airwaves.podcasts.models import Podcast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BACKEND_SHOW = "/podcasts/the-backend-engineering-show-with-hussein-nasser/"


def test_the_show_page_shows_our_webp_thumbnail_at_its_size(browser_page, demo):
    browser_page.goto(BACKEND_SHOW)
    cover = browser_page.locator(".hero img.artwork.large")
    cover.wait_for()
    browser_page.wait_for_function(
        "() => document.querySelector('.hero img.artwork.large').naturalWidth > 0"
    )

    facts = cover.evaluate(
        "img => ({src: img.currentSrc, natural: img.naturalWidth,"
        " box: img.getBoundingClientRect().width})"
    )
    assert facts["src"].endswith("/640.webp")
    assert facts["natural"] == 640  # 2 × 220 px, rounded up to a stored size
    assert facts["box"] == 220  # as before <picture>: display: contents keeps the layout


def test_an_image_not_fetched_yet_shows_the_placeholder(browser_page, demo):
    Podcast.objects.filter(slug__startswith="the-backend").update(
        image_url="https://images.publisher.example/new-cover.jpg"
    )
    browser_page.goto(BACKEND_SHOW)
    browser_page.wait_for_function(
        "() => document.querySelector('.hero img.artwork.large').naturalWidth > 0"
    )
    cover = browser_page.locator(".hero img.artwork.large")
    assert cover.evaluate("img => img.naturalWidth") == 640
    lifetime = cover.evaluate(
        "img => fetch(img.currentSrc).then(r => r.headers.get('cache-control'))"
    )
    assert lifetime == "public, max-age=300"  # the placeholder, asked for again soon
