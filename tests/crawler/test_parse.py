from __future__ import annotations

import codecs
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from airwaves.crawler import parse as parse_module
from airwaves.crawler.errors import ParseError
from airwaves.crawler.parse import detect_format, parse_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed

TESTDATA = Path(__file__).parent / "testdata"

NAMESPACES = (
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:podcast="https://podcastindex.org/namespace/1.0"'
)


def rss(
    items: str = "", channel: str = "<title>Show</title>", *, namespaces: str = NAMESPACES
) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" {namespaces}>'
        f"<channel>{channel}{items}</channel></rss>"
    ).encode()


def item(body: str) -> str:
    return f"<item>{body}</item>"


def one_episode(body: str, **kwargs):
    feed = parse_feed(rss(item(body)), **kwargs)
    assert len(feed.episodes) == 1
    return feed.episodes[0]


def load(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


def large_feed(episodes: int) -> bytes:
    """A podcast feed of any size, for tests about many items."""
    items = "".join(
        item(
            f"<title>Episode {n}</title><guid>ep-{n}</guid>"
            f"<pubDate>Wed, 15 Apr 2026 09:00:00 GMT</pubDate>"
            f"<content:encoded><![CDATA[<p>{'Show notes. ' * 40}</p>]]></content:encoded>"
            f'<enclosure url="https://cdn.example.com/{n}.mp3" length="{n * 1000}" '
            f'type="audio/mpeg"/><itunes:duration>{n % 60}:00</itunes:duration>'
        )
        for n in range(episodes)
    )
    return rss(items)


# A typical podcast RSS feed ---------------------------------------------------------------


@pytest.fixture(scope="module")
def podcast() -> ParsedFeed:
    return parse_feed(load("podcast_rss.xml"), url="https://feeds.example.com/backendhour.xml")


def test_it_reads_the_channel_of_a_podcast_feed(podcast: ParsedFeed) -> None:
    assert podcast.format == "rss"
    assert podcast.title == "The Backend Hour"
    assert podcast.link == "https://backendhour.example.com/"
    assert podcast.language == "en-us"
    assert podcast.copyright == "© 2026 Mara Lindqvist"
    assert podcast.subtitle == "Databases, proxies and protocols, explained"
    assert podcast.author == "Mara Lindqvist"
    assert podcast.owner_name == "Mara Lindqvist"
    assert podcast.owner_email == "mara@backendhour.example.com"
    assert podcast.explicit is False


def test_it_prefers_itunes_image_over_the_rss_image(podcast: ParsedFeed) -> None:
    assert podcast.image_url == "https://cdn.backendhour.example.com/artwork/cover-3000.jpg"


def test_it_takes_the_longest_channel_description_as_html(podcast: ParsedFeed) -> None:
    assert podcast.description_html == (
        "<p>Short, practical episodes about databases, proxies and the protocols "
        "underneath the web.</p>"
    )


def test_it_lists_nested_itunes_categories_then_plain_ones(podcast: ParsedFeed) -> None:
    assert podcast.categories == [
        "Technology",
        "Technology > Tech News",
        "Education",
        "Software Engineering",
    ]


def test_it_reads_update_hints_and_podcasting_2_0_channel_tags(podcast: ParsedFeed) -> None:
    assert podcast.ttl_minutes == 60
    assert podcast.update_period == "daily"
    assert podcast.update_frequency == 2
    assert podcast.podcast_guid == "0b0d5c7e-6a31-5d0f-9a1e-3b5c2f7d8e41"
    assert podcast.locked is True
    assert podcast.funding_url == "https://backendhour.example.com/support"
    assert podcast.new_feed_url == ""


def test_it_reads_every_episode_in_feed_order(podcast: ParsedFeed) -> None:
    assert [e.guid for e in podcast.episodes] == [
        "backendhour-0142",
        "backendhour-0141",
        "https://backendhour.example.com/episodes/bonus-connection-pools",
        "backendhour-0140",
        "backendhour-s3-trailer",
        "backendhour-0139",
    ]


def test_it_reads_every_field_of_a_full_episode(podcast: ParsedFeed) -> None:
    episode = podcast.episodes[0]
    assert episode.title == "Why Postgres VACUUM Still Matters"
    assert episode.link == (
        "https://backendhour.example.com/episodes/why-postgres-vacuum-still-matters"
    )
    assert episode.published == datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
    assert episode.description_html.startswith("<p>Dead tuples pile up when <strong>")
    assert episode.description_html.endswith("Routine vacuuming</a></p>")
    assert episode.subtitle == "Dead tuples and the visibility map"
    assert episode.author == "Mara Lindqvist"
    assert episode.enclosure_url == "https://cdn.backendhour.example.com/audio/bh-0142.mp3"
    assert episode.enclosure_type == "audio/mpeg"
    assert episode.enclosure_length == 9412608
    assert episode.duration == 588
    assert episode.image_url == "https://cdn.backendhour.example.com/artwork/ep-0142.jpg"
    assert episode.explicit is False
    assert episode.season == 3
    assert episode.episode_number == 42
    assert episode.episode_type == "full"
    assert episode.transcript_urls == [
        "https://backendhour.example.com/transcripts/0142.vtt",
        "https://backendhour.example.com/transcripts/0142.srt",
    ]
    assert episode.chapters_url == "https://backendhour.example.com/chapters/0142.json"


def test_it_reads_durations_in_every_form_the_feed_uses(podcast: ParsedFeed) -> None:
    assert [e.duration for e in podcast.episodes] == [588, 1770, 1122, 3723, 90, 1114]


def test_it_reads_episode_types(podcast: ParsedFeed) -> None:
    assert [e.episode_type for e in podcast.episodes] == [
        "full",
        "full",
        "bonus",
        "",
        "trailer",
        "",
    ]


def test_it_converts_publish_dates_to_utc(podcast: ParsedFeed) -> None:
    assert podcast.episodes[1].published == datetime(2026, 4, 8, 16, 0, tzinfo=UTC)
    assert podcast.episodes[2].published == datetime(2026, 4, 2, 21, 30, tzinfo=UTC)


def test_it_falls_back_to_dc_date_when_there_is_no_pubdate(podcast: ParsedFeed) -> None:
    assert podcast.episodes[4].published == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_it_drops_a_non_numeric_enclosure_length(podcast: ParsedFeed) -> None:
    bonus = podcast.episodes[2]
    assert bonus.enclosure_url == "https://cdn.backendhour.example.com/audio/bh-bonus-07.mp3"
    assert bonus.enclosure_length is None


def test_it_takes_the_image_from_media_thumbnail_without_itunes_image(
    podcast: ParsedFeed,
) -> None:
    assert podcast.episodes[2].image_url == (
        "https://cdn.backendhour.example.com/artwork/bonus-07.jpg"
    )


def test_it_takes_the_longest_of_description_and_itunes_summary(podcast: ParsedFeed) -> None:
    assert podcast.episodes[3].description_html.endswith("talk about sticky sessions.")


def test_it_falls_back_to_media_content_for_the_enclosure(podcast: ParsedFeed) -> None:
    episode = podcast.episodes[5]
    assert episode.enclosure_url == "https://cdn.backendhour.example.com/audio/bh-0139.mp3"
    assert episode.enclosure_type == "audio/mpeg"
    assert episode.enclosure_length == 17825792
    assert episode.duration == 1114


# RSS details ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "explicit"),
    [
        ("yes", True),
        ("Yes", True),
        ("true", True),
        ("explicit", True),
        ("no", False),
        ("false", False),
        ("clean", False),
        (" No ", False),
        ("maybe", None),
        ("", None),
    ],
)
def test_it_reads_itunes_explicit_values(text: str, explicit: bool | None) -> None:
    episode = one_episode(f"<title>t</title><itunes:explicit>{text}</itunes:explicit>")
    assert episode.explicit is explicit
    feed = parse_feed(rss(channel=f"<title>t</title><itunes:explicit>{text}</itunes:explicit>"))
    assert feed.explicit is explicit


