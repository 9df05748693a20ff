"""gpodder.net's "simple" API: the subscription list as OPML, JSON or plain text, for
the account (the website's follows) or a device (the same list, unless the account has
per-device lists), and a device's whole list
replaced with PUT; and the favourites API, which lists the episodes hearted on the
website."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone

from airwaves.listeners.follows import export_follows
from airwaves.listeners.opml import ExportFeed, NotOpml, parse_opml, write_opml
from airwaves.podcasts.models import Episode, Podcast
from airwaves.sync import subscriptions
from airwaves.sync.auth import BadInput, answer, empty, read_json, sync_view
from airwaves.sync.devices import check_device_id, device_for
from airwaves.sync.lists import device_urls, is_merged
from airwaves.sync.timestamps import format_timestamp

FORMATS = ("opml", "json", "txt")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise BadInput(f"Unknown format {fmt[:20]!r}: use .opml, .json or .txt.")


def _followed(user):
    return Podcast.objects.filter(follows__user=user).order_by("follows__created_at", "pk")


def _listing(request, user, fmt: str, urls_only: bool, device=None):
    if fmt == "opml":
        if device is not None and not is_merged(user):
            feeds = [ExportFeed(url, url) for url in device_urls(device)]
            body = write_opml(f"{user.get_username()}'s podcasts", feeds, timezone.now())
        else:
            body = export_follows(user)
        response = HttpResponse(body, content_type="text/x-opml; charset=utf-8")
    elif fmt == "txt":
        urls = subscriptions.list_urls(user, device)
        response = HttpResponse(
            "".join(f"{url}\n" for url in urls), content_type="text/plain; charset=utf-8"
        )
    elif urls_only:
        return answer(subscriptions.list_urls(user, device))
    else:
        site = request.build_absolute_uri("/").rstrip("/")
        return answer(
            [
                {
                    "url": p.feed_url,
                    "title": p.title,
                    "description": p.summary,
                    "website": p.link,
                    "logo_url": p.image_url,
                    "mygpo_link": site + p.get_absolute_url(),
                }
                for p in _followed(user)
            ]
        )
    response["Cache-Control"] = "private, no-store"
    return response


@sync_view(("GET",))
def account_subscriptions(request, username: str, fmt: str):
    _check_format(fmt)
    return _listing(request, request.sync_user, fmt, urls_only=False)


def _uploaded_urls(request, fmt: str) -> list[str]:
    if fmt == "opml":
        try:
            document = parse_opml(request.body)
        except NotOpml as error:
            raise BadInput(str(error)) from None
        return [feed.url for feed in document.feeds]
    if fmt == "txt":
        try:
            text = request.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInput("The list is not UTF-8 text.") from None
        return [line.strip() for line in text.splitlines() if line.strip()]
    data = read_json(request)
    if not isinstance(data, list) or not all(isinstance(url, str) for url in data):
        raise BadInput("Send a JSON list of podcast URLs.")
    return data


@sync_view(("GET", "PUT"))
def device_subscriptions(request, username: str, device: str, fmt: str):
    _check_format(fmt)
    check_device_id(device)
    user = request.sync_user
    found = device_for(user, device)
    if request.method == "GET":
        return _listing(request, user, fmt, urls_only=True, device=found)
    wanted = _uploaded_urls(request, fmt)
    current = set(subscriptions.list_urls(user, found))
    sanitized = subscriptions.parse_upload({"add": wanted}).add
    upload = subscriptions.parse_upload(
        {
            "add": [url for url in sanitized if url not in current],
            "remove": sorted(current - set(sanitized)),
        }
    )
    subscriptions.apply_upload(user, found, upload)
    return empty()


@sync_view(("GET",))
def favourites(request, username: str):
    site = request.build_absolute_uri("/").rstrip("/")
    hearted = (
        Episode.objects.filter(favourites__user=request.sync_user)
        .select_related("podcast")
        .order_by("-favourites__created_at", "-pk")
    )
    return answer(
        [
            {
                "title": e.title,
                "url": e.enclosure_url,
                "podcast_title": e.podcast.title,
                "podcast_url": e.podcast.feed_url,
                "description": e.summary,
                "website": e.link,
                "mygpo_link": site + e.get_absolute_url(),
                "released": format_timestamp(e.published_at or e.created_at),
            }
            for e in hearted
        ]
    )
