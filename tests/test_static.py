"""Static files under content-hashed names with a far-future immutable Cache-Control,
collected at start-up when their sources change (airwaves/staticstorage.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html

from airwaves.clibase import ensure_static
from airwaves.staticstorage import CollectedFinder, collected_digest, digest_path
from tests.radio.fixtures import make_station

HASHED = re.compile(r"^/static/airwaves/(?:vendor/)?[-\w.]+\.[0-9a-f]{12}\.(?:js|css|svg)$")
IMMUTABLE = "max-age=315360000, public, immutable"


def static_urls(content: bytes) -> list[str]:
    doc = html.fromstring(content)
    urls = doc.xpath("//script/@src") + doc.xpath("//link[@rel='stylesheet' or @rel='icon']/@href")
    return [u for u in urls if u.startswith("/static/")]


def test_a_page_names_its_scripts_and_styles_by_hashed_names(client, demo):
    urls = static_urls(client.get("/").content)
    assert len(urls) >= 4  # site.css, icon, site.js, htmx, player.js
    for url in urls:
        assert HASHED.match(url), url


def test_a_hashed_name_is_served_as_immutable_and_a_plain_one_briefly(client, demo):
    url = next(u for u in static_urls(client.get("/").content) if "/player." in u)
    hashed = client.get(url)
    assert hashed.status_code == 200
    assert hashed.headers["Cache-Control"] == IMMUTABLE
    hashed_body = b"".join(hashed.streaming_content)

    plain = client.get("/static/airwaves/player.js")
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == "max-age=60, public"
    assert b"".join(plain.streaming_content) == hashed_body


def test_a_hashed_name_has_pre_compressed_copies(client, db):
    manifest = json.loads((Path(_static_root()) / "staticfiles.json").read_text())
    url = "/static/" + manifest["paths"]["airwaves/site.css"]
    response = client.get(url, headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Cache-Control"] == IMMUTABLE
    response.close()


def test_the_hls_script_handed_to_the_player_is_a_hashed_name(client, db):
    station = make_station("HLS FM", "https://radio.example.org/live.m3u8", hls=True)
    doc = html.fromstring(client.get(station.get_absolute_url()).content)
    scripts = doc.xpath("//*[@data-hls-script]/@data-hls-script")
    assert scripts, "no listen button with an HLS script"
    for url in scripts:
        assert HASHED.match(url), url
        response = client.get(url)
        assert response.headers["Cache-Control"] == IMMUTABLE
        response.close()


def test_names_outside_the_collection_are_not_served(client, db):
    for url in (
        "/static/../secret_key",
        "/static/%2e%2e/secret_key",
        "/static/airwaves/player.000000000000.js",
        "/static/staticfiles.json/x",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
    finder = CollectedFinder()
    assert finder.find("../secret_key") is None
    assert finder.find("/etc/passwd") is None
    assert finder.find("../secret_key", find_all=True) == []


# --- collecting at start-up ------------------------------------------------------------


def _static_root() -> str:
    from django.conf import settings

    return str(settings.STATIC_ROOT)


@pytest.fixture
def own_sources(tmp_path, settings):
    """A STATIC_ROOT of the test's own, and sources of its own it may edit (only those:
    collecting the admin's files too would take seconds each time)."""
    sources = tmp_path / "sources"
    (sources / "extra").mkdir(parents=True)
    (sources / "extra" / "note.css").write_text("body { color: black }\n" * 100)
    settings.STATICFILES_DIRS = [sources]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    # Django's setting_changed handlers reset the storage and the finders.
    settings.STATIC_ROOT = tmp_path / "data" / "static"
    return sources


def manifest_name(root: Path, name: str) -> str:
    return json.loads((root / "staticfiles.json").read_text())["paths"][name]


def test_sources_are_collected_once_and_again_when_they_change(own_sources, settings):
    root = Path(settings.STATIC_ROOT)
    assert ensure_static() is True
    first = manifest_name(root, "extra/note.css")
    assert (root / first).is_file() and (root / (first + ".br")).is_file()
    assert ensure_static() is False  # nothing changed: only the digest is computed

    (own_sources / "extra" / "note.css").write_text("body { color: navy }\n" * 100)
    assert ensure_static() is True
    second = manifest_name(root, "extra/note.css")
    assert second != first
    # The old name stays, for pages cached before the change.
    assert (root / first).is_file() and (root / second).is_file()


def test_a_collection_cut_short_or_a_spoilt_digest_collects_again(own_sources, settings):
    root = Path(settings.STATIC_ROOT)
    assert ensure_static() is True
    digest_path(root).write_text("not a digest\x00\n" * 1000)
    assert ensure_static() is True
    (root / "staticfiles.json").unlink()  # collectstatic writes it last
    assert collected_digest(root) == ""
    assert ensure_static() is True
    assert ensure_static() is False


def headers_of(static_file) -> dict[str, str]:
    """The headers whitenoise answers a plain (uncompressed) request for the file with."""
    _, headers = static_file.get_path_and_headers({})
    return dict(headers)


def test_a_new_chain_reads_again_only_the_static_files_that_changed(own_sources, settings):
    # Each test client builds its own middleware chain: what the first one read about
    # the files is kept, as long as the files are the same.
    from airwaves.middleware import StaticFiles

    ensure_static()
    root = Path(settings.STATIC_ROOT)
    hashed = "/static/" + manifest_name(root, "extra/note.css")
    first, second = StaticFiles(lambda request: None), StaticFiles(lambda request: None)
    assert second.files["/static/extra/note.css"] is first.files["/static/extra/note.css"]
    assert second.files[hashed] is first.files[hashed]
    assert headers_of(second.files[hashed])["Cache-Control"] == IMMUTABLE

    (own_sources / "extra" / "note.css").write_text("body { color: navy }\n" * 300)
    third = StaticFiles(lambda request: None)
    changed = third.files["/static/extra/note.css"]
    assert changed is not first.files["/static/extra/note.css"]
    assert headers_of(changed)["Content-Length"] == str(len("body { color: navy }\n" * 300))
    assert third.files[hashed] is first.files[hashed]  # the collected copy did not change

    ensure_static()  # a new manifest: names it no longer lists are not immutable any more
    fourth = StaticFiles(lambda request: None)
    assert fourth.files[hashed] is not first.files[hashed]
    assert "/static/" + manifest_name(root, "extra/note.css") in fourth.files
