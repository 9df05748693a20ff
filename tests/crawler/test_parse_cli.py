"""`airwaves parse SOURCE… --json`: one JSON line per source, in order, errors included."""

from __future__ import annotations

import dataclasses
import gc
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airwaves.cli import main
from airwaves.crawler.feed_json import compact_json, feed_document, feed_line, lint_feed
from airwaves.crawler.parse import parse_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed

TESTDATA = Path(__file__).parent / "testdata"
DOCS = Path(__file__).parents[2] / "docs" / "feed-json.md"
AIRWAVES = Path(sys.executable).parent / "airwaves"


def lines(capsys) -> list[dict]:
    out = capsys.readouterr().out
    assert out.endswith("\n")
    return [json.loads(line) for line in out.splitlines()]


def test_each_source_gives_one_line_in_order_and_a_failure_does_not_stop_the_rest(
    capsys,
) -> None:
    sources = [
        str(TESTDATA / "podcast_rss.xml"),
        str(TESTDATA / "not_a_feed.html"),
        "/nonexistent/feed.xml",
        str(TESTDATA / "atom_podcast.xml"),
    ]
    assert main(["parse", *sources, "--json"]) == 1

    rss, html, missing, atom = lines(capsys)
    assert [d["source"] for d in (rss, html, missing, atom)] == sources
    assert (rss["format"], rss["title"]) == ("rss", "The Backend Hour")
    assert html["error"] == {"type": "ParseError", "message": "not a feed: root element is <html>"}
    assert missing["error"]["type"] == "SourceError"
    assert "no such file" in missing["error"]["message"]
    assert atom["format"] == "atom" and atom["episodes"]
    assert set(html) == {"source", "error"}


def test_the_exit_status_is_zero_only_when_every_source_was_read(capsys) -> None:
    good = str(TESTDATA / "podcast_rss.xml")
    assert main(["parse", good, good, "--json"]) == 0
    assert len(lines(capsys)) == 2
    assert main(["parse", good, str(TESTDATA / "hostile_xxe.xml"), "--json"]) == 1
    _, refused = lines(capsys)
    assert refused["error"]["type"] == "ParseError"
    assert refused["error"]["message"].startswith("refused:")


def test_the_document_has_every_dataclass_field_and_no_bookkeeping(capsys) -> None:
    assert main(["parse", str(TESTDATA / "itunes_complete.xml"), "--json"]) == 0
    (document,) = lines(capsys)
    show_fields = {f.name for f in dataclasses.fields(ParsedFeed)}
    episode_fields = {f.name for f in dataclasses.fields(ParsedEpisode)}
    assert set(document) == {"source"} | show_fields
    for episode in document["episodes"]:
        assert set(episode) == episode_fields - {"fingerprint", "unchanged"}
    first = document["episodes"][0]
    assert first["published"] == "2026-01-05T20:00:00+00:00"
    assert first["duration"] == 1551
    assert first["keywords"] == ["arrival", "storm"]
    assert document["itunes_type"] == "serial"
    assert document["explicit"] is False
    assert document["warnings"] == []


def _reference_line(source: str, feed: ParsedFeed) -> str:
    """The line as the plain standard library writes it: dataclasses.asdict, internal
    fields dropped, datetimes in ISO 8601 UTC, json.dumps without spaces."""

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k not in ("fingerprint", "unchanged")}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return value

    document = {"source": source, **plain(dataclasses.asdict(feed))}
    document["warnings"] = [*feed.warnings, *lint_feed(feed)]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    "name", ["p20_tags.xml", "p20_tags_legacy_atom.xml", "itunes_complete.xml", "podcast_rss.xml"]
)
def test_the_line_is_what_json_dumps_writes_of_the_dataclasses(capsys, name: str) -> None:
    # The command writes the dataclasses without converting them first (with orjson);
    # its bytes must stay those of the straightforward conversion (nested dataclasses,
    # dates, lists), in compact JSON.
    path = str(TESTDATA / name)
    assert main(["parse", path, "--json"]) == 0
    feed = parse_feed((TESTDATA / name).read_bytes())
    assert capsys.readouterr().out == _reference_line(path, feed) + "\n"
    assert feed_line(path, feed) == compact_json(feed_document(path, feed)).encode()


