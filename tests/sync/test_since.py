"""`since` answers neither repeat nor miss what the server received in the same second
(sync/changes.py): the clock is held still inside one second, where the next answer
used to begin again at that second's start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from airwaves.sync.models import SubscriptionChange, SyncAccount
from tests.sync.conftest import FEED, MEDIA, OTHER_FEED

SUBS = "/api/2/subscriptions/alice/laptop.json"
PHONE = "/api/2/subscriptions/alice/phone.json"
ACTIONS = "/api/2/episodes/alice.json"
SECOND = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """The server's clock, set by the test: a list holding the time."""
    now = [SECOND]
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    return now


def at(clock, milliseconds: int) -> None:
    clock[0] = SECOND + timedelta(milliseconds=milliseconds)


def test_two_uploads_in_one_second_each_reach_the_laptop_once(api, clock, podcast):
    at(clock, 100)
    api.post(PHONE, {"add": [FEED]})
    at(clock, 200)
    first = api.get(SUBS, {"since": 1}).json()
    at(clock, 300)
    api.post(PHONE, {"add": [OTHER_FEED]})  # a second transaction in the same second
    at(clock, 400)
    second = api.get(SUBS, {"since": first["timestamp"]}).json()
    at(clock, 1500)
    third = api.get(SUBS, {"since": second["timestamp"]}).json()

    assert first["add"] == [FEED]
    assert second["add"] == [OTHER_FEED]  # not FEED again
    assert third["add"] == [] and third["remove"] == []
    assert first["timestamp"] < second["timestamp"] <= third["timestamp"]


def test_the_whole_list_then_a_change_in_the_same_second(api, clock, podcast):
    at(clock, 100)
    api.post(PHONE, {"add": [FEED]})
    everything = api.get(SUBS).json()
    at(clock, 200)
    api.post(PHONE, {"remove": [FEED]})

    after = api.get(SUBS, {"since": everything["timestamp"]}).json()

    assert everything["add"] == [FEED]
    assert (after["add"], after["remove"]) == ([], [FEED])


def play(position: int) -> dict:
    return {
        "podcast": FEED,
        "episode": MEDIA,
        "action": "play",
        "device": "phone",
        "position": position,
        "timestamp": "2026-03-04T05:06:00",
    }


def test_two_action_uploads_in_one_second_each_come_once(api, clock, episode):
    at(clock, 100)
    api.post(ACTIONS, [play(10)])
    first = api.get(ACTIONS, {"since": 1}).json()
    at(clock, 300)
    api.post(ACTIONS, [play(20)])
    second = api.get(ACTIONS, {"since": first["timestamp"]}).json()
    at(clock, 2500)
    third = api.get(ACTIONS, {"since": second["timestamp"]}).json()

    assert [a["position"] for a in first["actions"]] == [10]
    assert [a["position"] for a in second["actions"]] == [20]
    assert third["actions"] == []


def test_an_answer_moves_later_writes_past_it_and_only_so_far(api, clock, podcast, alice):
    at(clock, 100)
    answered = api.get(SUBS, {"since": 1}).json()["timestamp"]
    assert answered == int(SECOND.timestamp()) + 1
    assert SyncAccount.objects.get(user=alice).answered_until == SECOND + timedelta(seconds=1)

    at(clock, 200)
    api.post(PHONE, {"add": [FEED]})  # stamped with the second answered up to, not before

    change = SubscriptionChange.objects.get(url=FEED)
    assert change.received_at == SECOND + timedelta(seconds=1)

    at(clock, 5000)
    assert api.get(SUBS, {"since": answered}).json()["add"] == [FEED]
    at(clock, 7000)  # past what was answered (5 s + 1): stamps follow the clock again
    api.post(PHONE, {"add": [OTHER_FEED]})
    assert SubscriptionChange.objects.get(url=OTHER_FEED).received_at == SECOND + timedelta(
        seconds=7
    )
