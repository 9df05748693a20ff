"""Pages a cache can keep (airwaves/pagecache.py): no cookie and no Vary: Cookie for
anonymous visitors, one copy for all of them, served again without the view's queries,
expired by a refresh that changed the show; and /me/state, which fills in what is each
visitor's own."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from lxml import html

from airwaves.crawler.refresh import refresh_feed
from airwaves.listeners.models import Favourite
from airwaves.listeners.views import MAX_STATE_PARTS
from airwaves.podcasts.models import Episode, Podcast
from tests.feeds import three_episode_feed
from tests.listeners.conftest import ICE
from tests.radio.fixtures import make_station
from tests.test_limits import call

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/podcasts/",
    "/podcasts/new/",
    "/podcasts/updated/",
    "/podcasts/trending/",
    "/podcasts/small-science/",
    ICE,
    "/categories/science/",
    "/search?q=ice",
    "/radio/",
    "/radio/test-fm/",
]


@pytest.fixture
def site(demo):
    make_station(name="Test FM", slug="test-fm")
    return demo


@pytest.fixture
def ice(site) -> Episode:
    return Episode.objects.get(slug="why-ice-floats")


def assert_cacheable(response) -> None:
    assert response.status_code == 200
    assert not response.cookies, response.cookies
    assert "cookie" not in response.get("Vary", "").lower()
    assert response["Cache-Control"].startswith("public, max-age=")
    assert "stale-while-revalidate=" in response["Cache-Control"]
    assert response["ETag"]


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_page_sets_no_cookie_and_does_not_vary_on_cookies(client, site, url):
    first = client.get(url)
    assert_cacheable(first)
    again = client.get(url)  # from the cache
    assert_cacheable(again)
    assert again.content == first.content
    assert b'name="csrfmiddlewaretoken"' not in first.content


@pytest.mark.parametrize("url", PAGES)
def test_a_guest_who_hearted_gets_the_same_bytes_as_anyone(site, ice, url):
    guest = Client()
    assert guest.post(f"/episodes/{ice.pk}/favourite").status_code == 302
    assert (
        guest.post(
            f"/episodes/{ice.pk}/position",
            {"position": 90, "total": 600},
            content_type="application/json",
        ).status_code
        == 200
    )
    assert "sessionid" in guest.cookies

    theirs = guest.get(url)
    anyone = Client().get(url)

    assert_cacheable(theirs)
    assert theirs.content == anyone.content
    assert guest.cookies["sessionid"].value  # their session is kept, not emptied


def test_a_second_request_runs_no_query(client, site, django_assert_num_queries):
    for url in PAGES:
        assert client.get(url).status_code == 200
    for url in PAGES:
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200


def test_a_hit_is_answered_before_the_session_and_user_are_read(client, site, monkeypatch):
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    first = client.get(ICE)

    def unexpected(self, request):
        raise AssertionError(f"{type(self).__name__} ran for a kept page")

    monkeypatch.setattr(SessionMiddleware, "process_request", unexpected)
    monkeypatch.setattr(AuthenticationMiddleware, "process_request", unexpected)
    again = client.get(ICE)

    assert again.status_code == 200
    assert again.content == first.content
    assert_cacheable(again)
    assert again["Content-Length"] == str(len(first.content))
    # The middleware outside the cache still adds its headers to a hit.
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert again[header] == first[header]


def test_a_visitor_with_a_session_is_not_answered_early(client, site, alice):
    assert client.get(ICE).status_code == 200  # kept for anonymous visitors
    client.force_login(alice)

    response = client.get(ICE)

    assert response["Cache-Control"] == "private, max-age=0"


def test_a_forged_session_cookie_gets_the_anonymous_page_and_no_error(site):
    first = Client().get(ICE)
    forged = Client()
    forged.cookies["sessionid"] = "x" * 5000

    response = forged.get(ICE)

    assert response.status_code == 200
    assert response.content == first.content
    # The session middleware removes the cookie that names no session.
    assert response.cookies["sessionid"].value == ""


def test_pages_are_kept_in_redis_when_a_cache_url_is_set(
    client, site, settings, django_assert_num_queries
):
    """AIRWAVES_CACHE_URL's backend, against the real Redis on 127.0.0.1 (database 14, or
    AIRWAVES_TEST_CACHE_REDIS_URL: scripts/test.sh gives each database pass its own)."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get(
                "AIRWAVES_TEST_CACHE_REDIS_URL", "redis://127.0.0.1:6379/14"
            ),
        }
    }
    cache.clear()
    try:
        assert client.get(ICE).status_code == 200
        with django_assert_num_queries(0):
            assert client.get(ICE).status_code == 200
    finally:
        cache.clear()


