"""Feed parsing benchmark: airwaves vs feedparser vs bare lxml, on the same bytes.

Run: .venv/bin/python bench/bench_parse.py   (a few minutes; not a test, CI never runs it)

Workloads:
  large   a generated 500-episode podcast feed (~1.7 MB, HTML show notes in content:encoded),
          deterministic so runs are comparable
  2,000   the same generator at 2,000 episodes with every item carrying more iTunes and
          Podcasting 2.0 tags (~5 MB, HTML in CDATA)
  small   every well-formed feed in tests/crawler/testdata/, parsed one after another
  cli     the whole `airwaves parse FILE --json` process on a 10,000-episode file, next to a
          process that reads the same file with feedparser and prints its entries as JSON

  instructions  the 2,000-episode feed again, counted in CPU instructions by valgrind's
          callgrind (when installed): what one parse costs, whatever else the machine runs

Options: --only large,2000,small,cli,instructions picks workloads (all but instructions by
default: it takes a few minutes).

"airwaves parse_feed" reads RSS items with the C reader (crawler/_fastitems.c) where it
was built; "airwaves parse_feed, Python reader" is the same parse with every item read by
rss._read_item, as on an install without a C compiler.

"bare lxml" is the lower bound: etree.fromstring plus reading title, guid and enclosure of
each item, nothing else. Peak memory is tracemalloc's (Python allocations only: libxml2's
C allocations for the tree are invisible to it) and, where Linux allows it, the process's
resident high-water mark during one pass in a fresh (spawned) process, which does count them.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402
from lxml import etree  # noqa: E402

from airwaves.crawler import rss  # noqa: E402
from airwaves.crawler.parse import parse_feed  # noqa: E402

TESTDATA = ROOT / "tests" / "crawler" / "testdata"

WORDS = (
    "database index replica latency queue cache proxy kernel socket thread scheduler "
    "protocol packet stream buffer request response shard backup migration schema "
    "query planner vacuum tuple page memory compiler runtime container cluster"
).split()


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _show_notes(rng: random.Random, number: int, paragraphs: int = 4, links: int = 8) -> str:
    text = "".join(f"<p>{_sentence(rng, rng.randint(25, 45))}</p>" for _ in range(paragraphs))
    references = "".join(
        f'<li><a href="https://example.com/ref/{number}/{i}">{_sentence(rng, 4)}</a></li>'
        for i in range(rng.randint(links // 2, links))
    )
    chapters = "".join(
        f"<li>{i * 7:02d}:{rng.randint(0, 59):02d} {_sentence(rng, 5)}</li>" for i in range(6)
    )
    return f"{text}<h3>Links</h3><ul>{references}</ul><h3>Chapters</h3><ol>{chapters}</ol>"


def _short_notes(rng: random.Random, number: int) -> str:
    link = f'<a href="https://example.com/ref/{number}">{_sentence(rng, 3)}</a>'
    return f"<p>{_sentence(rng, rng.randint(15, 30))}</p><p>Links: {link}</p>"


def _rich_tags(rng: random.Random, n: int) -> str:
    """What a Podcasting 2.0 host adds to every item beside iTunes' tags."""
    return f"""      <itunes:title>{_sentence(rng, 5)}</itunes:title>
      <itunes:keywords>database, cache, episode {n}, backend</itunes:keywords>
      <itunes:block>no</itunes:block>
      <podcast:season name="Season {n // 50 + 1}">{n // 50 + 1}</podcast:season>
      <podcast:episode>{n}</podcast:episode>
      <podcast:person role="host" href="https://show.example.com/mara" img="https://cdn.example.com/mara.jpg">Mara Lindqvist</podcast:person>
      <podcast:person role="guest" group="cast">Guest {n}</podcast:person>
      <podcast:soundbite startTime="{rng.randint(0, 600)}" duration="45">{_sentence(rng, 6)}</podcast:soundbite>
      <podcast:location geo="geo:59.33,18.06">Stockholm</podcast:location>
      <podcast:alternateEnclosure type="audio/opus" length="{rng.randint(10**6, 10**7)}" bitrate="64000">
        <podcast:source uri="https://cdn.example.com/audio/ep{n:05d}.opus"/>
      </podcast:alternateEnclosure>
"""


