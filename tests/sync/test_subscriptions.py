"""Subscriptions over the gPodder API: the account's follows, changes paged by the time
the server received them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from airwaves.listeners.models import Follow
from airwaves.podcasts.models import Podcast
from airwaves.sync.models import SubscriptionChange
from airwaves.sync.subscriptions import changes_since
from tests.sync.conftest import FEED, OTHER_FEED

URL = "/api/2/subscriptions/alice/phone.json"


def test_an_upload_follows_and_answers_an_integer_timestamp_and_update_urls(api, podcast):
    before = int(timezone.now().timestamp())
    response = api.post(URL, {"add": [FEED], "remove": []})

    assert response.status_code == 200
    body = response.json()
    assert body["update_urls"] == []
    assert isinstance(body["timestamp"], int) and body["timestamp"] >= before
    assert Follow.objects.filter(user__username="alice", podcast=podcast).exists()


def test_since_zero_or_absent_gives_the_whole_list(api, podcast):
    api.post(URL, {"add": [FEED]})
    for params in ({}, {"since": "0"}, {"since": ""}):
        body = api.get(URL, params).json()
        assert body["add"] == [FEED]
        assert body["remove"] == []
        assert isinstance(body["timestamp"], int)


def test_since_gives_only_later_changes_oldest_first(api, podcast):
    api.post(URL, {"add": [FEED]})
    SubscriptionChange.objects.update(received_at=timezone.now() - timedelta(seconds=10))
    since = int(timezone.now().timestamp()) - 5
    api.post(URL, {"add": [OTHER_FEED]})
    api.post(URL, {"remove": [FEED]})

    body = api.get(URL, {"since": since}).json()

    assert body == {"add": [OTHER_FEED], "remove": [FEED], "timestamp": body["timestamp"]}
    assert not Follow.objects.filter(podcast=podcast).exists()


def test_a_url_new_to_the_directory_is_added_for_the_crawler(api):
    api.post(URL, {"add": ["https://new.example/feed"]})

    podcast = Podcast.objects.get(feed_url="https://new.example/feed")
    assert podcast.title == ""  # the crawler fills it in on its first fetch
    assert Follow.objects.filter(podcast=podcast).exists()


def test_new_urls_are_capped_per_day_like_opml_imports(api, settings):
    settings.OPML_NEW_FEEDS_PER_DAY = 2
    urls = [f"https://new{i}.example/feed" for i in range(4)]
    api.post(URL, {"add": urls})

    assert Podcast.objects.count() == 2
    # The phone's change is still there for the account's other devices.
    assert SubscriptionChange.objects.count() == 4


def test_rewritten_urls_are_reported_and_local_folders_left_out(api, podcast):
    local = "antennapod_local:content://com.android.externalstorage.documents/tree/x"
    body = api.post(URL, {"add": ["  HTTPS://EXAMPLE.ORG/feed.xml ", local]}).json()

    assert body["update_urls"] == [["  HTTPS://EXAMPLE.ORG/feed.xml ", FEED], [local, ""]]
    assert list(SubscriptionChange.objects.values_list("url", flat=True)) == [FEED]
    assert Follow.objects.get().podcast == podcast


def test_a_capped_answer_pages_without_dropping_or_repeating(alice, settings, monkeypatch):
    from airwaves.sync import subscriptions

    monkeypatch.setattr(subscriptions, "MAX_CHANGES_PER_DOWNLOAD", 3)
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    SubscriptionChange.objects.bulk_create(
        [
            SubscriptionChange(
                user=alice,
                url=f"https://e.org/{i}",
                action="add",
                # Two changes in each second: a page cannot end between them.
                received_at=start + timedelta(seconds=i // 2, microseconds=i),
            )
            for i in range(7)
        ]
    )
    seen, since = [], start
    for _ in range(5):
        delta = changes_since(alice, since)
        seen += delta.add
        since = timezone.datetime.fromtimestamp(delta.timestamp, timezone.UTC)
        if len(seen) >= 7:
            break
    assert seen == [f"https://e.org/{i}" for i in range(7)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([FEED], "JSON object"),
        ({"add": FEED}, "list of podcast URLs"),
        ({"add": [1, 2]}, "list of podcast URLs"),
        ({"add": [FEED], "remove": [FEED]}, "both added and removed"),
        ({"add": [FEED], "delete": []}, "Unknown key"),
        ({"add": ["https://e.org/" + str(i) for i in range(10_001)]}, "At most"),
    ],
)
def test_bad_uploads_get_a_clear_400_and_change_nothing(api, podcast, body, message):
    response = api.post(URL, body)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Follow.objects.exists()
    assert not SubscriptionChange.objects.exists()


@pytest.mark.parametrize(
    "body", [b"\xff\xfe", b"", b"[" * 10_000 + b"]" * 10_000, b'{"add": [' + b"1," * 5 + b"}"]
)
def test_malformed_bodies_get_a_clear_400(api, body):
    response = api.post(URL, body)
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize("since", ["-1", "yesterday", "1e9", "99999999999999"])
def test_a_bad_since_gets_a_clear_400(api, since):
    response = api.get(URL, {"since": since})
    assert response.status_code == 400
    assert "since" in response.json()["error"]