def test_it_leaves_explicit_unknown_when_the_feed_does_not_say() -> None:
    assert one_episode("<title>t</title>").explicit is None
    assert parse_feed(rss()).explicit is None


def test_it_reads_the_itunes_new_feed_url() -> None:
    feed = parse_feed(
        rss(
            channel="<title>t</title><itunes:new-feed-url> https://new.example.com/feed </itunes:new-feed-url>"
        )
    )
    assert feed.new_feed_url == "https://new.example.com/feed"


def test_it_ignores_itunes_block() -> None:
    feed = parse_feed(rss(item("<title>t</title><itunes:block>Yes</itunes:block>")))
    assert feed.episodes[0].title == "t"


def test_it_takes_the_first_enclosure_that_has_a_url() -> None:
    episode = one_episode(
        '<title>t</title><enclosure url="" type="audio/mpeg"/>'
        '<enclosure url="https://a.example.com/1.mp3" length=" 12 " type="audio/mpeg"/>'
        '<enclosure url="https://a.example.com/2.mp3" length="34" type="audio/mpeg"/>'
    )
    assert episode.enclosure_url == "https://a.example.com/1.mp3"
    assert episode.enclosure_length == 12


@pytest.mark.parametrize("length", ["", "-1", "12.5", "1,000", "unknown", "99999999999999999999"])
def test_it_drops_enclosure_lengths_that_are_not_byte_counts(length: str) -> None:
    episode = one_episode(
        f'<title>t</title><enclosure url="https://a.example.com/1.mp3" length="{length}"/>'
    )
    assert episode.enclosure_length is None


def test_it_finds_media_content_inside_a_media_group_and_skips_images() -> None:
    episode = one_episode(
        "<title>t</title><media:group>"
        '<media:content url="https://a.example.com/cover.jpg" medium="image"/>'
        '<media:content url="https://a.example.com/ep.m4a" type="audio/mp4" fileSize="42"/>'
        '<media:thumbnail url="https://a.example.com/thumb.jpg"/>'
        "</media:group>"
    )
    assert episode.enclosure_url == "https://a.example.com/ep.m4a"
    assert episode.enclosure_length == 42
    assert episode.image_url == "https://a.example.com/thumb.jpg"


