"""An account's OPML imports add at most OPML_NEW_FEEDS_PER_DAY feeds new to the directory
a day, on the web and from the command line; known feeds are always followed."""

from __future__ import annotations

from datetime import timedelta
from xml.sax.saxutils import quoteattr

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from lxml import html

from airwaves.cli import main
from airwaves.listeners.follows import import_follows
from airwaves.listeners.models import Attempt, Follow
from airwaves.listeners.opml import parse_opml
from airwaves.podcasts.feeds import find_or_create_feed
from airwaves.podcasts.models import Podcast

KNOWN = ["https://known.example.org/a.xml", "https://known.example.org/b.xml"]


def opml(urls: list[str]) -> bytes:
    outlines = "\n".join(
        f'<outline type="rss" text="Show {n}" xmlUrl={quoteattr(url)}/>'
        for n, url in enumerate(urls)
    )
    return f'<opml version="2.0"><head/><body>\n{outlines}\n</body></opml>'.encode()


def new_urls(n: int, host: str = "spam.example") -> list[str]:
    return [f"https://{host}/feed-{i}.xml" for i in range(n)]


@pytest.fixture
def known(db) -> list[Podcast]:
    return [find_or_create_feed(url)[0] for url in KNOWN]


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.OPML_NEW_FEEDS_PER_DAY = 20


def test_the_cli_adds_up_to_the_daily_number_of_a_hostile_file(
    alice, known, capsys, settings, tmp_path
):
    settings.OPML_NEW_FEEDS_PER_DAY = 200
    before = Podcast.objects.count()
    path = tmp_path / "hostile.opml"
    # The known feeds last: nothing the directory has is lost, wherever it is in the file.
    path.write_bytes(opml(new_urls(10_000) + KNOWN))

    assert main(["import-opml", str(path), "--user", "alice"]) == 1

    assert Podcast.objects.count() - before == 200
    assert Follow.objects.filter(user=alice).count() == 202
    assert set(KNOWN) <= set(
        Follow.objects.filter(user=alice).values_list("podcast__feed_url", flat=True)
    )
    err = capsys.readouterr().err
    assert "Followed 202 feeds (200 new to the directory" in err
    assert (
        "9800 feeds new to the directory were not added: an account may add at most 200 new "
        "feeds a day. Everything else in the file was imported; import the same file again "
        "in 24 hours to add them. (The limit is AIRWAVES_OPML_NEW_FEEDS_PER_DAY.)"
    ) in err
    assert "  - line 202: not added today: https://spam.example/feed-200.xml (Show 200)" in err
    assert err.count("  - line ") == 9800


def test_the_web_upload_reports_what_was_left_for_another_day(client, alice, known):
    client.force_login(alice)
    data = opml(KNOWN[:1] + new_urls(150) + KNOWN[1:])

    response = client.post("/following/import", {"file": SimpleUploadedFile("x.opml", data)})

    assert response.status_code == 200
    assert Follow.objects.filter(user=alice).count() == 22
    doc = html.fromstring(response.content)
    section = " ".join(doc.xpath('//section[@id="over-limit"]')[0].text_content().split())
    assert section.startswith("Not added today (130) 130 feeds new to the directory were not")
    assert "at most 20 new feeds a day" in section
    assert "line 23: not added today: https://spam.example/feed-20.xml (Show 21)" in section
    assert "… and 30 more." in section
    assert len(doc.xpath('//section[@id="over-limit"]//li')) == 100


def test_a_file_too_long_for_the_web_is_refused_whole(client, alice):
    client.force_login(alice)
    data = opml(new_urls(10_000))
    response = client.post("/following/import", {"file": SimpleUploadedFile("x.opml", data)})
    assert "This file lists 10000 feeds" in response.content.decode()
    assert not Follow.objects.exists() and not Podcast.objects.exists()


def test_the_number_is_per_account_and_per_day(alice, bob):
    report = import_follows(alice, parse_opml(opml(new_urls(25))))
    assert (len(report.followed), len(report.over_limit)) == (20, 5)

    # Another account has its own; feeds alice added are known now and always followable.
    report = import_follows(bob, parse_opml(opml(new_urls(25) + new_urls(25, "bob.example"))))
    assert (len(report.followed), len(report.over_limit)) == (40, 10)
    assert report.new_to_directory == 20

    # Alice again tomorrow: the rest of her file is added, nothing twice.
    Attempt.objects.filter(action="opml-feed").update(at=timezone.now() - timedelta(days=1))
    report = import_follows(alice, parse_opml(opml(new_urls(25))))
    assert (len(report.followed), len(report.already), report.over_limit) == (5, 20, [])
    assert Follow.objects.filter(user=alice).count() == 25


def test_a_feed_listed_twice_uses_one_of_the_number(alice):
    urls = new_urls(15)
    report = import_follows(alice, parse_opml(opml(urls + urls + new_urls(10, "more.example"))))
    assert len(report.followed) == 20
    assert len(report.over_limit) == 5  # each left-out feed once


def test_a_limit_of_zero_adds_nothing_new_but_follows_known_feeds(alice, known, settings):
    settings.OPML_NEW_FEEDS_PER_DAY = 0
    report = import_follows(alice, parse_opml(opml(new_urls(3) + KNOWN)))
    assert [item.podcast.feed_url for item in report.followed] == KNOWN
    assert len(report.over_limit) == 3
    assert not Attempt.objects.exists()
