"""Slugs: readable, unique, and as cheap for the thousandth copy of a title as the first."""

from __future__ import annotations

from airwaves.lib.slugs import SlugSet, highest_numbers, slugify, unique_slug


def test_slugify_keeps_words_and_cuts_at_a_word_boundary():
    assert slugify("My new book - Root cause") == "my-new-book-root-cause"
    assert slugify("The keeper's café") == "the-keepers-cafe"
    assert len(slugify("word " * 100)) <= 80


def test_unique_slug_numbers_repeats_like_counting_up():
    taken = {"news", "news-2", "news-3"}
    assert unique_slug("News", taken.__contains__) == "news-4"
    assert unique_slug("Sport", taken.__contains__) == "sport"
    assert unique_slug("", taken.__contains__, fallback="podcast") == "podcast"


def test_unique_slug_asks_logarithmically_often():
    taken = {"news"} | {f"news-{n}" for n in range(2, 100_001)}
    asked: list[str] = []

    def is_taken(slug: str) -> bool:
        asked.append(slug)
        return slug in taken

    assert unique_slug("News", is_taken) == "news-100001"
    assert len(asked) <= 2 * 17 + 2


def test_unique_slug_finds_a_free_number_inside_a_gap():
    taken = {"news", "news-2", "news-4", "news-5"}
    slug = unique_slug("News", taken.__contains__)
    assert slug not in taken and slug.startswith("news-")


def test_a_slug_set_numbers_repeated_titles_after_the_highest_taken():
    slugs = SlugSet(["q-a", "q-a-2", "q-a-7", "other"], fallback="episode")
    assert slugs.add("Q&A") == "q-a-8"
    assert slugs.add("Q&A") == "q-a-9"
    assert slugs.add("") == "episode"
    assert slugs.add("") == "episode-2"
    # A title that slugifies to a number the counter would give next is skipped over.
    assert slugs.add("Q&A 10") == "q-a-10"
    assert slugs.add("Q&A") == "q-a-11"


def test_a_slug_set_gives_twenty_thousand_copies_of_a_title_distinct_slugs_quickly():
    slugs = SlugSet([], fallback="episode")
    made = [slugs.add("Untitled episode") for _ in range(20_000)]
    assert len(set(made)) == 20_000
    assert made[-1] == "untitled-episode-20000"


def test_highest_numbers_reads_only_numbered_slugs():
    assert highest_numbers(["a", "a-3", "a-b-12", "b-0x", "c-999999999999"]) == {"a": 3, "a-b": 12}