def test_what_orjson_refuses_is_written_by_the_json_module_in_the_same_form() -> None:
    feed = parse_feed((TESTDATA / "podcast_rss.xml").read_bytes())
    feed.episodes[0].title = "half a pair: \ud83c"  # a lone surrogate
    feed.episodes[0].enclosure_length = 2**70  # past 64 bits
    line = feed_line("x", feed)
    document = json.loads(line.decode("utf-8"))  # valid UTF-8: the surrogate as an escape
    assert document["episodes"][0]["title"] == "half a pair: \ud83c"
    assert document["episodes"][0]["enclosure_length"] == 2**70
    assert document["episodes"][1]["title"] == feed.episodes[1].title


def test_the_cyclic_collector_is_on_again_after_the_command(capsys) -> None:
    # The command pauses it while it reads; a failing source must not leave it off.
    assert gc.isenabled()
    assert main(["parse", str(TESTDATA / "podcast_rss.xml"), "missing.xml", "--json"]) == 1
    assert gc.isenabled()


def test_warnings_list_what_parse_repaired_then_what_to_fix(capsys) -> None:
    assert main(["parse", str(TESTDATA / "broken_mismatched.xml"), "--json"]) == 0
    (broken,) = lines(capsys)
    assert broken["warnings"][0].startswith("the feed is broken XML")
    assert main(["parse", str(TESTDATA / "lint_problems.xml"), "--json"]) == 0
    (careless,) = lines(capsys)
    assert len(careless["warnings"]) == 4
    assert "without a type" in careless["warnings"][0]
    assert "1400×1400" in careless["warnings"][3]


def test_every_field_is_documented() -> None:
    text = DOCS.read_text()
    for cls in (ParsedFeed, ParsedEpisode):
        for f in dataclasses.fields(cls):
            if f.name not in ("fingerprint", "unchanged"):
                assert f"`{f.name}`" in text, f"{cls.__name__}.{f.name} is not in {DOCS.name}"


def test_a_url_is_fetched_through_the_guarded_client_with_its_http_charset(
    feed_server, capsys
) -> None:
    body = (TESTDATA / "encoding_koi8-r_http_charset.xml").read_bytes()
    feed_server.route("/feed.xml", body, headers={"Content-Type": "text/xml; charset=koi8-r"})
    url = feed_server.url("/feed.xml")
    assert main(["parse", url, "--json"]) == 0
    (document,) = lines(capsys)
    assert (document["source"], document["title"]) == (url, "Радио Север")


def test_a_blocked_url_is_an_error_line(capsys, monkeypatch) -> None:
    monkeypatch.delenv("AIRWAVES_ALLOW_PRIVATE_URLS", raising=False)
    assert main(["parse", "http://127.0.0.1:9/feed.xml", "--json"]) == 1
    (document,) = lines(capsys)
    assert document["error"]["type"] == "BlockedURLError"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", "ParseError"),
        (b"\xff\xfe\x00garbage" * 1000, "ParseError"),
        (b"<rss>" * 100_000, "ParseError"),
        (b'{"version": "https://jsonfeed.org/version/1"}', "ParseError"),
    ],
)
def test_standard_input_that_is_not_a_feed_is_an_error_line_and_a_non_zero_exit(
    data: bytes, kind: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [AIRWAVES, "parse", "-", "--json"],
        input=data,
        capture_output=True,
        env={"AIRWAVES_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    (line,) = result.stdout.decode().splitlines()
    document = json.loads(line)
    assert document["source"] == "-"
    assert document["error"]["type"] == kind
    assert result.stderr.decode() == "airwaves: 1 of 1 source(s) failed\n"


def test_standard_input_that_is_a_feed_is_read(tmp_path: Path) -> None:
    result = subprocess.run(
        [AIRWAVES, "parse", "-", "--json"],
        input=(TESTDATA / "podcast_rss.xml").read_bytes(),
        capture_output=True,
        env={"AIRWAVES_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["source"], document["title"]) == ("-", "The Backend Hour")
