from __future__ import annotations

import pytest

from airwaves.lib.sanitize import (
    MAX_NOTES_CHARS,
    html_to_text,
    nests_deeper_than,
    sanitize_html,
    sanitize_notes,
)

HOSTILE = """
<p onclick="steal()" style="position:fixed">Welcome to the show!</p>
<script>alert("script")</script>
<img src="https://cdn.example/cover.jpg" onerror="alert('onerror')" alt="Cover">
<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">
<a href="javascript:alert('href')">plain scheme</a>
<a href="JaVaScRiPt:alert('case')">mixed case</a>
<a href="javascript&#58;alert('entity')">entity colon</a>
<a href="&#106;avascript:alert('entity j')">entity letter</a>
<a href=" vbscript:msgbox(1)">leading space</a>
<style>body { background: url(javascript:alert('style')) }</style>
<iframe src="https://evil.example/frame">iframe text</iframe>
<svg onload="alert('svg')"><circle r="1"/></svg>
<object data="evil.swf"></object><embed src="evil.swf">
<form action="https://evil.example/"><input name="password"></form>
<math><mi xlink:href="javascript:alert('math')">m</mi></math>
<!-- <script>alert('comment')</script> -->
<p>Thanks for listening.</p>
"""


def test_a_hostile_description_comes_out_clean() -> None:
    clean = sanitize_html(HOSTILE).lower()
    for bad in [
        "<script", "alert", "onerror", "onclick", "onload", "javascript", "vbscript", "data:",
        "<style", "style=", "<iframe", "iframe text", "<svg", "<object", "<embed", "<form",
        "<input", "<math", "<!--", "href", "evil",
    ]:  # fmt: skip
        assert bad not in clean, bad
    assert clean.count("<a ") == 5  # the links stay, as text, without their hrefs
    assert "<p>welcome to the show!</p>" in clean
    assert '<img src="https://cdn.example/cover.jpg" alt="cover">' in clean
    assert "<p>thanks for listening.</p>" in clean


def test_links_get_nofollow_ugc_noopener_and_open_in_a_new_tab() -> None:
    clean = sanitize_html(
        '<a href="https://example.com/ep1" target="_self" rel="author">Episode 1</a>'
    )
    assert clean == (
        '<a href="https://example.com/ep1" target="_blank" rel="nofollow ugc noopener">'
        "Episode 1</a>"
    )


def test_mailto_links_are_kept_but_not_as_image_sources() -> None:
    clean = sanitize_html('<a href="mailto:host@example.com">Mail</a><img src="mailto:x@y">')
    assert 'href="mailto:host@example.com"' in clean
    assert "<img>" in clean


def test_relative_links_are_dropped_without_a_base_url() -> None:
    assert 'href="' not in sanitize_html('<a href="/episodes/2">Next</a>')


def test_relative_links_are_resolved_against_the_base_url() -> None:
    clean = sanitize_html('<a href="episodes/2">Next</a>', base_url="https://pod.example/show/")
    assert 'href="https://pod.example/show/episodes/2"' in clean


def test_h1_becomes_h2_because_the_page_has_its_own_h1() -> None:
    assert sanitize_html("<h1>Chapter one</h1><p>Text</p>") == "<h2>Chapter one</h2><p>Text</p>"


def test_show_notes_structure_is_kept() -> None:
    notes = (
        "<h3>Links</h3><ul><li><strong>Bold</strong> and <em>em</em></li></ul>"
        "<blockquote>Quote</blockquote><pre><code>x = 1</code></pre><hr>"
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>'
    )
    assert sanitize_html(notes) == notes


def test_plain_text_newlines_become_paragraphs_and_line_breaks() -> None:
    text = "First line\nsecond line\n\nSecond paragraph\r\n\r\n\r\nThird & last <3"
    assert sanitize_html(text) == (
        "<p>First line<br>second line</p><p>Second paragraph</p><p>Third &amp; last &lt;3</p>"
    )