def test_an_enclosure_wins_over_media_content() -> None:
    episode = one_episode(
        '<title>t</title><media:content url="https://a.example.com/media.mp3"/>'
        '<enclosure url="https://a.example.com/enclosure.mp3"/>'
    )
    assert episode.enclosure_url == "https://a.example.com/enclosure.mp3"


def test_it_uses_a_permalink_guid_as_the_link_when_there_is_no_link() -> None:
    assert (
        one_episode("<guid>https://a.example.com/ep/1</guid>").link == "https://a.example.com/ep/1"
    )
    not_permalink = one_episode('<guid isPermaLink="false">https://a.example.com/ep/1</guid>')
    assert not_permalink.link == ""
    assert one_episode("<guid>ep-1</guid>").link == ""


def test_it_reads_the_guid_title_and_author_fallbacks() -> None:
    episode = one_episode(
        "<guid> ep-1 </guid><title>\n  Spaced out  \n</title><dc:creator>Kim</dc:creator>"
    )
    assert episode.guid == "ep-1"
    assert episode.title == "Spaced out"
    assert episode.author == "Kim"
    assert (
        one_episode(
            "<title>t</title><itunes:author>Lee</itunes:author><dc:creator>Kim</dc:creator>"
        ).author
        == "Lee"
    )


def test_it_prefers_itunes_subtitle_then_itunes_summary_as_the_episode_subtitle() -> None:
    both = one_episode(
        "<title>t</title><itunes:subtitle>short</itunes:subtitle><itunes:summary>longer one</itunes:summary>"
    )
    assert both.subtitle == "short"
    assert (
        one_episode("<title>t</title><itunes:summary>longer one</itunes:summary>").subtitle
        == "longer one"
    )


def test_it_keeps_cdata_html_as_the_raw_text() -> None:
    episode = one_episode(
        "<title>t</title><description><![CDATA[<p>Hi <b>there</b> &amp; bye</p>]]></description>"
    )
    assert episode.description_html == "<p>Hi <b>there</b> &amp; bye</p>"


def test_it_reads_escaped_html_as_html() -> None:
    episode = one_episode(
        "<title>t</title><description>&lt;p&gt;Hi &amp;amp; bye&lt;/p&gt;</description>"
    )
    assert episode.description_html == "<p>Hi &amp; bye</p>"


def test_it_serializes_raw_markup_inside_a_description() -> None:
    episode = one_episode(
        '<title>t</title><description>Intro <p xmlns="http://www.w3.org/1999/xhtml">A <a href="https://x.example.com/">link</a></p> outro</description>'
    )
    assert (
        episode.description_html == 'Intro <p>A <a href="https://x.example.com/">link</a></p> outro'
    )


def test_it_takes_the_longest_of_content_encoded_description_and_summary() -> None:
    episode = one_episode(
        "<title>t</title><description>medium text</description>"
        "<content:encoded>short</content:encoded>"
        "<itunes:summary>the longest text of the three</itunes:summary>"
    )
    assert episode.description_html == "the longest text of the three"


def test_it_reads_season_and_episode_numbers_only_when_they_are_numbers() -> None:
    episode = one_episode(
        "<title>t</title><itunes:season> 2 </itunes:season><itunes:episode>12a</itunes:episode>"
    )
    assert episode.season == 2
    assert episode.episode_number is None


def test_it_ignores_unknown_episode_types() -> None:
    assert (
        one_episode("<title>t</title><itunes:episodeType>Trailer</itunes:episodeType>").episode_type
        == "trailer"
    )
    assert (
        one_episode("<title>t</title><itunes:episodeType>teaser</itunes:episodeType>").episode_type
        == ""
    )


def test_it_ignores_items_with_neither_title_nor_enclosure_nor_guid() -> None:
    feed = parse_feed(
        rss(
            item("<description>only a description</description><link>https://a.example.com/</link>")
            + item("<title>Has a title</title>")
            + item('<enclosure url="https://a.example.com/1.mp3"/>')
            + item("<guid>only-a-guid</guid>")
            + item("<title>   </title>")
        )
    )
    assert len(feed.episodes) == 3


def test_it_reads_an_episode_with_only_an_enclosure() -> None:
    episode = one_episode('<enclosure url="https://a.example.com/1.mp3" type="audio/mpeg"/>')
    assert episode.title == ""
    assert episode.enclosure_url == "https://a.example.com/1.mp3"


def test_a_bad_duration_or_date_loses_only_that_field() -> None:
    episode = one_episode(
        "<title>t</title><pubDate>sometime soon</pubDate><itunes:duration>about an hour</itunes:duration>"
    )
    assert episode.title == "t"
    assert episode.published is None
    assert episode.duration is None


@pytest.mark.parametrize(
    "channel",
    [
        '<podcast:updateFrequency rrule="FREQ=WEEKLY;INTERVAL=\u00b2">x</podcast:updateFrequency>',
        f'<podcast:updateFrequency rrule="FREQ=WEEKLY;INTERVAL={"9" * 5000}">x</podcast:updateFrequency>',
    ],
)
def test_an_unreadable_rrule_interval_counts_as_one(channel: str) -> None:
    feed = parse_feed(rss(item("<title>t</title>"), channel=f"<title>Show</title>{channel}"))
    assert feed.release_interval == 7 * 86400


