"""The `airwaves` command.

    airwaves serve [--host H] [--port P] [--workers N] [--demo] [--no-crawl]
    airwaves add URL [URL ...] [--from FILE]
    airwaves crawl [--once] [--all] [--processes N]
    airwaves feeds [--errors] [--dead] [--revive FEED ...]
    airwaves worker [--concurrency N]        (with AIRWAVES_BROKER_URL)
    airwaves parse SOURCE [SOURCE ...] [--json]
    airwaves reindex                       (rebuild the search index from the tables)
    airwaves manage COMMAND [ARGS ...]     (Django's management commands)

Every command exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from airwaves.clibase import CommandError, ensure_database, ensure_static, setup_django
from airwaves.listeners import cli as listeners_cli
from airwaves.radio import cli as radio_cli


def default_workers() -> int:
    """One server process per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def describe_database() -> str:
    """Which database this command uses, for its first line: with a per-user default
    data directory, a command run as another user or with another AIRWAVES_DATA_DIR
    would otherwise open a different, empty one without a word."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"Database: SQLite, {db['NAME']}"
    where = db["HOST"] or "the local socket"
    if db["PORT"]:
        where += f":{db['PORT']}"
    return f"Database: PostgreSQL, {db['NAME']} on {where}"


def cmd_serve(args: argparse.Namespace) -> int:
    workers = args.workers
    if workers is None:
        # The demo is a look around on one's own machine: one process starts sooner
        # and takes a fraction of the memory.
        workers = 1 if args.demo else default_workers()
    if workers < 1:
        raise CommandError("--workers must be 1 or more")
    setup_django()
    if not args.no_crawl:
        from airwaves.crawler.jobs import check_setup

        check_setup()  # a broker without Celery: say what to install, before any set-up
    print(describe_database(), file=sys.stderr)
    ensure_database()
    ensure_static()
    broadcaster = None
    if args.demo:
        from airwaves.demo.load import load_demo
        from airwaves.demo.station import start_demo_station

        shows = load_demo()
        print(f"Loaded {len(shows)} demo shows.", file=sys.stderr)
        broadcaster, stations = start_demo_station()
        names = ", ".join(station.name for station in stations)
        print(f"Demo radio on air from {broadcaster.url}: {names}.", file=sys.stderr)
    import uvicorn
    from django.conf import settings

    from airwaves import serving

    # Each listener holds a descriptor: the default soft limit (often 1,024) is too low.
    # Worker processes inherit the raised limit.
    serving.raise_open_file_limit()
    stop = threading.Event()
    # With several workers this process only supervises them (uvicorn restarts one that
    # dies): the crawler runs here, once, and not in each of them.
    if not args.no_crawl:
        start_background_crawler(stop)

    from airwaves.lib.hosts import describe_hosts, with_served_host

    settings.ALLOWED_HOSTS = with_served_host(settings.ALLOWED_HOSTS, args.host)
    # Workers read their settings afresh: hand them the same hosts.
    os.environ["AIRWAVES_ALLOWED_HOSTS"] = ",".join(settings.ALLOWED_HOSTS)
    print(f"Airwaves is running at http://{args.host}:{args.port}/", file=sys.stderr)
    print(describe_hosts(settings.ALLOWED_HOSTS), file=sys.stderr)
    if workers > 1:
        print(f"Serving from {workers} processes", file=sys.stderr)
    try:
        uvicorn.run(
            "airwaves.asgi:application",
            host=args.host,
            port=args.port,
            **serving.uvicorn_options(settings.REQUEST_HEAD_TIMEOUT, workers=workers),
        )
    finally:
        stop.set()
        if broadcaster is not None:
            broadcaster.stop()
    return 0


def start_background_crawler(stop: threading.Event) -> threading.Thread:
    """The crawl loop in a thread of the web server process, so one command runs the
    whole site. With a broker configured it only schedules; workers refresh."""
    from airwaves.crawler.jobs import crawl_forever

    thread = threading.Thread(target=crawl_forever, args=(stop,), name="crawler", daemon=True)
    thread.start()
    return thread


def looks_like_a_file(value: str) -> bool:
    """A local path (or file: URL) given where a feed URL belongs."""
    if value.lower().startswith(("http://", "https://")):
        return False
    return (
        value.startswith(("file:", "/", "./", "../", "~", ".\\"))
        or "\\" in value
        or Path(value).exists()
    )


def cmd_add(args: argparse.Namespace) -> int:
    urls = list(args.urls)
    if args.from_file:
        urls += read_url_list(args.from_file)
    if not urls:
        raise CommandError("give feed URLs as arguments or with --from FILE")
    # Before anything is stored: a feed is followed at its URL, which a file does not have.
    for raw in urls:
        if looks_like_a_file(raw):
            raise CommandError(
                f"{raw} is a file, not a URL: feeds are added by their http(s) URL, so that "
                f"they can be refreshed; to read a local file, run: airwaves parse {raw}"
            )
    setup_django()
    print(describe_database(), file=sys.stderr)
    ensure_database()
    from airwaves.crawler.refresh import refresh_feed
    from airwaves.podcasts.feeds import InvalidFeedURL, find_or_create_feed

    failures = 0
    for raw in urls:
        try:
            podcast, created = find_or_create_feed(raw)
        except InvalidFeedURL as error:
            print(f"airwaves: {error}", file=sys.stderr)
            failures += 1
            continue
        url = podcast.feed_url
        result = refresh_feed(podcast.pk)
        if result.status == "error":
            if created:
                # A feed that never worked is not worth a show page.
                podcast.delete()
            print(f"airwaves: could not add {url}: {result.error}", file=sys.stderr)
            failures += 1
            continue
        podcast.refresh_from_db()
        print(podcast.get_absolute_url())
        print(
            f"  {podcast.title}: {result.new_episodes} new, "
            f"{result.updated_episodes} updated episodes ({result.status})",
            file=sys.stderr,
        )
    return 1 if failures else 0


def read_url_list(path: str) -> list[str]:
    """One URL a line; blank lines and lines starting with # are skipped."""
    try:
        source = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    with source:
        lines = [line.strip() for line in source]
    return [line for line in lines if line and not line.startswith("#")]