def test_an_etag_gets_a_304(client, site):
    etag = client.get(ICE)["ETag"]

    response = client.get(ICE, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert client.get(ICE, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert client.get(ICE, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert client.get(ICE, HTTP_IF_NONE_MATCH="garbage").status_code == 200


def test_a_listener_gets_their_own_private_page(client, site, alice):
    client.force_login(alice)
    response = client.get(ICE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=0"
    assert b"alice" in response.content
    # Their page was not kept for anyone else.
    assert b"alice" not in Client().get(ICE).content


def test_htmx_fragments_and_posts_are_not_cached(client, site, ice):
    client.get(ICE)
    response = client.post(f"/episodes/{ice.pk}/favourite", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Cache-Control" not in response or "public" not in response["Cache-Control"]


def test_a_refresh_that_changes_an_episode_shows_on_the_next_request(client, feed_server):
    feed = three_episode_feed("Cached Show")
    feed_server.route("/feed.xml", feed.xml())
    podcast = Podcast.objects.create(
        feed_url=feed_server.url("/feed.xml"),
        slug=Podcast.placeholder_slug(feed_server.url("/feed.xml")),
    )
    assert refresh_feed(podcast.pk).status == "ok"
    episode = Episode.objects.get(podcast=podcast, guid="g3")
    url = episode.get_absolute_url()
    show = Podcast.objects.get(pk=podcast.pk).get_absolute_url()
    assert b"Third" in client.get(url).content
    assert b"Third" in client.get(show).content

    # Written behind the page's back (as an admin edit would be): the cache still
    # answers, so the refresh below is what brings the change.
    Episode.objects.filter(pk=episode.pk).update(summary="Not through a refresh")
    assert b"Not through a refresh" not in client.get(url).content

    feed.items[2].title = "Third, corrected"
    feed_server.route("/feed.xml", feed.xml())
    result = refresh_feed(podcast.pk)
    assert result.status == "ok"
    assert result.updated_episodes == 1

    assert b"Third, corrected" in client.get(url).content
    assert b"Third, corrected" in client.get(show).content


# --- /me/state ------------------------------------------------------------------


def state(client, parts: str, status: int = 200) -> dict:
    response = client.get("/me/state", {"parts": parts})
    assert response.status_code == status, response.content
    assert response["Cache-Control"] == "private, no-store"
    return response.json()


def test_state_answers_a_guest_their_own_hearts_and_positions(client, ice):
    client.post(f"/episodes/{ice.pk}/favourite")
    client.post(
        f"/episodes/{ice.pk}/position",
        {"position": 90, "total": 600},
        content_type="application/json",
    )

    answer = state(client, f"heart:{ice.pk},resume:{ice.pk},menu,continue")

    parts = {name: html.fromstring(part) for name, part in answer["parts"].items()}
    assert parts[f"heart:{ice.pk}"].xpath('//button[@aria-pressed="true"]')
    assert "1:30" in parts[f"resume:{ice.pk}"].text_content()
    assert "menu" not in parts  # a guest's menu is the page's own
    assert parts["continue"].xpath("//section[@id='continue-listening']")
    assert answer["csrf_token"]
    # Every heart form comes with a token.
    assert parts[f"heart:{ice.pk}"].xpath('//input[@name="csrfmiddlewaretoken"]')


def test_state_answers_a_listener_their_menu_and_subscriptions(client, ice, alice):
    client.force_login(alice)
    answer = state(client, f"menu,follow:{ice.podcast_id}")
    assert "alice" in answer["parts"]["menu"]
    follow = html.fromstring(answer["parts"][f"follow:{ice.podcast_id}"])
    assert follow.xpath('//button[@aria-pressed="false"]')


def test_state_never_shows_someone_elses_hearts(client, ice, alice, django_user_model):
    Favourite.objects.create(user=alice, episode=ice)
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "another password")
    client.force_login(bob)

    part = state(client, f"heart:{ice.pk}")["parts"][f"heart:{ice.pk}"]

    assert 'aria-pressed="false"' in part
    assert "1 heart" in part  # the public count, nothing of whose


@pytest.mark.parametrize("who", ["guest", "listener"])
def test_state_costs_the_same_queries_for_one_part_of_a_kind_or_many(
    client, site, alice, who, django_assert_max_num_queries
):
    # A cached listing asks for a heart, follow and station part per row it shows.
    if who == "listener":
        client.force_login(alice)
    episodes = list(Episode.objects.order_by("pk")[:12])
    shows = list(Podcast.objects.order_by("pk")[:6])
    stations = [
        make_station(f"Station {n}", f"http://radio.example.org/{n}", slug=f"station-{n}")
        for n in range(6)
    ]
    for episode in episodes[::2]:
        client.post(f"/episodes/{episode.pk}/favourite")

    def parts(n_episodes: int, n_others: int) -> str:
        return ",".join(
            [f"heart:{e.pk}" for e in episodes[:n_episodes]]
            + [f"follow:{p.pk}" for p in shows[:n_others]]
            + [f"station:{s.pk}" for s in stations[:n_others]]
        )

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        few = state(client, parts(1, 1))["parts"]
    with django_assert_max_num_queries(len(one)):
        many = state(client, parts(12, 6))["parts"]
    assert len(few) == 3 and len(many) == len(episodes) + len(shows) + len(stations)
    assert len(episodes) > 1 and len(shows) > 1
    pressed = [name for name, part in many.items() if 'aria-pressed="true"' in part]
    assert sorted(pressed) == sorted(f"heart:{e.pk}" for e in episodes[::2])


def test_state_leaves_out_ids_that_name_nothing(client, site):
    assert state(client, "heart:999999,follow:999999,resume:999999")["parts"] == {}


def test_state_refuses_too_many_parts(client, site):
    parts = ",".join(f"heart:{n}" for n in range(1, 10_001))
    answer = state(client, parts, status=400)
    assert f"at most {MAX_STATE_PARTS} parts" in answer["error"]


@pytest.mark.parametrize(
    "parts",
    [
        "heart:abc",
        "heart:-1",
        "heart:",
        "heart:1:2",
        "menu:1",
        "password:1",
        "heart:١",
        "heart:" + "9" * 40,
    ],
)
def test_state_refuses_garbage(client, site, parts):
    answer = state(client, parts, status=400)
    assert answer["error"].startswith("Bad parts:")


@pytest.mark.django_db(transaction=True)
def test_the_async_chain_keeps_and_serves_pages(demo):
    from airwaves.asgi import application

    first = call(application, ICE, [b""], method="GET")
    assert first.status == 200
    assert b"set-cookie" not in first.headers
    assert b"cookie" not in first.headers.get(b"vary", b"").lower()
    assert first.headers[b"cache-control"].startswith(b"public")

    Episode.objects.filter(slug="why-ice-floats").update(title="Changed behind the page")
    again = call(application, ICE, [b""], method="GET")
    assert again.body == first.body  # from the cache
    etag = first.headers[b"etag"]
    assert call(application, ICE, [b""], [(b"if-none-match", etag)], method="GET").status == 304