@pytest.mark.parametrize("duration", ["9" * 400, "1" * 5000 + ":00", "P" + "9" * 400 + "D"])
def test_a_duration_too_long_to_be_a_number_is_unknown(duration: str) -> None:
    episode = one_episode(f"<title>t</title><itunes:duration>{duration}</itunes:duration>")
    assert episode.title == "t"
    assert episode.duration is None


@pytest.mark.parametrize(
    "namespace",
    [
        "http://www.itunes.com/dtds/podcast-1.0.dtd",
        "https://www.itunes.com/dtds/podcast-1.0.dtd",
        "http://www.itunes.com/DTDs/Podcast-1.0.dtd",
        "http://www.itunes.com/dtds/podcast-1.0.dtd/",
        "http://www.itunes.com/dtds/podcast.dtd",
        "http://itunes.com/dtds/podcast-1.0.dtd",
    ],
)
def test_it_accepts_itunes_namespaces_that_publishers_get_wrong(namespace: str) -> None:
    feed = parse_feed(
        rss(
            item("<title>t</title><itunes:duration>9:48</itunes:duration>"),
            channel='<title>t</title><itunes:author>Kim</itunes:author><itunes:image href="https://a.example.com/c.jpg"/>',
            namespaces=f'xmlns:itunes="{namespace}"',
        )
    )
    assert feed.author == "Kim"
    assert feed.image_url == "https://a.example.com/c.jpg"
    assert feed.episodes[0].duration == 588


def test_it_reads_itunes_and_content_tags_whose_prefix_is_never_declared() -> None:
    feed = parse_feed(
        b'<rss version="2.0"><channel><title>t</title><itunes:author>Kim</itunes:author>'
        b"<item><title>a</title><itunes:duration>9:48</itunes:duration>"
        b"<content:encoded><![CDATA[<p>long notes</p>]]></content:encoded></item></channel></rss>"
    )
    assert feed.author == "Kim"
    assert feed.episodes[0].duration == 588
    assert feed.episodes[0].description_html == "<p>long notes</p>"


def test_it_accepts_the_old_podcasting_2_0_namespace() -> None:
    feed = parse_feed(
        rss(
            channel="<title>t</title><podcast:guid>abc</podcast:guid>",
            namespaces='xmlns:podcast="https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"',
        )
    )
    assert feed.podcast_guid == "abc"


def test_it_reads_podcast_locked_no_as_false() -> None:
    assert (
        parse_feed(rss(channel="<title>t</title><podcast:locked>no</podcast:locked>")).locked
        is False
    )
    assert parse_feed(rss()).locked is None


def test_it_uses_the_rss_image_when_there_is_no_itunes_image() -> None:
    feed = parse_feed(
        rss(channel="<title>t</title><image><url> https://a.example.com/logo.png </url></image>")
    )
    assert feed.image_url == "https://a.example.com/logo.png"


def test_it_accepts_an_itunes_image_url_written_as_text() -> None:
    feed = parse_feed(
        rss(channel="<title>t</title><itunes:image>https://a.example.com/c.jpg</itunes:image>")
    )
    assert feed.image_url == "https://a.example.com/c.jpg"


def test_it_resolves_relative_urls_against_the_feed_url() -> None:
    feed = parse_feed(
        rss(
            item(
                '<title>t</title><link>/ep/1</link><enclosure url="audio/1.mp3"/>'
                '<itunes:image href="../art/1.jpg"/><podcast:transcript url="/t/1.vtt"/>'
                '<podcast:chapters url="//cdn.example.com/c/1.json"/>'
            ),
            channel='<title>t</title><link>/</link><itunes:image href="cover.jpg"/>',
        ),
        url="https://example.com/podcast/feed.xml",
    )
    episode = feed.episodes[0]
    assert feed.link == "https://example.com/"
    assert feed.image_url == "https://example.com/podcast/cover.jpg"
    assert episode.link == "https://example.com/ep/1"
    assert episode.enclosure_url == "https://example.com/podcast/audio/1.mp3"
    assert episode.image_url == "https://example.com/art/1.jpg"
    assert episode.transcript_urls == ["https://example.com/t/1.vtt"]
    assert episode.chapters_url == "https://cdn.example.com/c/1.json"


def test_it_resolves_relative_urls_against_xml_base() -> None:
    feed = parse_feed(
        rss(
            item('<title>a</title><enclosure url="a.mp3"/>')
            + '<item xml:base="/other/"><title>b</title><enclosure url="b.mp3"/></item>',
            channel="<title>t</title>",
        ).replace(b"<channel>", b'<channel xml:base="https://media.example.org/audio/">'),
        url="https://example.com/feed.xml",
    )
    assert [e.enclosure_url for e in feed.episodes] == [
        "https://media.example.org/audio/a.mp3",
        "https://media.example.org/other/b.mp3",
    ]


def test_it_leaves_relative_urls_alone_without_a_base() -> None:
    assert (
        one_episode('<title>t</title><enclosure url="audio/1.mp3"/>').enclosure_url == "audio/1.mp3"
    )