def cmd_crawl(args: argparse.Namespace) -> int:
    if args.processes < 1:
        raise CommandError("--processes must be 1 or more")
    setup_django()
    from airwaves.crawler.jobs import (
        check_setup,
        crawl_forever_in_processes,
        crawl_pass_in_processes,
    )

    check_setup()  # a broker without Celery: say what to install, before any set-up
    ensure_database()
    if args.once:
        summary = crawl_pass_in_processes(args.processes, include_all=args.all)
        print(summary.describe())
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    crawl_forever_in_processes(args.processes, stop, include_all_first=args.all)
    return 0


def read_source(source: str) -> tuple[bytes, str, str]:
    """Bytes, base URL and HTTP charset of a feed given as a URL, a file path, or "-"
    for stdin."""
    if source == "-":
        return sys.stdin.buffer.read(), "", ""
    if source.startswith(("http://", "https://")):
        from airwaves.crawler.fetch import fetch_feed
        from airwaves.crawler.parse import http_charset

        fetched = fetch_feed(source)
        return fetched.content, fetched.url, http_charset(fetched.headers.get("Content-Type"))
    path = Path(source)
    if not path.is_file():
        raise CommandError(f"{source}: no such file (give a file path, an http(s) URL or -)")
    try:
        return path.read_bytes(), "", ""
    except OSError as error:
        raise CommandError(f"{source}: cannot read it ({error.strerror})") from error


@contextlib.contextmanager
def _cyclic_collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _free_small_blocks_as_they_come() -> None:
    """glibc keeps freed small blocks in "fastbins" and merges them all at the next
    larger allocation. A parsed feed's tree is millions of small libxml2 blocks, so after
    a 10,000-episode feed that merge is a tenth of a second in one go (about a tenth of
    the command); M_MXFAST 0 frees each where it lies instead, which costs less in all.
    The command's process only, and a no-op where the C library is not glibc."""
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(1, 0)  # M_MXFAST


