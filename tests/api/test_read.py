from __future__ import annotations

from django.test import Client

from airwaves.podcasts.models import Episode, Podcast


def test_it_lists_shows_and_their_episodes(demo):
    client = Client()
    body = client.get("/api/v1/shows?order=title").json()
    slugs = [show["slug"] for show in body["items"]]
    assert slugs == sorted(slugs, key=lambda s: Podcast.objects.get(slug=s).title)
    show = Podcast.objects.get(slug=slugs[0])
    got = client.get(f"/api/v1/shows/{show.slug}").json()
    assert got["feed_url"] == show.feed_url and got["episode_count"] == show.episode_count
    episodes = client.get(f"/api/v1/shows/{show.slug}/episodes").json()["items"]
    assert [e["id"] for e in episodes] == list(
        Episode.objects.filter(podcast=show)
        .order_by("-published_at", "-pk")
        .values_list("pk", flat=True)[:20]
    )
    one = client.get(f"/api/v1/shows/{show.slug}/episodes/{episodes[0]['slug']}").json()
    assert one == client.get(f"/api/v1/episodes/{episodes[0]['id']}").json()


def test_it_finds_a_show_by_feed_url_and_by_category(demo):
    show = Podcast.objects.exclude(category=None).first()
    client = Client()
    found = client.get("/api/v1/shows", {"feed_url": show.feed_url}).json()["items"]
    assert [s["id"] for s in found] == [show.pk]
    in_category = client.get("/api/v1/shows", {"category": show.category.slug}).json()["items"]
    assert show.pk in [s["id"] for s in in_category]
    categories = client.get("/api/v1/categories").json()
    assert show.category.slug in [c["slug"] for c in categories]


def test_it_answers_errors_in_one_shape(demo):
    client = Client()
    missing = client.get("/api/v1/shows/no-such-show")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    bad = client.get("/api/v1/shows?limit=1000")
    assert bad.status_code == 422
    assert bad.json()["error"] == {
        "code": "invalid",
        "message": bad.json()["error"]["message"],
        "field": "limit",
    }
    forged = client.get("/api/v1/shows?cursor=abc")
    assert forged.status_code == 400 and forged.json()["error"]["field"] == "cursor"
    nowhere = client.get("/api/v1/nowhere")
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/v1/categories")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_a_cursor_of_one_list_is_refused_by_another(demo):
    client = Client()
    first = client.get("/api/v1/shows?order=title&limit=1").json()
    other = client.get(f"/api/v1/shows?order=new&cursor={first['next']}")
    assert other.status_code == 400
    assert other.json()["error"]["code"] == "invalid_cursor"


def test_every_get_has_an_etag_and_cors(demo):
    client = Client()
    first = client.get("/api/v1/shows")
    assert first["Access-Control-Allow-Origin"] == "*"
    assert first["Cache-Control"].startswith("public")
    assert "Cookie" not in first.get("Vary", "") and not first.cookies
    again = client.get("/api/v1/shows", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    weak = client.get("/api/v1/shows", headers={"If-None-Match": "W/" + first["ETag"]})
    assert weak.status_code == 304
    preflight = client.options(
        "/api/v1/shows",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]


def test_an_etag_changes_with_the_data(demo):
    client = Client()
    show = demo[0]
    first = client.get(f"/api/v1/shows/{show.slug}")
    Podcast.objects.filter(pk=show.pk).update(author="Someone Else")
    after = client.get(f"/api/v1/shows/{show.slug}", headers={"If-None-Match": first["ETag"]})
    assert after.status_code == 200 and after.json()["author"] == "Someone Else"


def test_it_searches_with_the_sites_engine(demo):
    episode = Episode.objects.exclude(title="").first()
    word = max(episode.title.split(), key=len)
    client = Client()
    body = client.get("/api/v1/search/episodes", {"q": word}).json()
    assert episode.pk in [e["id"] for e in body["items"]]
    assert body["count"] >= 1
    assert any("<mark>" in e["snippet"] for e in body["items"]) or body["items"]
    bad = client.get("/api/v1/search/episodes", {"q": word, "from": "yesterday"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "from"