def test_it_reads_items_placed_directly_under_rss() -> None:
    feed = parse_feed(
        b"<rss><channel><title>t</title></channel><item><title>stray</title></item></rss>"
    )
    assert [e.title for e in feed.episodes] == ["stray"]


def test_it_reads_a_feed_whose_root_is_channel() -> None:
    feed = parse_feed(b"<channel><title>t</title><item><title>a</title></item></channel>")
    assert feed.title == "t"
    assert len(feed.episodes) == 1


def test_it_reads_rss_0_91_with_the_netscape_doctype_and_html_entities() -> None:
    data = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"\n'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        b'<rss version="0.91"><channel><title>Caf&eacute; \xe9t\xe9 &amp; co</title>'
        b"<item><title>Na&iuml;ve&nbsp;news</title><link>https://a.example.com/1</link></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(data)
    assert feed.title == "Café été & co"
    assert feed.episodes[0].title == "Naïve\xa0news"


def test_it_counts_every_item_of_large_feeds() -> None:
    for size in (0, 1, 500, 2000):
        feed = parse_feed(large_feed(size))
        assert len(feed.episodes) == size
    assert feed.episodes[-1].enclosure_url == "https://cdn.example.com/1999.mp3"
    assert feed.episodes[-1].enclosure_length == 1999000
    assert feed.episodes[-1].duration == 19 * 60


# Atom ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def atom() -> ParsedFeed:
    return parse_feed(load("atom_podcast.xml"), url="https://fieldrecordings.example.org/feed.atom")


def test_it_reads_the_feed_of_an_atom_podcast(atom: ParsedFeed) -> None:
    assert atom.format == "atom"
    assert atom.title == "Field Recordings Weekly"
    assert atom.link == "https://fieldrecordings.example.org/"
    assert atom.author == "Ines Carvalho"
    assert atom.language == "en-GB"
    assert atom.copyright == "CC BY-SA 4.0"
    assert atom.description_html == "<p>Ten minutes of somewhere else, every <em>Friday</em>.</p>"
    assert atom.subtitle == "Ten minutes of somewhere else, every Friday ."
    assert atom.explicit is False


def test_it_prefers_the_atom_logo_over_the_icon(atom: ParsedFeed) -> None:
    assert atom.image_url == "https://fieldrecordings.example.org/img/logo-1400.png"


def test_it_reads_atom_and_itunes_categories(atom: ParsedFeed) -> None:
    assert atom.categories == ["Society & Culture", "Society & Culture > Places & Travel", "Arts"]


def test_it_reads_atom_entries(atom: ParsedFeed) -> None:
    assert len(atom.episodes) == 4
    entry = atom.episodes[0]
    assert entry.guid == "tag:fieldrecordings.example.org,2026:ep-118"
    assert entry.title == "Harbour at Dawn, Porto"
    assert entry.link == "https://fieldrecordings.example.org/episodes/118-harbour-at-dawn"
    assert entry.published == datetime(2026, 4, 10, 5, 0, tzinfo=UTC)
    assert (
        entry.enclosure_url == "https://fieldrecordings.example.org/audio/118-harbour-at-dawn.ogg"
    )
    assert entry.enclosure_type == "audio/ogg"
    assert entry.enclosure_length == 6291456
    assert entry.duration == 602
    assert entry.subtitle == "Gulls, diesel engines and a fish market opening."
    assert entry.description_html.startswith("<p>Recorded on the Ribeira quay at 05:40. <a href=")


def test_it_falls_back_to_updated_when_an_entry_has_no_published(atom: ParsedFeed) -> None:
    assert atom.episodes[1].published == datetime(2026, 4, 3, 6, 0, tzinfo=UTC)


def test_it_unwraps_xhtml_content(atom: ParsedFeed) -> None:
    assert (
        atom.episodes[1].description_html
        == "<p>Forty minutes of <strong>rain</strong>, cut to ten.</p>"
    )


def test_it_escapes_text_content_so_it_stays_text_in_html(atom: ParsedFeed) -> None:
    assert (
        atom.episodes[2].description_html == "Rails, couplings &lt;and&gt; a conductor's whistle."
    )


def test_it_reads_the_entry_author_and_a_non_numeric_enclosure_length(atom: ParsedFeed) -> None:
    assert atom.episodes[2].author == "Guest: Tomasz Nowak"
    assert atom.episodes[1].enclosure_length is None
    assert atom.episodes[1].enclosure_url == "https://media.example.net/fr/117.mp3"


def test_it_keeps_atom_entries_without_an_enclosure(atom: ParsedFeed) -> None:
    note = atom.episodes[3]
    assert note.title == "Programme note: no episode next week"
    assert note.enclosure_url == ""


def test_it_picks_the_html_alternate_link_in_atom() -> None:
    feed = parse_feed(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b'<link rel="self" href="https://a.example.com/feed.atom"/>'
        b'<link rel="alternate" type="application/json" href="https://a.example.com/feed.json"/>'
        b'<link rel="alternate" type="text/html" href="https://a.example.com/"/>'
        b"<entry><id>1</id><link rel='enclosure' href='https://a.example.com/1.mp3' length='7'/>"
        b"<link rel='related' href='https://b.example.com/'/></entry></feed>"
    )
    assert feed.link == "https://a.example.com/"
    assert feed.episodes[0].link == ""
    assert feed.episodes[0].enclosure_url == "https://a.example.com/1.mp3"


