"""The background job (podcasts/extras.py): fetches due chapters and transcript files
from a real server, stores what it read, records why not, and never breaks the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from airwaves.crawler.refresh import refresh_feed
from airwaves.crawler.tasks import MEDIA_TASK_NAME, celery_app
from airwaves.podcasts.extras import fetch_media_quietly, fetch_pending_media, take_due_files
from airwaves.podcasts.models import Episode, EpisodeChapter, EpisodeFile, Podcast
from tests.media.media_feeds import CHAPTERS, VTT, media_feed, media_item

pytestmark = pytest.mark.django_db

SRT = "1\n00:00:00,000 --> 00:00:05,000\nFrom the SRT.\n"


def show_with(feed_server, item: str) -> Episode:
    feed_server.route("/feed.xml", media_feed(item))
    podcast = Podcast.objects.create(
        feed_url=feed_server.url("/feed.xml"), slug=Podcast.placeholder_slug("x")
    )
    assert refresh_feed(podcast.pk).status == "ok"
    return Episode.objects.get(podcast=podcast)


def page(episode: Episode):
    return Client().get(episode.get_absolute_url())


def test_chapters_and_the_transcript_are_fetched_read_and_shown(feed_server):
    feed_server.route("/c.json", CHAPTERS, headers={"Content-Type": "application/json"})
    feed_server.route("/t.vtt", VTT, headers={"Content-Type": "text/vtt"})
    episode = show_with(
        feed_server,
        media_item(
            "a",
            chapters=feed_server.url("/c.json"),
            transcripts=[(feed_server.url("/t.vtt"), "text/vtt")],
        ),
    )
    before = page(episode).content.decode()
    assert "First topic" not in before  # nothing is fetched by a page view

    summary = fetch_pending_media()

    assert summary.statuses == {"ok": 2}
    chapters = list(EpisodeChapter.objects.filter(episode=episode).values_list("start", "title"))
    assert chapters == [
        (0.0, "Intro"),
        (30.0, "First topic"),
        (90.0, "Second topic"),
        (120.0, "Goodbye"),
    ]
    transcript = EpisodeFile.objects.get(kind="transcript")
    assert transcript.status == "ok" and transcript.last_error == ""
    assert transcript.lines[1] == [30.0, 90.0, "Here is the first topic."]
    assert "Thanks for listening." in transcript.text
    assert transcript.next_fetch_at > timezone.now() + timedelta(days=29)
    # The show's cached page was built again with them.
    html = page(episode).content.decode()
    assert 'href="?t=30"' in html and "First topic" in html
    assert "Here is the first topic." in html
    assert fetch_pending_media().fetched == 0  # nothing is due now


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        ({"Content-Type": "text/vtt"}, "WEBVTT\n\n" + "x" * 5000, "larger than"),
        ({"Content-Type": "image/png"}, "\x89PNG", "image/png"),
        ({"Content-Type": "text/vtt"}, "not a vtt at all", "WEBVTT"),
    ],
)
def test_a_hostile_transcript_is_recorded_and_the_page_still_renders(
    feed_server, settings, headers, body, reason
):
    settings.MEDIA_MAX_BYTES = 4000
    feed_server.route("/t.vtt", body, headers=headers)
    episode = show_with(
        feed_server, media_item("a", transcripts=[(feed_server.url("/t.vtt"), "text/vtt")])
    )

    assert fetch_pending_media().statuses == {"refused": 1}

    row = EpisodeFile.objects.get()
    assert row.status == "refused" and reason in row.last_error
    assert row.next_fetch_at > timezone.now() + timedelta(days=29)
    response = page(episode)
    assert response.status_code == 200
    assert b'id="transcript"' not in response.content


def test_a_refused_transcript_hands_over_to_the_next_best(feed_server):
    feed_server.route("/t.vtt", status=404)
    feed_server.route("/t.srt", SRT, headers={"Content-Type": "application/x-subrip"})
    episode = show_with(
        feed_server,
        media_item(
            "a",
            transcripts=[
                (feed_server.url("/t.srt"), "application/x-subrip"),
                (feed_server.url("/t.vtt"), "text/vtt"),
            ],
        ),
    )
    assert fetch_pending_media().statuses == {"refused": 1}
    assert fetch_pending_media().statuses == {"ok": 1}
    statuses = dict(EpisodeFile.objects.values_list("url", "status"))
    assert statuses == {feed_server.url("/t.vtt"): "refused", feed_server.url("/t.srt"): "ok"}
    assert b"From the SRT." in page(episode).content


def test_a_server_error_is_tried_again_later_and_what_was_read_stays(feed_server):
    feed_server.route("/c.json", CHAPTERS)
    episode = show_with(feed_server, media_item("a", chapters=feed_server.url("/c.json")))
    fetch_pending_media()
    feed_server.route("/c.json", status=503)
    EpisodeFile.objects.update(next_fetch_at=timezone.now())

    assert fetch_pending_media().statuses == {"failed": 1}

    row = EpisodeFile.objects.get()
    assert row.status == "ok" and "HTTP 503" in row.last_error and row.error_count == 1
    assert timezone.now() < row.next_fetch_at <= timezone.now() + timedelta(hours=1, minutes=1)
    assert EpisodeChapter.objects.filter(episode=episode).count() == 4


def test_a_private_address_is_refused_without_a_connection(feed_server, settings):
    episode = show_with(feed_server, media_item("a", chapters=feed_server.url("/c.json")))
    settings.ALLOW_PRIVATE_URLS = False
    seen = len(feed_server.requests)

    assert fetch_pending_media().statuses == {"refused": 1}

    assert "127.0.0.1" in EpisodeFile.objects.get().last_error
    assert len(feed_server.requests) == seen
    assert page(episode).status_code == 200


def test_a_claimed_file_is_not_taken_by_another_run(feed_server):
    show_with(feed_server, media_item("a", chapters=feed_server.url("/c.json")))
    now = timezone.now()
    first = take_due_files(now, limit=10, lease=timedelta(minutes=5))
    second = take_due_files(now, limit=10, lease=timedelta(minutes=5))
    assert len(first) == 1 and second == []
    # A lease that ran out (a crashed run) frees it.
    assert (
        len(take_due_files(now + timedelta(minutes=6), limit=10, lease=timedelta(minutes=5))) == 1
    )


def test_the_celery_task_and_the_per_tick_hook_run_the_job(feed_server):
    feed_server.route("/c.json", CHAPTERS)
    show_with(feed_server, media_item("a", chapters=feed_server.url("/c.json")))
    task = celery_app().tasks[MEDIA_TASK_NAME]
    assert task.run() == "chapters and transcripts: 1 ok"

    EpisodeFile.objects.update(next_fetch_at=timezone.now(), status="pending")
    # Last: the hook closes the database connection when it is done, as a loop's tick does.
    summary = fetch_media_quietly()
    assert summary is not None and summary.statuses == {"ok": 1}
