"""Importing OPML from the web (upload) and exporting follows as a download."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import html

from airwaves.listeners.follows import import_follows
from airwaves.listeners.models import Follow
from airwaves.listeners.opml import parse_opml
from airwaves.podcasts.models import Podcast

TESTDATA = Path(__file__).parent / "testdata"


def upload(client, name: str, data: bytes | None = None):
    data = (TESTDATA / name).read_bytes() if data is None else data
    return client.post("/following/import", {"file": SimpleUploadedFile(name, data)})


def section(response, id_: str) -> list[str]:
    doc = html.fromstring(response.content)
    return [" ".join(li.text_content().split()) for li in doc.xpath(f'//section[@id="{id_}"]//li')]


def followed_urls(user) -> set[str]:
    return set(Follow.objects.filter(user=user).values_list("podcast__feed_url", flat=True))


def test_importing_antennapod_follows_every_feed_and_adds_unknown_ones(client, alice):
    client.force_login(alice)

    response = upload(client, "antennapod.opml")

    assert response.status_code == 200
    assert followed_urls(alice) == {
        "https://feeds.example.org/signal-noise.xml",
        "https://gardenhour.example.net/rss",
        "http://kernel-notes.example.com/podcast.rss",
    }
    # New to the directory: due for their first fetch by the crawler, not fetched here.
    new = Podcast.objects.get(feed_url="https://gardenhour.example.net/rss")
    assert new.next_check_at is None and new.title == "" and new.last_fetched_at is None
    assert section(response, "added") == [
        "Signal & Noise new https://feeds.example.org/signal-noise.xml",
        "Garden Hour new https://gardenhour.example.net/rss",
        "Kernel Notes new http://kernel-notes.example.com/podcast.rss",
    ]
    assert section(response, "invalid") == []


def test_importing_again_changes_nothing_and_says_already_followed(client, alice):
    client.force_login(alice)
    upload(client, "antennapod.opml")

    response = upload(client, "antennapod.opml")

    assert Follow.objects.filter(user=alice).count() == 3
    assert Podcast.objects.count() == 3
    assert section(response, "added") == []
    assert section(response, "already") == ["Signal & Noise", "Garden Hour", "Kernel Notes"]


def test_pocket_casts_and_overcast_files_merge_with_what_is_followed(client, alice):
    client.force_login(alice)
    upload(client, "pocketcasts.opml")

    response = upload(client, "overcast.opml")

    assert followed_urls(alice) == {
        "https://feeds.example.org/signal-noise.xml",
        "https://longwalks.example.com/feed/podcast",
        "https://gardenhour.example.net/rss",
        "https://nighttrains.example.org/feed.xml",
    }
    # Overcast's episode outlines are not feeds.
    assert not Podcast.objects.filter(feed_url__contains="/audio/").exists()
    assert [item.split(" new")[0] for item in section(response, "added")] == [
        "Garden Hour",
        "Night Trains",
    ]


def test_a_known_show_is_followed_not_duplicated(client, demo, alice):
    science = Podcast.objects.get(slug="small-science")
    opml = (
        '<opml version="2.0"><body>'
        f'<outline type="rss" text="Small Science" xmlUrl="{science.feed_url}"/>'
        "</body></opml>"
    ).encode()
    client.force_login(alice)

    response = upload(client, "mine.opml", opml)

    assert Follow.objects.get(user=alice).podcast == science
    assert section(response, "added") == [f"Small Science {science.feed_url}"]


def test_invalid_outlines_are_listed_with_their_line_and_reason(client, alice):
    client.force_login(alice)

    response = upload(client, "malformed_outlines.opml")

    assert section(response, "invalid") == [
        "line 6: outline has no xmlUrl (No Address)",
        "line 7: xmlUrl is empty (Empty Address)",
        "line 8: 'just some words' is not a feed URL: it must start with http:// or https:// "
        "(Not A URL)",
        "line 9: 'ftp://files.example.com/feed.xml' is not a feed URL: it must start with "
        "http:// or https:// (FTP Show)",
    ]
    # The good ones are imported all the same; the repeated one (other case) only once.
    assert followed_urls(alice) == {
        "https://good.example.com/feed.xml",
        "http://pcast.example.com/feed.xml",
        "https://nested.example.com/rss",
    }


def test_a_file_that_is_not_opml_gets_one_error_and_imports_nothing(client, alice):
    client.force_login(alice)

    response = upload(client, "not_opml.html")

    assert response.status_code == 200
    errors = html.fromstring(response.content).xpath('//div[@class="error"]/p/text()')
    assert len(errors) == 1
    assert errors[0].startswith("This is not an OPML file")
    assert not Follow.objects.exists() and not Podcast.objects.exists()


def test_an_upload_that_is_too_large_is_refused(client, alice, monkeypatch):
    from airwaves.listeners import forms

    monkeypatch.setattr(forms, "OPML_MAX_BYTES", 100)
    client.force_login(alice)
    response = upload(client, "antennapod.opml")
    assert "are not accepted" in response.content.decode()
    assert not Follow.objects.exists()


def test_importing_needs_a_log_in_and_the_csrf_token(alice):
    anonymous = Client()
    assert anonymous.get("/following/import")["Location"].startswith("/accounts/login/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert upload(strict, "antennapod.opml").status_code == 403
    assert not Follow.objects.exists()


def test_import_reports_progress(alice):
    calls = []
    document = parse_opml((TESTDATA / "pocketcasts.opml").read_bytes())
    import_follows(alice, document, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]


def test_exporting_downloads_the_follows_as_opml(client, demo, alice, bob):
    science = Podcast.objects.get(slug="small-science")
    tales = Podcast.objects.get(slug="evening-tales")
    Follow.objects.create(user=alice, podcast=science)
    Follow.objects.create(user=alice, podcast=tales)
    Follow.objects.create(
        user=bob, podcast=Podcast.objects.exclude(pk__in=[science.pk, tales.pk]).get()
    )
    client.force_login(alice)

    response = client.get("/following/export.opml")

    assert response["Content-Type"] == "text/x-opml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="airwaves-alice.opml"'
    document = parse_opml(response.content)
    assert document.title == "alice's podcasts"
    assert [(f.title, f.url) for f in document.feeds] == [
        ("Evening Tales", tales.feed_url),
        ("Small Science", science.feed_url),
    ]


def test_a_web_import_of_too_many_feeds_is_refused_whole(client, alice, monkeypatch):
    from airwaves.listeners import views

    monkeypatch.setattr(views, "MAX_WEB_IMPORT", 2)
    client.force_login(alice)

    response = upload(client, "antennapod.opml")

    assert "This file lists 3 feeds; the site imports at most 2 at once" in (
        response.content.decode()
    )
    assert not Follow.objects.exists() and not Podcast.objects.exists()