def _write_line(out: TextIO, line: bytes) -> None:
    """A line of UTF-8 to a text stream: to its bytes underneath when it has them (20 MB
    of JSON need not be decoded to be encoded again)."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(line.decode("utf-8") + "\n")
        return
    out.flush()  # (what was written as text goes first)
    buffer.write(line)
    buffer.write(b"\n")


def cmd_parse(args: argparse.Namespace) -> int:
    """Each source in turn: a JSON line (or a summary) per source, errors included, so one
    bad feed among many is reported and the rest still read."""
    from airwaves.crawler.feed_json import compact_json, error_document, feed_line
    from airwaves.crawler.parse import parse_feed

    failed = 0
    out = sys.stdout
    _free_small_blocks_as_they_come()
    # What parse builds holds no reference cycles and is freed by reference counting, but
    # the cyclic collector would walk it again and again while it grows: a quarter of the
    # command's time on a 10,000-episode feed. The command reads one source at a time in
    # one thread, and lets each feed go when the next is read: it runs without it.
    with _cyclic_collector_paused():
        for source in args.sources:
            try:
                data, base_url, charset = read_source(source)
                feed = parse_feed(data, url=base_url, charset=charset)
            except Exception as error:  # a bug costs one source, never the others
                failed += 1
                if args.json:
                    kind = "SourceError" if isinstance(error, CommandError) else ""
                    out.write(compact_json(error_document(source, error, kind)) + "\n")
                    out.flush()
                else:
                    # A CommandError names its source already.
                    where = "" if isinstance(error, CommandError) else f"{source}: "
                    print(f"airwaves: {where}{error}", file=sys.stderr)
                continue
            if args.json:
                _write_line(out, feed_line(source, feed))
            else:
                print(f"{feed.title} ({feed.format}, {len(feed.episodes)} episodes)")
                for episode in feed.episodes:
                    date = episode.published.date().isoformat() if episode.published else "no date"
                    print(f"  {date}  {episode.title}")
            out.flush()
    if failed:
        # The reasons are on their lines (stdout for JSON); the summary is for a person.
        print(f"airwaves: {failed} of {len(args.sources)} source(s) failed", file=sys.stderr)
    return 1 if failed else 0


def cmd_feeds(args: argparse.Namespace) -> int:
    setup_django()
    print(describe_database(), file=sys.stderr)
    ensure_database()
    from django.db.models import Q

    from airwaves.crawler.store import revive
    from airwaves.podcasts.models import Podcast

    feeds = Podcast.objects.filter(source=Podcast.Source.FEED)
    if args.revive:
        ids = [int(v) for v in args.revive if v.isascii() and v.isdigit()]
        urls = [v for v in args.revive if not (v.isascii() and v.isdigit())]
        chosen = feeds.filter(Q(pk__in=ids) | Q(feed_url__in=urls))
        if chosen.count() != len(args.revive):
            raise CommandError(
                "some of the given feeds are not in the directory (give ids or URLs)"
            )
        print(f"revived {revive(chosen)} feeds; they are due now")
        return 0
    if not feeds.exists():
        print("No feeds in this database yet; add one with: airwaves add URL")
        return 0
    if args.errors:
        feeds = feeds.filter(error_count__gt=0)
    if args.dead:
        feeds = feeds.filter(dead=True)
    if not feeds.exists():
        which = " and ".join(w for w, on in (("failing", args.errors), ("dead", args.dead)) if on)
        print(f"No {which} feeds.")
        return 0
    print(f"{'id':>6}  {'status':<12} {'errors':>6}  {'next check':<16}  feed")
    for feed in feeds.order_by("-error_count", "pk"):
        status = "dead" if feed.dead else feed.fetch_status
        when = feed.next_check_at.strftime("%Y-%m-%d %H:%M") if feed.next_check_at else "now"
        print(f"{feed.pk:>6}  {status:<12} {feed.error_count:>6}  {when:<16}  {feed.feed_url}")
        if feed.last_error:
            print(f"{'':>8}last error: {feed.last_error}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    if not settings.BROKER_URL:
        raise CommandError("set AIRWAVES_BROKER_URL (redis://… or amqp://…) to run a worker")
    from airwaves.crawler.tasks import app

    app.worker_main(
        [
            "worker",
            f"--concurrency={args.concurrency}",
            f"--loglevel={args.loglevel}",
            "-n",
            args.name,
        ]
    )
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from django.db import connection

    from airwaves.lib.triggers import REGISTRY
    from airwaves.search.schema import rebuild

    # Every app's triggers first (lib/triggers.py): missing or changed ones are put back.
    REGISTRY.install(connection)
    counts = rebuild(connection)
    print("indexed " + ", ".join(f"{n} {kind}s" for kind, n in counts.items()))
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["airwaves manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="airwaves", description="Live radio and podcasts.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="run the website",
        description="Serves the website and, unless --no-crawl, refreshes feeds in the same "
        "process. The database is in AIRWAVES_DATA_DIR (default: a per-user data directory) "
        "or at DATABASE_URL; its location is printed first.",
    )
    serve.add_argument(
        "--host",
        default=os.environ.get("AIRWAVES_HOST", "127.0.0.1"),
        help="address to listen on (default: $AIRWAVES_HOST, else 127.0.0.1: this machine "
        "only; 0.0.0.0 for every interface)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("AIRWAVES_PORT", "8000")),
        help="port to listen on (default: $AIRWAVES_PORT, else 8000)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the bundled demo shows first, from local files (default: off)",
    )
    serve.add_argument(
        "--no-crawl",
        action="store_true",
        help="do not refresh feeds from this process (default: off, feeds are refreshed)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="server processes (default: one per core; 1 with --demo)",
    )
    serve.set_defaults(handler=cmd_serve)

    add = sub.add_parser(
        "add",
        help="add feeds to the directory and fetch them now",
        description="Adds each feed by its URL, fetches it now and prints its page. A feed "
        "is followed at its URL; to read a feed in a local file, use `airwaves parse FILE`.",
    )
    add.add_argument("urls", nargs="*", metavar="URL", help="feed URLs (http:// or https://)")
    add.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="also read URLs from FILE, one a line, # for comments (- for stdin; default: none)",
    )
    add.set_defaults(handler=cmd_add)

    crawl = sub.add_parser("crawl", help="refresh feeds that are due")
    crawl.add_argument(
        "--once",
        action="store_true",
        help="one pass over the due feeds, then exit (default: off, keep refreshing until stopped)",
    )
    crawl.add_argument(
        "--all",
        action="store_true",
        help="treat every feed as due, in the first pass (default: off, only due feeds)",
    )
    crawl.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="crawl in N processes (default: 1; one per core is a good start)",
    )
    crawl.set_defaults(handler=cmd_crawl)

    feeds = sub.add_parser("feeds", help="list feeds and their health; revive dead feeds")
    feeds.add_argument(
        "--errors",
        action="store_true",
        help="only feeds whose last fetch failed (default: off, every feed)",
    )
    feeds.add_argument(
        "--dead", action="store_true", help="only feeds declared dead (default: off, every feed)"
    )
    feeds.add_argument(
        "--revive",
        nargs="+",
        metavar="FEED",
        help="ids or URLs of feeds to check again now, instead of listing (default: none)",
    )
    feeds.set_defaults(handler=cmd_feeds)

    worker = sub.add_parser(
        "worker",
        help="run a Celery worker that refreshes feeds",
        description="Needs AIRWAVES_BROKER_URL and the celery extra.",
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        default=8,
        metavar="N",
        help="feeds refreshed at once by this worker (default: 8)",
    )
    worker.add_argument(
        "--loglevel",
        default="warning",
        help="Celery's log level: debug, info, warning, error (default: warning)",
    )
    worker.add_argument(
        "--name",
        default="airwaves@%h",
        help="the worker's name; %%h is the host name (default: airwaves@%%h)",
    )
    worker.set_defaults(handler=cmd_worker)

    parse = sub.add_parser("parse", help="parse feeds (URLs, files or -) and print what was read")
    parse.add_argument("sources", nargs="+", metavar="SOURCE")
    parse.add_argument(
        "--json",
        action="store_true",
        help="print each feed as one line of JSON (docs/feed-json.md), errors included",
    )
    parse.set_defaults(handler=cmd_parse)

    reindex = sub.add_parser("reindex", help="rebuild the search index from the tables")
    reindex.set_defaults(handler=cmd_reindex)

    manage = sub.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=cmd_manage)

    listeners_cli.register(sub)  # import-opml, export-opml
    radio_cli.register(sub)  # import-stations, export-stations, check-stations
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from airwaves.crawler.errors import CrawlError

    try:
        return args.handler(args)
    except (CommandError, CrawlError) as error:
        print(f"airwaves: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
