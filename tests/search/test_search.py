"""/search on both engines: ranking, phrases, exclusions, filters, grouping, paging."""

from __future__ import annotations

import pytest

from airwaves.podcasts.models import Category
from tests.radio.fixtures import make_station
from tests.search.helpers import make_episode, make_show

pytestmark = pytest.mark.django_db


def titles(response, kind: str) -> list[str]:
    for group in response.context["groups"]:
        if group.param == kind:
            return [getattr(item, "title", None) or item.name for item in group.results]
    return []


def test_a_word_only_in_the_show_notes_is_found(client):
    show = make_show("Night Owls")
    make_episode(show, "Episode one", description="<p>We talk about <b>marmalade</b>.</p>")

    response = client.get("/search", {"q": "marmalade"})

    assert response.status_code == 200
    assert titles(response, "episodes") == ["Episode one"]
    group = response.context["groups"][0]
    assert group.results[0].snippet == "We talk about <mark>marmalade</mark>."


def test_a_title_match_ranks_above_a_body_match(client):
    show = make_show("Kitchen")
    make_episode(show, "Bread and butter", description="bread " * 20, published="2026-03-01")
    make_episode(show, "Marmalade", description="Nothing else.", published="2020-01-01")
    make_episode(
        show, "Toast", description="With marmalade, marmalade, marmalade.", published="2026-03-01"
    )

    response = client.get("/search", {"q": "marmalade"})

    assert titles(response, "episodes") == ["Marmalade", "Toast"]


def test_a_newer_episode_ranks_above_an_older_one_of_the_same_strength(client):
    show = make_show("Kitchen")
    make_episode(show, "Marmalade, old", published="2019-05-01")
    make_episode(show, "Marmalade, new", published="2026-05-01")
    make_episode(show, "Marmalade, middle", published="2024-05-01")

    response = client.get("/search", {"q": "marmalade"})

    assert titles(response, "episodes") == ["Marmalade, new", "Marmalade, middle", "Marmalade, old"]


def test_a_station_with_more_votes_and_clicks_ranks_higher(client):
    make_station("Jazz Radio One", url="http://one.example.org/", votes=3)
    make_station("Jazz Radio Two", url="http://two.example.org/", votes=4000, click_count=900)

    response = client.get("/search", {"q": "jazz"})

    assert titles(response, "stations") == ["Jazz Radio Two", "Jazz Radio One"]


def test_stations_are_found_by_tag_and_country_and_broken_ones_are_not(client):
    make_station("Radio A", url="http://a.example.org/", tags="bebop,swing", country="Norway")
    make_station("Radio B", url="http://b.example.org/", tags="bebop", broken=True)

    assert titles(client.get("/search", {"q": "bebop"}), "stations") == ["Radio A"]
    assert titles(client.get("/search", {"q": "norway"}), "stations") == ["Radio A"]


def test_shows_are_found_by_author_and_description(client):
    make_show("Quiet Hours", author="Ada Lovelace", description="<p>Analytical engines.</p>")

    assert titles(client.get("/search", {"q": "lovelace"}), "shows") == ["Quiet Hours"]
    assert titles(client.get("/search", {"q": "analytical"}), "shows") == ["Quiet Hours"]


def test_a_quoted_phrase_matches_the_words_in_that_order_only(client):
    show = make_show("Sea")
    make_episode(show, "The deep sea")
    make_episode(show, "A sea that is deep")

    assert titles(client.get("/search", {"q": '"deep sea"'}), "episodes") == ["The deep sea"]
    assert len(titles(client.get("/search", {"q": "deep sea"}), "episodes")) == 2


def test_a_minus_word_leaves_out_what_has_it(client):
    show = make_show("Sea")
    make_episode(show, "Whales of the deep")
    make_episode(show, "Sharks of the deep")

    response = client.get("/search", {"q": "deep -sharks"})

    assert titles(response, "episodes") == ["Whales of the deep"]


def test_a_minus_word_alone_says_what_to_do(client):
    make_episode(make_show("Sea"), "Whales")

    response = client.get("/search", {"q": "-whales"})

    assert response.status_code == 200
    assert "There is no word to search for" in response.content.decode()


def test_filters_by_date_duration_language_and_category(client):
    tech = Category.objects.create(name="Technology", slug="technology")
    news = Category.objects.create(name="Tech News", slug="tech-news", parent=tech)
    arts = Category.objects.create(name="Arts", slug="arts")
    english = make_show("English tech", language="en-us", category=news)
    french = make_show("French arts", language="fr", category=arts)
    make_episode(english, "Radio waves short", published="2026-02-01", duration=300)
    make_episode(english, "Radio waves long", published="2026-03-01", duration=3600)
    make_episode(french, "Radio waves en français", published="2025-03-01", duration=1800)

    def found(**params):
        return titles(client.get("/search", {"q": "waves", **params}), "episodes")

    assert found(language="en") == ["Radio waves long", "Radio waves short"]
    assert found(language="fr") == ["Radio waves en français"]
    assert found(category="technology") == ["Radio waves long", "Radio waves short"]
    assert found(category="arts") == ["Radio waves en français"]
    assert found(**{"from": "2026-02-01", "to": "2026-02-28"}) == ["Radio waves short"]
    assert found(**{"to": "2025-12-31"}) == ["Radio waves en français"]
    assert found(min="20") == ["Radio waves long", "Radio waves en français"]
    assert found(max="10") == ["Radio waves short"]
    assert found(min="20", max="70", language="en") == ["Radio waves long"]


