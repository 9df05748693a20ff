"""The website and the phones share one truth: follows are subscriptions, the web
player's positions are play actions, whichever side made them."""

from __future__ import annotations

from django.test import Client

from airwaves.listeners.models import Follow
from airwaves.sync.models import WEBSITE_DEVICE, Device, SubscriptionChange
from tests.sync.conftest import FEED, MEDIA

SUBS = "/api/2/subscriptions/alice/phone.json"
EPISODES = "/api/2/episodes/alice.json"


def website(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_a_follow_on_the_website_reaches_the_phone(api, alice, podcast):
    since = api.get(SUBS).json()["timestamp"]

    website(alice).post(f"/podcasts/{podcast.pk}/follow")

    assert api.get(SUBS, {"since": since}).json()["add"] == [FEED]
    change = SubscriptionChange.objects.get()
    assert change.device.uid == WEBSITE_DEVICE
    assert Device.objects.get(uid=WEBSITE_DEVICE).kind == "server"


def test_an_unfollow_on_the_website_reaches_the_phone(api, alice, podcast):
    api.post(SUBS, {"add": [FEED]})
    since = api.get(SUBS).json()["timestamp"]

    website(alice).post(f"/podcasts/{podcast.pk}/follow")

    assert not Follow.objects.exists()
    body = api.get(SUBS, {"since": since}).json()
    assert (body["add"], body["remove"]) == ([], [FEED])


def test_a_subscription_from_the_phone_shows_on_the_website(api, alice, podcast):
    api.post(SUBS, {"add": [FEED]})

    page = website(alice).get("/following/")
    assert "Example show" in page.content.decode()


def test_a_position_from_the_browser_resumes_on_the_phone(api, alice, episode):
    website(alice).post(
        f"/episodes/{episode.pk}/position",
        {"position": 321, "total": 900, "started": 300},
        content_type="application/json",
    )

    (action,) = api.get(EPISODES).json()["actions"]
    assert action["device"] == WEBSITE_DEVICE
    assert (action["episode"], action["position"], action["total"]) == (MEDIA, 321, 900)
    # and asking for the website's device alone finds it too
    assert len(api.get(EPISODES, {"device": WEBSITE_DEVICE}).json()["actions"]) == 1


def test_a_position_from_the_phone_resumes_in_the_browser(api, alice, episode):
    api.post(
        EPISODES,
        [
            {
                "podcast": FEED,
                "episode": MEDIA,
                "action": "play",
                "timestamp": "2030-01-01T00:00:00",
                "started": 0,
                "position": 456,
                "total": 900,
            }
        ],
    )

    state = website(alice).get(f"/episodes/{episode.pk}/position").json()
    assert state == {"position": 456, "total": 900, "finished": False}


def test_the_web_player_does_not_extend_a_phones_action(api, alice, episode):
    api.post(EPISODES, [{"podcast": FEED, "episode": MEDIA, "action": "play", "position": 10}])
    website(alice).post(
        f"/episodes/{episode.pk}/position",
        {"position": 20, "started": 0},
        content_type="application/json",
    )
    positions = sorted(a["position"] for a in api.get(EPISODES).json()["actions"])
    assert positions == [10, 20]


def test_actions_stored_before_the_crawler_fetched_the_show_link_to_its_episodes(api, alice):
    from airwaves.podcasts.models import Episode, Podcast

    feed, media = "https://new.example/feed", "https://new.example/1.mp3"
    api.post(SUBS, {"add": [feed]})
    api.post(
        EPISODES,
        [{"podcast": feed, "episode": media, "action": "play", "position": 77, "total": 900}]
        + [
            {"podcast": feed, "episode": "https://t.example/2", "guid": "two", "action": "download"}
        ],
    )
    # What the crawler's first fetch of the new show stores.
    podcast = Podcast.objects.get(feed_url=feed)
    one = Episode.objects.create(
        podcast=podcast, slug="one", guid="one", title="1", enclosure_url=media
    )
    two = Episode.objects.create(podcast=podcast, slug="two", guid="two", title="2")

    api.get(EPISODES)

    assert website(alice).get(f"/episodes/{one.pk}/position").json()["position"] == 77
    assert two.actions.get().action == "download"