def test_it_reads_atom_0_3_basics() -> None:
    feed = parse_feed(
        b'<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old</title>'
        b"<tagline>An old feed</tagline><link rel='alternate' href='https://old.example.com/'/>"
        b"<entry><id>e1</id><title>First</title><issued>2005-04-15T09:00:00Z</issued>"
        b"<content type='text/html' mode='escaped'>&lt;p&gt;Hi&lt;/p&gt;</content></entry></feed>"
    )
    assert feed.format == "atom"
    assert feed.subtitle == "An old feed"
    assert feed.link == "https://old.example.com/"
    assert feed.episodes[0].published == datetime(2005, 4, 15, 9, 0, tzinfo=UTC)
    assert feed.episodes[0].description_html == "<p>Hi</p>"


# RSS 1.0 (RDF) ------------------------------------------------------------------------------


def test_it_reads_rss_1_0_items_beside_the_channel() -> None:
    feed = parse_feed(load("rss1_rdf.xml"))
    assert feed.format == "rss"
    assert feed.title == "Community Radio Archive"
    assert feed.language == "de"
    assert feed.copyright == "Community Radio e.V."
    assert feed.update_period == "hourly"
    assert feed.image_url == "https://radio-archive.example.net/logo.png"
    assert [e.title for e in feed.episodes] == [
        "Morning Magazine, 14 April",
        "Jazz after Midnight",
        "School Radio Hour",
    ]
    first = feed.episodes[0]
    assert first.guid == "https://radio-archive.example.net/show/2291"
    assert first.published == datetime(2026, 4, 14, 5, 0, tzinfo=UTC)
    assert first.author == "Redaktion Morgen"


# Format detection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xml", "kind"),
    [
        (b"<rss/>", "rss"),
        (b"<channel/>", "rss"),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "rdf"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "atom"),
        (b"<feed/>", "atom"),
        (b"<html/>", ""),
        (b"<opml/>", ""),
    ],
)
def test_detect_format_names_the_feed_format_from_the_root(xml: bytes, kind: str) -> None:
    assert detect_format(etree.fromstring(xml)) == kind


# Encodings --------------------------------------------------------------------------------


def test_it_decodes_a_windows_1251_feed_by_its_declaration() -> None:
    feed = parse_feed(load("encoding_windows-1251.xml"))
    assert feed.title == "Радио Лес: разговоры о природе"
    assert feed.episodes[0].title == "Выпуск 12. Как считают птиц зимой"
    assert "учётах — и" in feed.episodes[0].description_html


def test_it_decodes_an_iso_8859_1_feed_by_its_declaration() -> None:
    feed = parse_feed(load("encoding_iso-8859-1.xml"))
    assert feed.title == "Café Crème – la chronique des cafés de quartier"
    assert feed.author == "Hélène Dubois"
    assert feed.episodes[1].title == "Épisode 6 : Brûlerie à Montréal"


def test_it_reads_utf_8_without_an_encoding_declaration() -> None:
    feed = parse_feed("<rss><channel><title>Grüße aus Köln 🎙</title></channel></rss>".encode())
    assert feed.title == "Grüße aus Köln 🎙"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_it_reads_utf_16_with_a_bom(codec: str) -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><rss><channel><title>Żółw</title><item><title>é</title></item></channel></rss>'
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    feed = parse_feed(bom + text.encode(codec))
    assert feed.title == "Żółw"
    assert feed.episodes[0].title == "é"


def test_it_reads_a_utf_8_bom() -> None:
    assert parse_feed(codecs.BOM_UTF8 + rss()).title == "Show"


def test_it_reads_utf_8_mislabelled_as_iso_8859_1() -> None:
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>Café</title></channel></rss>'
    assert parse_feed(data.encode("utf-8")).title == "Café"


def test_it_reads_windows_1252_mislabelled_as_utf_8() -> None:
    data = '<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Café – “quoted”</title></channel></rss>'
    assert parse_feed(data.encode("cp1252")).title == "Café – “quoted”"


def test_it_keeps_the_good_characters_of_utf_8_with_a_few_bad_bytes() -> None:
    data = "<rss><channel><title>Köln</title><description>x</description></channel></rss>".encode()
    feed = parse_feed(data.replace(b"x", b"\xff"))
    assert feed.title == "Köln"


# Tolerance --------------------------------------------------------------------------------


def test_it_repairs_unescaped_ampersands_and_html_entities() -> None:
    feed = parse_feed(load("broken_unescaped.xml"))
    assert feed.title == "Q&A with Sam & Priya"
    assert feed.link == "https://qanda.example.com/?utm_source=rss&utm_medium=feed"
    assert (
        feed.description_html == "Answers to your questions\xa0— every week. Café talk, no fluff."
    )
    assert feed.author == "Sam & Priya"
    first, second = feed.episodes
    assert first.title == "Episode 31: R&D budgets"
    assert first.description_html == "We talk R&D, AT&T and the\xa0economics of naïve roadmaps."
    assert first.enclosure_url == "https://media.example.com/qanda/31.mp3?source=rss&id=31"
    # &#146; is Windows-1252's right quote, written as a code point.
    assert second.description_html == "Listener mail & more. It’s a long one."


