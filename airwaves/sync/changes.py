"""The website's follows and unfollows, recorded as subscription changes of the
website's own device so that phones see them on their next sync. Called by every
website write path (listeners/follows.py)."""

from __future__ import annotations

from airwaves.sync.models import SubscriptionChange


def website_followed(user, podcast, followed: bool) -> None:
    from airwaves.sync.devices import website_device

    SubscriptionChange.objects.create(
        user=user,
        device=website_device(user),
        podcast=podcast,
        url=podcast.feed_url,
        action=SubscriptionChange.Action.ADD if followed else SubscriptionChange.Action.REMOVE,
    )