def test_plain_text_urls_become_links_without_trailing_punctuation() -> None:
    clean = sanitize_html("Show notes at https://example.com/notes?id=1. See you!")
    assert clean == (
        '<p>Show notes at <a href="https://example.com/notes?id=1" target="_blank" '
        'rel="nofollow ugc noopener">https://example.com/notes?id=1</a>. See you!</p>'
    )


def test_plain_text_that_was_already_escaped_is_not_escaped_twice() -> None:
    assert sanitize_html("Q&amp;A with the host") == "<p>Q&amp;A with the host</p>"


@pytest.mark.parametrize("empty", ["", "   ", "\n\n"])
def test_empty_notes_stay_empty(empty: str) -> None:
    assert sanitize_html(empty) == ""
    assert html_to_text(empty) == ""


def test_html_to_text_puts_blocks_on_lines_and_unescapes_entities() -> None:
    html = (
        "<p>Tom &amp; Jerry\n   talk</p><script>alert(1)</script><style>p{}</style>"
        "<ul><li>one</li><li>two<br>lines</li></ul>after"
    )
    assert html_to_text(html) == "Tom & Jerry talk\none\ntwo\nlines\nafter"


def test_html_to_text_keeps_paragraphs_of_plain_text() -> None:
    assert html_to_text("Plain\ntext\n\nQ&amp;A  here") == "Plain text\nQ&A here"


def test_html_to_text_survives_control_characters() -> None:
    assert html_to_text("<p>bad\x00\x1e byte</p>") == "bad byte"


def test_html_to_text_truncates_at_a_word_boundary() -> None:
    text = html_to_text("<p>The quick brown fox jumps over the lazy dog.</p>", max_chars=20)
    assert text == "The quick brown fox…"
    assert len(text) <= 20


def test_html_to_text_cuts_a_very_long_word() -> None:
    assert html_to_text("Supercalifragilisticexpialidocious", max_chars=10) == "Supercali…"


def test_html_to_text_does_not_truncate_short_text() -> None:
    assert html_to_text("<b>Short</b>", max_chars=20) == "Short"


def deep_divs(depth: int, text: str = "deep") -> str:
    return "<div>" * depth + text + "</div>" * depth


def test_notes_nested_too_deep_are_read_as_plain_text_in_bounded_time() -> None:
    # 150,000 nested <div>s (1.65 MB) took minutes of CPU in nh3.
    notes = sanitize_notes(deep_divs(150_000))
    assert (
        notes.cut == f"longer than {MAX_NOTES_CHARS:,} characters, elements nested deeper than 100"
    )
    assert "<div" not in notes.html and "&lt;" not in notes.html
    assert html_to_text(deep_divs(150_000)) == ""


def test_deep_notes_keep_their_words_and_links_as_text() -> None:
    notes = sanitize_notes(deep_divs(1_000, "Hello <b>world</b>, see https://example.com/a"))
    assert notes.cut == "elements nested deeper than 100"
    assert notes.html == (
        '<p>Hello  world , see <a href="https://example.com/a" target="_blank"'
        ' rel="nofollow ugc noopener">https://example.com/a</a></p>'
    )


def test_ordinary_notes_are_not_cut() -> None:
    many_paragraphs = "".join(f"<p>Part {n}<br>more</p><ul><li>a<li>b</ul>" for n in range(500))
    notes = sanitize_notes(deep_divs(50) + many_paragraphs)
    assert notes.cut == ""
    assert notes.html.startswith("<div>" * 50)


def test_notes_past_the_size_cap_are_cut_before_sanitizing() -> None:
    notes = sanitize_notes("<p>" + "word " * MAX_NOTES_CHARS + "</p>")
    assert notes.cut == f"longer than {MAX_NOTES_CHARS:,} characters"
    assert len(notes.html) <= MAX_NOTES_CHARS + 10


def test_counting_nesting_ignores_unclosed_paragraphs_and_void_elements() -> None:
    assert not nests_deeper_than("<p>a" * 500 + "<br>" * 500 + "<img src=x>" * 500, 100)
    assert not nests_deeper_than("<span>a</span>" * 1000, 100)
    assert nests_deeper_than("<span>" * 101, 100)
    assert not nests_deeper_than("<span>" * 100, 100)
