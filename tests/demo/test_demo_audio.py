"""The demo episodes' audio is what their feeds say: each file lasts the feed's
itunes:duration to the second, and every chapter of the feed (psc:chapters, which the
episode page lists and seeks to; the show notes list the same times) is a real point of
the file (a chime after silence, then the chapter's spoken title). Measured on the audio
ffmpeg decodes from each file, as a player would."""

from __future__ import annotations

import array
import functools
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from airwaves.crawler.parse import parse_feed
from airwaves.demo.load import DEMO_DIR, DEMO_STATIC_URL, demo_feed_files

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
# "<li>02:10 Why a book of bugs</li>": a chapter list in the show notes.
CHAPTER = re.compile(r"<li>(?:(\d+):)?(\d\d):(\d\d) ")


def demo_episodes():
    for path in demo_feed_files():
        feed = parse_feed(path.read_bytes(), url=DEMO_STATIC_URL + path.name, known={})
        for episode in feed.episodes:
            if episode.enclosure_url:
                yield pytest.param(episode, id=Path(episode.enclosure_url).stem)


def audio_file(episode) -> Path:
    return DEMO_DIR / "audio" / Path(episode.enclosure_url).name


RATE = 8000  # decoded for measuring loudness only: enough for a chime and speech


@functools.cache
def samples(path: Path) -> array.array:
    """The file decoded once to mono 16-bit PCM, as a player hears it."""
    out = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(RATE)]
        + ["-f", "s16le", "-"],
        capture_output=True,
        check=True,
    )
    pcm = array.array("h")
    pcm.frombytes(out.stdout)
    return pcm


def peak_db(path: Path, start: float, length: float) -> float:
    """The loudest sample of [start, start + length) in dBFS (-91 for digital silence)."""
    pcm = samples(path)
    window = pcm[int(start * RATE) : int((start + length) * RATE)]
    assert window, f"{path.name} has no audio at {start} s"
    peak = max(max(window), -min(window))
    return 20 * math.log10(peak / 32768) if peak else -91.0


def chapter_times(notes: str) -> list[int]:
    return [int(h or 0) * 3600 + int(m) * 60 + int(s) for h, m, s in CHAPTER.findall(notes)]


@pytest.mark.parametrize("episode", list(demo_episodes()))
def test_the_audio_lasts_what_the_feed_says_to_the_second(episode):
    assert episode.duration, "a demo episode with audio states its duration"
    assert int(len(samples(audio_file(episode))) / RATE) == episode.duration


@pytest.mark.parametrize("episode", list(demo_episodes()))
def test_the_enclosure_length_is_the_file_size(episode):
    assert episode.enclosure_length == audio_file(episode).stat().st_size


def test_the_reference_episode_keeps_its_length_and_chapters():
    (episode,) = [
        p.values[0]
        for p in demo_episodes()
        if p.values[0].title.startswith("My new book - Root cause")
    ]
    assert episode.duration == 9 * 60 + 48
    assert [(c.start, c.title) for c in episode.media.chapters] == [
        (0, "Intro"),
        (130, "Why a book of bugs"),
        (390, "The connection pool that lied"),
    ]
    assert chapter_times(episode.description_html) == [0, 130, 390]


@pytest.mark.parametrize("episode", list(demo_episodes()))
def test_the_chapters_in_the_notes_are_the_feeds_chapters(episode):
    feed_chapters = [int(c.start) for c in episode.media.chapters]
    assert chapter_times(episode.description_html) == feed_chapters
    assert all(c.start == int(c.start) for c in episode.media.chapters)


@pytest.mark.parametrize("episode", list(demo_episodes()))
def test_every_chapter_starts_with_a_chime_after_silence(episode):
    path = audio_file(episode)
    times = [int(c.start) for c in episode.media.chapters] or [0]
    for start in times:
        assert start < episode.duration
        assert peak_db(path, start, 0.5) > -20, f"no chime at {start} s in {path.name}"
        if start:
            assert peak_db(path, start - 1.5, 1.4) < -60, (
                f"{path.name} is not quiet before {start} s"
            )
        # The chapter's title is spoken after its chime.
        assert peak_db(path, start + 0.6, 2.0) > -20, f"nothing spoken after {start} s"


def test_the_demo_audio_stays_small():
    files = list((DEMO_DIR / "audio").glob("*.mp3")) + list((DEMO_DIR / "station").glob("*.mp3"))
    assert sum(f.stat().st_size for f in files) < 6_000_000