def generate_feed(episodes: int = 500, seed: int = 42, rich: bool = False) -> bytes:
    """A realistic podcast feed: iTunes, content:encoded, Podcasting 2.0 on every item;
    `rich` adds the tags of a Podcasting 2.0 host (people, soundbites, value...)."""
    rng = random.Random(seed)
    # The rich feed's tags take the room of part of the show notes (~2.5 KB an item).
    notes = _short_notes if rich else _show_notes
    start = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
    items = []
    for n in range(episodes, 0, -1):
        published = format_datetime(start - timedelta(days=7 * (episodes - n)), usegmt=True)
        seconds = rng.randint(600, 5400)
        duration = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        summary = _sentence(rng, 30)
        items.append(f"""    <item>
      <title>Episode {n}: {_sentence(rng, 6)}</title>
      <link>https://show.example.com/episodes/{n}</link>
      <guid isPermaLink="false">show-example-{n:05d}</guid>
      <pubDate>{published}</pubDate>
      <dc:creator>Mara Lindqvist</dc:creator>
      <description><![CDATA[<p>{summary}</p>]]></description>
      <content:encoded><![CDATA[{notes(rng, n)}]]></content:encoded>
      <itunes:summary>{summary}</itunes:summary>
      <enclosure url="https://cdn.example.com/audio/ep{n:05d}.mp3" length="{seconds * 16000}" type="audio/mpeg"/>
      <itunes:duration>{duration}</itunes:duration>
      <itunes:image href="https://cdn.example.com/art/ep{n:05d}.jpg"/>
      <itunes:episode>{n}</itunes:episode>
      <itunes:season>{n // 50 + 1}</itunes:season>
      <itunes:episodeType>full</itunes:episodeType>
      <itunes:explicit>false</itunes:explicit>
      <podcast:transcript url="https://show.example.com/transcripts/{n}.vtt" type="text/vtt"/>
      <podcast:chapters url="https://show.example.com/chapters/{n}.json" type="application/json+chapters"/>
{_rich_tags(rng, n) if rich else ""}    </item>
""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:podcast="https://podcastindex.org/namespace/1.0">
  <channel>
    <title>Show Example</title>
    <link>https://show.example.com/</link>
    <atom:link href="https://show.example.com/feed.xml" rel="self" type="application/rss+xml"/>
    <description>A generated show for benchmarks.</description>
    <language>en</language>
    <itunes:author>Mara Lindqvist</itunes:author>
    <itunes:image href="https://cdn.example.com/art/cover.jpg"/>
    <itunes:category text="Technology"><itunes:category text="Tech News"/></itunes:category>
    <podcast:guid>5f6c0a8e-1b2d-5c3e-8f4a-9b0c1d2e3f40</podcast:guid>
{"".join(items)}  </channel>
</rss>
""".encode()


def small_feeds() -> list[bytes]:
    return [
        path.read_bytes()
        for path in sorted(TESTDATA.glob("*.xml"))
        if not path.name.startswith("hostile_")
    ]


def airwaves_parse(data: bytes) -> int:
    return len(parse_feed(data).episodes)


def airwaves_python_parse(data: bytes) -> int:
    """parse_feed with every item read by rss._read_item, as where the C reader
    (crawler/_fastitems.c) was not built."""
    fast, rss.fast_items = rss.fast_items, None
    try:
        return len(parse_feed(data).episodes)
    finally:
        rss.fast_items = fast


def feedparser_parse(data: bytes) -> int:
    return len(feedparser.parse(data).entries)


def lxml_build(data: bytes) -> int:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    return len(etree.fromstring(data, parser))


def bare_lxml_parse(data: bytes) -> int:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(data, parser)
    count = 0
    for item in root.iter("item", "{http://purl.org/rss/1.0/}item", "{*}entry"):
        item.findtext("title")
        item.findtext("guid")
        enclosure = item.find("enclosure")
        if enclosure is not None:
            enclosure.get("url")
        count += 1
    return count


PARSERS: list[tuple[str, Callable[[bytes], int]]] = [
    ("airwaves parse_feed", airwaves_parse),
    *([("airwaves parse_feed, Python reader", airwaves_python_parse)] if rss.fast_items else []),
    ("feedparser", feedparser_parse),
    ("bare lxml (lower bound)", bare_lxml_parse),
    ("lxml tree only", lxml_build),
]


def time_workloads(
    parsers: list[tuple[str, Callable[[bytes], int]]],
    feeds: list[bytes],
    repeat: int,
    feedparser_repeat: int,
) -> dict[str, float]:
    """Median seconds each parser takes to parse every feed of the workload once. The
    parsers take turns within each round (feedparser in `feedparser_repeat` of the
    rounds, spread out), so that a slow spell of a shared machine falls on all of them
    alike; in its turn each parses the workload once untimed, then once timed, so that
    it is timed with the heap as its own last parse left it (glibc merges a freed tree's
    small blocks at the next larger allocation, whoever makes it), as in a process that
    parses feed after feed. CPU time, not wall time: on a shared machine the wall clock
    also counts other processes' turns."""
    every = max(1, repeat // max(1, feedparser_repeat))
    timings: dict[str, list[float]] = {label: [] for label, _ in parsers}
    for round_number in range(repeat):
        for label, parse in parsers:
            if label == "feedparser" and (
                round_number % every or len(timings[label]) == feedparser_repeat
            ):
                continue
            for data in feeds:
                parse(data)
            gc.collect()
            started = time.process_time()
            for data in feeds:
                parse(data)
            timings[label].append(time.process_time() - started)
    return {label: statistics.median(values) for label, values in timings.items()}


def traced_peak(parse: Callable[[bytes], int], feeds: list[bytes]) -> int:
    gc.collect()
    tracemalloc.start()
    for data in feeds:
        parse(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _hwm_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise OSError("no VmHWM")


def _rss_child(label: str, feeds: list[bytes], out) -> None:
    parse = dict(PARSERS)[label]
    try:
        parse(generate_feed(episodes=2))  # warm-up: lazy imports and caches are not the parse
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset the high-water mark to the current RSS
        before = _hwm_kib()
        for data in feeds:
            parse(data)
        out.send(_hwm_kib() - before)
    except OSError:
        out.send(-1)


def rss_peak_kib(label: str, feeds: list[bytes]) -> int:
    """Extra resident memory during one pass, in a fresh process (-1: unsupported here)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_rss_child, args=(label, feeds, send))
    child.start()
    result = receive.recv()
    child.join()
    return result


def report(name: str, feeds: list[bytes], repeat: int, feedparser_repeat: int) -> None:
    size = sum(len(d) for d in feeds)
    episodes = sum(airwaves_parse(d) for d in feeds)
    print(f"\n### {name}: {len(feeds)} feed(s), {size / 1e6:.2f} MB, {episodes} episodes\n")
    medians = time_workloads(PARSERS, feeds, repeat, feedparser_repeat)
    rows = []
    for label, parse in PARSERS:
        rows.append((label, medians[label], traced_peak(parse, feeds), rss_peak_kib(label, feeds)))
    by_label = {label: seconds for label, seconds, _, _ in rows}
    reference, floor = by_label["feedparser"], by_label["bare lxml (lower bound)"]
    print(
        "| parser | median CPU ms | MB/s | episodes/s | vs feedparser | vs bare lxml "
        "| tracemalloc peak | RSS peak |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, seconds, traced, resident in rows:
        rss_text = f"{resident / 1024:.1f} MB" if resident >= 0 else "n/a"
        versus_reference = (
            "reference" if seconds == reference else f"{reference / seconds:.1f}x faster"
        )
        versus_floor = "floor" if seconds == floor else f"{seconds / floor:.2f}x"
        print(
            f"| {label} | {seconds * 1000:.2f} | {size / 1e6 / seconds:.1f} "
            f"| {episodes / seconds:,.0f} | {versus_reference} | {versus_floor} "
            f"| {traced / 1e6:.1f} MB | {rss_text} |"
        )


FEEDPARSER_CLI = (
    "import feedparser, json, sys\n"
    "feed = feedparser.parse(sys.argv[1])\n"
    "json.dump({'feed': feed.feed, 'entries': feed.entries}, sys.stdout, default=str)\n"
)


def time_process(command: list[str], repeat: int) -> float:
    """Median CPU time (user + system) of a whole process, start-up included, its output
    discarded: what it costs, whatever else the machine is running."""
    timings = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        timings.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(timings)


def report_cli(episodes: int = 10_000, repeat: int = 5, feedparser_repeat: int = 2) -> None:
    data = generate_feed(episodes=episodes, rich=True)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "feed.xml"
        path.write_bytes(data)
        airwaves = Path(sys.executable).parent / "airwaves"
        ours = time_process([str(airwaves), "parse", str(path), "--json"], repeat)
        theirs = time_process([sys.executable, "-c", FEEDPARSER_CLI, str(path)], feedparser_repeat)
        startup = time_process([sys.executable, "-c", "import airwaves.cli"], repeat)
    print(f"\n### cli: one {episodes:,}-episode file, {len(data) / 1e6:.2f} MB, whole process\n")
    print("| command | median CPU s | vs feedparser |")
    print("|---|---:|---:|")
    print(f"| `airwaves parse FILE --json` | {ours:.2f} | {theirs / ours:.1f}x faster |")
    print(f"| python + feedparser.parse + json.dump | {theirs:.2f} | reference |")
    print(f"| (python -c 'import airwaves.cli', start-up alone) | {startup:.2f} | |")


INSTRUCTION_PARSERS = (
    "airwaves parse_feed",
    "airwaves parse_feed, Python reader",
    "feedparser",
    "bare lxml (lower bound)",
    "lxml tree only",
)


def _instructions_child(label: str, parses: int) -> None:
    """Under callgrind: build the feed, warm every parser up, then `parses` parses."""
    data = generate_feed(episodes=2000, rich=True)
    for _, parse in PARSERS:
        parse(generate_feed(episodes=2, rich=True))  # imports, caches, parser objects
    parse = dict(PARSERS)[label]
    for _ in range(parses):
        parse(data)


def _collected(label: str, parses: int) -> int:
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--instructions-child",
            f"{label}:{parses}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in result.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1])
    raise RuntimeError(f"no instruction count from valgrind:\n{result.stderr[-2000:]}")


def report_instructions() -> None:
    """Instructions of one parse of the 2,000-episode feed: a run with it less the same run
    without it, so start-up, the feed's generation and the warm-up cancel out."""
    if shutil.which("valgrind") is None:
        print("\n### instructions: skipped (valgrind is not installed)")
        return
    counts = {}
    for label in INSTRUCTION_PARSERS:
        if label in dict(PARSERS):
            counts[label] = _collected(label, 1) - _collected(label, 0)
    floor, reference = counts["bare lxml (lower bound)"], counts["feedparser"]
    print("\n### instructions: the 2,000-episode feed, one parse, callgrind\n")
    print("| parser | instructions | vs feedparser | vs bare lxml |")
    print("|---|---:|---:|---:|")
    for label, count in counts.items():
        versus = "floor" if label == "bare lxml (lower bound)" else f"{count / floor:.2f}x"
        fewer = "reference" if label == "feedparser" else f"{reference / count:.1f}x fewer"
        print(f"| {label} | {count / 1e6:,.1f} M | {fewer} | {versus} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="large,2000,small,cli", help="workloads to run")
    parser.add_argument("--instructions-child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.instructions_child:
        label, _, parses = options.instructions_child.rpartition(":")
        _instructions_child(label, int(parses))
        return
    only = set(options.only.split(","))
    print(f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} at the start")
    print(
        f"Python {sys.version.split()[0]}, lxml {etree.__version__}, "
        f"libxml2 {'.'.join(map(str, etree.LIBXML_VERSION))}, "
        f"feedparser {feedparser.__version__}, {os.cpu_count()} CPUs"
    )
    if "large" in only:
        large = generate_feed()
        report("large: generated 500-episode podcast feed", [large], repeat=15, feedparser_repeat=3)
    if "2000" in only:
        rich = generate_feed(episodes=2000, rich=True)
        report(
            "2,000: generated 2,000-episode feed, iTunes and Podcasting 2.0 tags",
            [rich],
            repeat=9,
            feedparser_repeat=2,
        )
    if "small" in only:
        report("small: testdata feeds", small_feeds(), repeat=50, feedparser_repeat=10)
    if "cli" in only:
        report_cli()
    if "instructions" in only:
        report_instructions()
    print(f"\nload average {' '.join(f'{n:.2f}' for n in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