def test_stations_filter_by_one_of_their_language_codes(client):
    make_station("Talk One", url="http://1.example.org/", language_codes="fr,en")
    make_station("Talk Two", url="http://2.example.org/", language_codes="eng")
    make_station("Talk Three", url="http://3.example.org/", language_codes="pt-br")

    def found(language: str) -> list[str]:
        return titles(client.get("/search", {"q": "talk", "language": language}), "stations")

    assert found("en") == ["Talk One"]
    assert found("pt") == ["Talk Three"]


def test_episode_only_filters_leave_out_shows_and_stations(client):
    show = make_show("Waves")
    make_episode(show, "Waves", duration=600)
    make_station("Waves FM", url="http://waves.example.org/")

    response = client.get("/search", {"q": "waves", "min": "5"})

    assert [g.param for g in response.context["groups"]] == ["episodes"]


def test_the_kind_filter_pages_through_one_kind(client):
    show = make_show("Many")
    for day in range(1, 26):
        make_episode(show, f"Lantern {day}", published=f"2026-01-{day:02d}")

    first = client.get("/search", {"q": "lantern", "kind": "episodes"})
    second = client.get("/search", {"q": "lantern", "kind": "episodes", "page": "2"})

    assert titles(first, "episodes")[:2] == ["Lantern 25", "Lantern 24"]
    assert len(titles(first, "episodes")) == 20
    assert titles(second, "episodes") == [f"Lantern {d}" for d in range(5, 0, -1)]
    assert 'rel="next"' in first.content.decode()
    assert 'rel="next"' not in second.content.decode()
    assert first.context["groups"][0].count_label == "25"


def test_the_page_for_every_kind_links_to_the_rest_of_a_group(client):
    show = make_show("Many")
    for day in range(1, 13):
        make_episode(show, f"Lantern {day}")

    response = client.get("/search", {"q": "lantern"})

    assert len(titles(response, "episodes")) == 10
    assert "kind=episodes" in response.content.decode()


def test_shows_that_are_not_listed_are_not_found(client):
    main = make_show("Lantern Show")
    make_show("Lantern Show (old feed)", moved_to=main)
    make_show("", description="lantern")

    assert titles(client.get("/search", {"q": "lantern"}), "shows") == ["Lantern Show"]


def test_snippets_escape_what_the_feed_wrote(client):
    show = make_show("Escapes")
    make_episode(
        show, "One", description="<p>5 &lt; 6 &amp; &lt;script&gt;marmalade&lt;/script&gt;</p>"
    )

    response = client.get("/search", {"q": "marmalade"})

    snippet = response.context["groups"][0].results[0].snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;<mark>marmalade</mark>&lt;/script&gt;" in snippet


def test_only_the_newest_matches_of_a_common_word_are_counted_and_old_title_matches_still_lead(
    client, monkeypatch
):
    from airwaves.search import engine

    monkeypatch.setattr(engine, "CANDIDATES", 3)
    show = make_show("Kitchen")
    make_episode(show, "Marmalade", published="2020-01-01")  # the oldest row
    for n in range(4):
        make_episode(show, f"Toast {n}", description="marmalade")

    response = client.get("/search", {"q": "marmalade"})

    # The title match is older than the newest 3 + 1 matches, but the index of titles
    # finds it all the same; the newest body matches follow, and the count stops at
    # the cap.
    assert titles(response, "episodes") == ["Marmalade", "Toast 3", "Toast 2", "Toast 1", "Toast 0"]
    assert response.context["groups"][0].count_label == "3+"


def test_an_excluded_word_anywhere_in_a_row_leaves_out_its_title_match(client, monkeypatch):
    from airwaves.search import engine

    monkeypatch.setattr(engine, "CANDIDATES", 1)
    show = make_show("Kitchen")
    make_episode(show, "Marmalade recipes", description="With oranges.", published="2020-01-01")
    make_episode(show, "Marmalade again", description="With lemons.", published="2020-02-01")
    for n in range(3):
        make_episode(show, f"Toast {n}", description="marmalade")

    response = client.get("/search", {"q": "marmalade -oranges"})

    assert titles(response, "episodes")[0] == "Marmalade again"
    assert "Marmalade recipes" not in titles(response, "episodes")


def test_the_page_for_every_kind_ranks_fewer_matches_than_a_kind_s_own_pages(client, monkeypatch):
    from airwaves.search import views

    monkeypatch.setattr(views, "OVERVIEW_CANDIDATES", 3)
    show = make_show("Kitchen")
    for n in range(6):
        make_episode(show, f"Toast {n}", description="marmalade")

    overview = client.get("/search", {"q": "marmalade"})
    episodes = client.get("/search", {"q": "marmalade", "kind": "episodes"})

    assert overview.context["groups"][0].count_label == "3+"
    assert titles(overview, "episodes") == ["Toast 5", "Toast 4", "Toast 3", "Toast 2"]
    assert episodes.context["groups"][0].count_label == "6"
    assert len(titles(episodes, "episodes")) == 6
