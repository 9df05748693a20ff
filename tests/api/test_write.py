from __future__ import annotations

import json

from django.test import Client

from airwaves.listeners.models import Attempt, EpisodeAction, Favourite, Follow
from airwaves.podcasts.models import Podcast
from airwaves.radio.models import StationFavourite
from tests.api.conftest import bearer


def put_json(client: Client, url: str, body, **kwargs):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.put(url, data=data, content_type="application/json", **kwargs)


def test_favourites_follows_and_positions_are_the_sites_records(alice, write_token, demo, station):
    client = bearer(write_token)
    show = demo[0]
    episode = show.episodes.exclude(enclosure_url="").first()

    assert client.put(f"/api/v1/me/favourites/episodes/{episode.pk}").json() == {"favourite": True}
    assert client.put(f"/api/v1/me/favourites/episodes/{episode.pk}").json() == {"favourite": True}
    assert Favourite.objects.filter(user=alice, episode=episode).count() == 1
    listed = client.get("/api/v1/me/favourites/episodes").json()["items"]
    assert [e["id"] for e in listed] == [episode.pk]
    assert client.delete(f"/api/v1/me/favourites/episodes/{episode.pk}").json() == {
        "favourite": False
    }
    assert not Favourite.objects.exists()

    assert client.put(f"/api/v1/me/follows/{show.slug}").json() == {"following": True}
    assert Follow.objects.filter(user=alice, podcast=show).exists()
    assert [s["id"] for s in client.get("/api/v1/me/follows").json()["items"]] == [show.pk]
    client.delete(f"/api/v1/me/follows/{show.slug}")
    assert not Follow.objects.exists()

    assert client.put(f"/api/v1/me/favourites/stations/{station.slug}").status_code == 200
    assert StationFavourite.objects.filter(user=alice, station=station).exists()
    stations = client.get("/api/v1/me/favourites/stations").json()["items"]
    assert [s["slug"] for s in stations] == [station.slug]
    client.delete(f"/api/v1/me/favourites/stations/{station.slug}")
    assert not StationFavourite.objects.exists()

    saved = put_json(client, f"/api/v1/me/positions/{episode.pk}", {"position": 120, "total": 600})
    assert saved.json() == {"episode": episode.pk, "position": 120, "total": 600, "finished": False}
    action = EpisodeAction.objects.get(user=alice, episode=episode)
    assert (action.action, action.position, action.total, action.device) == ("play", 120, 600, "")
    assert client.get(f"/api/v1/me/positions/{episode.pk}").json()["position"] == 120


def test_votes_and_clicks_count_once_a_day(write_token, station):
    client = bearer(write_token)
    assert client.post(f"/api/v1/stations/{station.slug}/vote").json() == {"counted": True}
    assert client.post(f"/api/v1/stations/{station.slug}/vote").json() == {"counted": False}
    assert client.post(f"/api/v1/stations/{station.slug}/click").json() == {"counted": True}
    station.refresh_from_db()
    assert (station.votes, station.click_count) == (6, 1)
    assert Client().post(f"/api/v1/stations/{station.slug}/vote").status_code == 401


def test_one_listener_never_reads_or_writes_anothers_records(
    alice, bob, write_token, bob_token, demo
):
    episode = demo[0].episodes.exclude(enclosure_url="").first()
    alice_client, bob_client = bearer(write_token), bearer(bob_token)
    alice_client.put(f"/api/v1/me/favourites/episodes/{episode.pk}")
    put_json(alice_client, f"/api/v1/me/positions/{episode.pk}", {"position": 300})
    alice_client.put(f"/api/v1/me/follows/{demo[0].slug}")

    assert bob_client.get("/api/v1/me/favourites/episodes").json()["items"] == []
    assert bob_client.get("/api/v1/me/follows").json()["items"] == []
    assert bob_client.get(f"/api/v1/me/positions/{episode.pk}").json()["position"] is None
    bob_client.delete(f"/api/v1/me/favourites/episodes/{episode.pk}")
    bob_client.delete(f"/api/v1/me/follows/{demo[0].slug}")
    assert Favourite.objects.filter(user=alice, episode=episode).exists()
    assert Follow.objects.filter(user=alice).exists()
    # A cursor of alice's list does not page bob's.
    for other in demo[0].episodes.all()[:3]:
        alice_client.put(f"/api/v1/me/favourites/episodes/{other.pk}")
    cursor = alice_client.get("/api/v1/me/favourites/episodes?limit=1").json()["next"]
    refused = bob_client.get(f"/api/v1/me/favourites/episodes?cursor={cursor}")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_cursor"
    assert bob_client.get("/api/v1/me").json()["user"] == "bob"