def test_it_skips_leading_whitespace_and_junk_before_the_xml_declaration() -> None:
    assert parse_feed(b"\n\n   " + rss()).title == "Show"
    assert parse_feed(codecs.BOM_UTF8 + b"\r\n" + rss()).title == "Show"


def test_it_drops_control_characters() -> None:
    feed = parse_feed(rss(item("<title>Bell\x07 and\x00 null\x1b</title>")))
    assert feed.episodes[0].title == "Bell and null"


def test_it_drops_undeclared_entities() -> None:
    assert parse_feed(rss(item("<title>a &madeup; b</title>"))).episodes[0].title == "a  b"


def test_it_keeps_the_items_before_the_point_where_a_feed_is_truncated() -> None:
    data = large_feed(10)
    cut = data[: data.index(b"<item><title>Episode 7")] + b"<item><title>Episo"
    feed = parse_feed(cut)
    assert [e.guid for e in feed.episodes][:7] == [f"ep-{n}" for n in range(7)]


def test_it_recovers_from_mismatched_tags() -> None:
    data = rss(
        item("<title>a</title><description><p>unclosed <b>bold</description>")
        + item("<title>b</title>")
    )
    titles = [e.title for e in parse_feed(data).episodes]
    assert "a" in titles


# Not feeds --------------------------------------------------------------------------------


def test_it_refuses_an_html_page() -> None:
    with pytest.raises(ParseError, match=r"^not a feed: root element is <html>$"):
        parse_feed(load("not_a_feed.html"))


def test_it_refuses_well_formed_xhtml() -> None:
    with pytest.raises(ParseError, match="root element is <html>"):
        parse_feed(b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>')


def test_it_refuses_xml_that_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="root element is <opml>"):
        parse_feed(b'<?xml version="1.0"?><opml version="2.0"><body/></opml>')


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_it_refuses_an_empty_document(data: bytes) -> None:
    with pytest.raises(ParseError, match="empty document"):
        parse_feed(data)


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"hello world", b"<<<>>>", b"<", bytes(range(256))],
)
def test_it_refuses_garbage_with_a_reason(data: bytes) -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(data)


def test_it_says_so_when_given_json() -> None:
    with pytest.raises(ParseError, match="JSON"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": []}')


# Safety -----------------------------------------------------------------------------------


def timed_parse(data: bytes) -> tuple[ParsedFeed | None, float]:
    started = time.perf_counter()
    try:
        feed = parse_feed(data)
    except ParseError:
        feed = None
    return feed, time.perf_counter() - started


def test_billion_laughs_is_refused_fast() -> None:
    with pytest.raises(ParseError, match="expand into others"):
        parse_feed(load("hostile_billion_laughs.xml"))
    _, seconds = timed_parse(load("hostile_billion_laughs.xml"))
    assert seconds < 1


def test_xxe_is_refused_and_never_reads_local_files() -> None:
    with pytest.raises(ParseError, match="external") as refused:
        parse_feed(load("hostile_xxe.xml"))
    assert "root:" not in str(refused.value)
    _, seconds = timed_parse(load("hostile_xxe.xml"))
    assert seconds < 1


def test_plain_entity_declarations_are_dropped_not_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'
        b"<rss><channel><title>Plain&nbsp;Show</title></channel></rss>"
    )
    assert parse_feed(data).title in ("PlainShow", "Plain\xa0Show", "Plain Show")


@pytest.mark.parametrize("name", ["hostile_billion_laughs.xml", "hostile_xxe.xml"])
def test_hostile_documents_in_utf_16_are_defused_too(name: str) -> None:
    text = load(name).decode().replace('encoding="utf-8"', 'encoding="UTF-16"')
    feed, seconds = timed_parse(text.encode("utf-16"))
    assert seconds < 1
    assert feed is None or "root:" not in repr(asdict(feed))
    assert feed is None or "lollol" not in repr(asdict(feed))


@pytest.mark.parametrize("name", ["hostile_billion_laughs.xml", "hostile_xxe.xml"])
def test_the_libxml2_parser_itself_expands_nothing(name: str) -> None:
    # Defence in depth: even if a DOCTYPE slipped past the repair step, the parser options
    # alone must neither expand entities nor read files.
    for parser in (parse_module._parser(), parse_module._parser(recover=True)):
        started = time.perf_counter()
        try:
            root = etree.fromstring(load(name), parser)
        except etree.XMLSyntaxError:
            root = None
        assert time.perf_counter() - started < 1
        if root is not None:
            text = etree.tostring(root, encoding="unicode")
            assert "root:" not in text
            assert "lollol" not in text


def test_a_quadratic_blowup_document_is_refused_quickly() -> None:
    # One big entity referenced many times: no nesting, so amplification checks miss it.
    big = "x" * 50_000
    refs = "&big;" * 5_000
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{big}">]>'
        f"<rss><channel><title>t{refs}</title></channel></rss>"
    ).encode()
    feed, seconds = timed_parse(data)
    assert seconds < 1
    assert feed is None


# Compared with feedparser -----------------------------------------------------------------