def test_hostile_bodies_are_refused_and_change_nothing(alice, write_token, demo):
    client = bearer(write_token)
    episode = demo[0].episodes.exclude(enclosure_url="").first()
    url = f"/api/v1/me/positions/{episode.pk}"
    cases = [
        ("{not json", 400),
        ("[" * 50_000 + "]" * 50_000, 400),  # deeper than any parser's stack
        ({"position": -1}, 422),
        ({"position": 10**12}, 422),
        ({"position": "12"}, 422),
        ({"position": 1, "total": "x"}, 422),
        ([1, 2, 3], 422),
        ({}, 422),
    ]
    for body, status in cases:
        answer = put_json(client, url, body)
        assert answer.status_code == status, (str(body)[:40], answer.content[:200])
        assert set(answer.json()["error"]) == {"code", "message", "field"}
    assert not EpisodeAction.objects.exists()
    for path in (
        "/api/v1/me/favourites/episodes/0",
        "/api/v1/me/favourites/episodes/99999999999999999999",
        "/api/v1/me/follows/" + "x" * 5000,
        "/api/v1/me/positions/abc",
    ):
        answer = client.put(path)
        assert answer.status_code in (404, 422), path
        assert "error" in answer.json()
    assert not Favourite.objects.exists() and not Follow.objects.exists()
    for path in (
        "/api/v1/stations/" + "x" * 5000 + "/vote",
        "/api/v1/stations/none/click",
        "/api/v1/me/favourites/stations/none",
    ):
        answer = client.post(path) if not path.startswith("/api/v1/me") else client.put(path)
        assert answer.status_code == 404, path
        assert answer.json()["error"]["code"] == "not_found"


def test_adding_a_feed_queues_it_for_the_crawler(alice, write_token, settings):
    client = bearer(write_token)
    url = "https://feeds.example.org/new.xml"
    answer = client.post("/api/v1/shows", {"feed_url": url}, content_type="application/json")
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "queued" and body["slug"] is None
    assert answer["Location"] == body["api_url"]
    show = Podcast.objects.get(feed_url=url)
    assert show.next_check_at is None and show.fetch_status == "new"  # due for its first fetch
    again = client.post("/api/v1/shows", {"feed_url": url}, content_type="application/json")
    assert again.status_code == 202 and Podcast.objects.filter(feed_url=url).count() == 1
    assert Attempt.objects.filter(action="opml-feed").count() == 1


def test_adding_feeds_is_guarded_and_limited(alice, write_token, settings):
    client = bearer(write_token)
    settings.ALLOW_PRIVATE_URLS = False
    for bad in [
        "http://127.0.0.1/feed.xml",
        "http://[::1]/feed",
        "ftp://example.org/feed",
        "javascript:alert(1)",
        "https://" + "a" * 3000 + ".org/",
        "",
    ]:
        answer = client.post("/api/v1/shows", {"feed_url": bad}, content_type="application/json")
        assert answer.status_code == 422, bad
        assert answer.json()["error"]["field"] in ("feed_url", "data.feed_url")
    assert not Podcast.objects.exists()
    assert (
        Client()
        .post("/api/v1/shows", {"feed_url": "https://a.example/f"}, content_type="application/json")
        .status_code
        == 401
    )

    settings.OPML_NEW_FEEDS_PER_DAY = 2
    statuses = [
        client.post(
            "/api/v1/shows",
            {"feed_url": f"https://example.org/{n}.xml"},
            content_type="application/json",
        )
        for n in range(3)
    ]
    assert [a.status_code for a in statuses] == [202, 202, 429]
    assert int(statuses[2]["Retry-After"]) > 0
    assert statuses[2].json()["error"]["code"] == "rate_limited"
    assert Podcast.objects.count() == 2