FEEDS = sorted(p.name for p in TESTDATA.glob("*.xml") if not p.name.startswith("hostile_"))


@pytest.mark.parametrize("name", FEEDS)
def test_it_finds_at_least_the_episodes_and_enclosures_feedparser_finds(name: str) -> None:
    data = load(name)
    reference = feedparser.parse(data)
    ours = parse_feed(data)
    assert len(ours.episodes) >= len(reference.entries)
    their_enclosures = {
        link["href"]
        for entry in reference.entries
        for link in entry.get("links", [])
        if link.get("rel") == "enclosure"
    }
    our_enclosures = {e.enclosure_url for e in ours.episodes if e.enclosure_url}
    # feedparser leaves relative enclosure URLs as written; ours are resolved.
    for theirs in their_enclosures:
        assert any(url.endswith(theirs.lstrip("./")) for url in our_enclosures), theirs


# Item digests: what lets a refresh skip items whose XML did not change ------------------

ITEMS = [
    item("<title>One</title><guid>g1</guid><pubDate>Wed, 01 Apr 2026 09:00:00 GMT</pubDate>"),
    item("<title>Two</title><guid>g2</guid><pubDate>Wed, 08 Apr 2026 09:00:00 GMT</pubDate>"),
]
ATOM_ENTRY = (
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>Show</title>'
    "<entry><id>e1</id><title>One</title><updated>2026-04-01T09:00:00Z</updated></entry></feed>"
)


def digests(data: bytes, url: str = "https://example.com/feed.xml") -> list[str]:
    return [e.fingerprint for e in parse_feed(data, url=url, known={}).episodes]


def test_items_get_digests_only_when_asked() -> None:
    assert [e.fingerprint for e in parse_feed(rss("".join(ITEMS))).episodes] == ["", ""]
    one, two = digests(rss("".join(ITEMS)))
    assert one and two and one != two
    assert digests(rss("".join(ITEMS))) == [one, two]  # the same XML, the same digest
    assert digests(ATOM_ENTRY.encode())[0]  # Atom entries too


def test_any_change_to_an_item_or_its_base_url_changes_its_digest() -> None:
    one, two = digests(rss("".join(ITEMS)))
    edited = ITEMS[1].replace("Two", "Two (edited)")
    changed = digests(rss(ITEMS[0] + edited))
    assert changed[0] == one and changed[1] != two
    # Relative links resolve against the feed's URL: a moved feed reads its items again.
    assert digests(rss("".join(ITEMS)), url="https://example.org/feed.xml")[0] != one


def test_a_new_item_rules_version_reads_every_item_again(monkeypatch) -> None:
    from airwaves.crawler import parse_common

    before = digests(rss("".join(ITEMS)))
    monkeypatch.setattr(parse_common, "RULES_VERSION", parse_common.RULES_VERSION + 1)
    assert set(digests(rss("".join(ITEMS)))).isdisjoint(before)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_known_items_come_back_as_their_stubs_unread(fmt: str) -> None:
    data = rss("".join(ITEMS)) if fmt == "rss" else ATOM_ENTRY.encode()
    first = digests(data)[0]
    stub = ParsedEpisode(guid="stored-key", fingerprint=first, unchanged=True)

    feed = parse_feed(data, url="https://example.com/feed.xml", known={first: stub})

    assert feed.episodes[0] is stub
    assert all(not e.unchanged and e.title for e in feed.episodes[1:])


def test_a_site_relative_base_given_by_the_caller_stays_the_base():
    """The demo feeds are read with a site-relative URL: their relative enclosures and
    images resolve against it (to this site), not against the channel's <link>."""
    feed = parse_feed(
        b"<rss><channel><title>T</title><link>https://example.com/</link>"
        b'<image><url>../art/t.jpg</url></image><item><title>E</title><enclosure url="../audio/e.mp3"'
        b' type="audio/mpeg" length="1"/></item></channel></rss>',
        url="/static/demo/feeds/t.xml",
    )
    assert feed.image_url == "/static/demo/art/t.jpg"
    assert feed.episodes[0].enclosure_url == "/static/demo/audio/e.mp3"


def test_the_cyclic_collector_runs_again_after_each_parse() -> None:
    """parse_feed pauses the collector while it reads (it builds no cycles), and turns it
    back on when it ends, however it ends; one paused by the caller stays paused."""
    import gc

    assert gc.isenabled()
    parse_feed(rss(item("<title>One</title>")))
    assert gc.isenabled()
    with pytest.raises(ParseError):
        parse_feed(b"<html><body>not a feed</body></html>")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_feed(rss(item("<title>One</title>")))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_parses_in_many_threads_leave_the_collector_on() -> None:
    """Each parse that pauses the collector is the one that turns it back on (a parse
    that finds it paused leaves it be), so overlapping parses cannot leave it off, as
    restoring "what it was" would (the second of two overlapping parses would pause it
    for good)."""
    import gc
    import threading

    data = rss("".join(item(f"<title>Episode {n}</title>") for n in range(300)))
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait()
            for _ in range(15):
                assert len(parse_feed(data).episodes) == 300
        except BaseException as error:  # (reported below: a thread's failure is no test's)
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert gc.isenabled()
