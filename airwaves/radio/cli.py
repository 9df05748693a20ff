"""`airwaves import-stations`, `airwaves export-stations` and `airwaves check-stations`,
registered by airwaves/cli.py.

Nothing from Django is imported at module level: the command line is parsed before
Django is set up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLE_STATIONS = Path(__file__).parent / "data" / "example-stations.json"


def register(sub) -> None:
    imp = sub.add_parser(
        "import-stations",
        help="add radio stations from a radio-browser JSON export, M3U, PLS or XSPF file",
        description="Adds the stations in FILE, or updates those already in the directory "
        "(same radio-browser UUID or same stream URL). Each station is saved in its own "
        "transaction, so an interrupted import can simply be run again. Lines that cannot "
        "become a station are listed with the reason; the exit status is 1 if there were any.",
    )
    source = imp.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", metavar="FILE", help="the station list, or - for stdin")
    source.add_argument(
        "--example",
        action="store_true",
        help="import the short example list of public stations bundled with Airwaves "
        "(they stream from the internet; default: off)",
    )
    imp.add_argument(
        "--resolve",
        action="store_true",
        help="fetch each URL now to find the real stream behind playlists and redirects "
        "(default: off, the station checks do it)",
    )
    imp.set_defaults(handler=cmd_import_stations)

    exp = sub.add_parser("export-stations", help="print stations as M3U or radio-browser JSON")
    exp.add_argument(
        "--format",
        choices=["m3u", "json"],
        default="json",
        help="M3U playlist or radio-browser JSON (default: json)",
    )
    exp.add_argument(
        "--user",
        metavar="USERNAME",
        help="only this user's favourite stations (default: every station)",
    )
    exp.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default: standard output)"
    )
    exp.set_defaults(handler=cmd_export_stations)

    check = sub.add_parser(
        "check-stations",
        help="check that stations are on air and record codec, bitrate and errors",
        description="Checks the stations whose next check is due (all with --all, or the "
        "given ones) and prints what changed. `airwaves serve` and `airwaves crawl` also "
        "check due stations in the background.",
    )
    check.add_argument("slugs", nargs="*", metavar="STATION", help="station slugs or UUIDs")
    check.add_argument(
        "--all", action="store_true", help="check every station now (default: off, due ones)"
    )
    check.add_argument(
        "--limit", type=int, default=1000, help="at most this many stations (default: 1000)"
    )
    check.add_argument(
        "--concurrency",
        type=int,
        default=16,
        metavar="N",
        help="stations checked at once (default: 16)",
    )
    check.set_defaults(handler=cmd_check_stations)


class ProgressBar:
    """One line on stderr, redrawn in place: "Importing [#####     ] 12/40"."""

    WIDTH = 30

    def __init__(self, stream) -> None:
        self.stream = stream
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // total if total else self.WIDTH
        if filled == self.last and done != total:
            return
        self.last = filled
        bar = "#" * filled + " " * (self.WIDTH - filled)
        self.stream.write(f"\rImporting [{bar}] {done}/{total}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def _setup():
    from airwaves.clibase import ensure_database, setup_django

    setup_django()
    ensure_database()


def cmd_import_stations(args: argparse.Namespace) -> int:
    from airwaves.clibase import CommandError

    if args.example:
        path = str(EXAMPLE_STATIONS)
        data = EXAMPLE_STATIONS.read_bytes()
    elif args.file == "-":
        path, data = "-", sys.stdin.buffer.read()
    else:
        path = args.file
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
    _setup()
    from airwaves.radio.importers import StationFileError, import_stations

    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = import_stations(
            data, "" if path == "-" else path, resolve=args.resolve, progress=progress
        )
    except StationFileError as error:
        raise CommandError(f"{path}: {error}") from None
    print(report.describe())
    return 1 if report.rejected else 0


def cmd_export_stations(args: argparse.Namespace) -> int:
    _setup()
    from airwaves.radio import exporters
    from airwaves.radio.models import Station

    rows = Station.objects.order_by("name")
    if args.user:
        from airwaves.listeners.cli import _user

        user = _user(args.user)
        rows = Station.objects.filter(favourites__user=user).order_by("-favourites__created_at")
    text = exporters.stations_m3u(rows) if args.format == "m3u" else exporters.stations_json(rows)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_check_stations(args: argparse.Namespace) -> int:
    from airwaves.clibase import CommandError

    _setup()
    from django.db.models import Q

    from airwaves.radio import checks
    from airwaves.radio.models import Station

    if args.slugs:
        import uuid

        uuids = []
        for value in args.slugs:
            try:
                uuids.append(uuid.UUID(value))
            except ValueError:
                pass
        rows = list(Station.objects.filter(Q(slug__in=args.slugs) | Q(uuid__in=uuids)))
        if len(rows) != len(args.slugs):
            found = {s.slug for s in rows} | {str(s.uuid) for s in rows}
            missing = [v for v in args.slugs if v not in found]
            raise CommandError(f"no such station: {', '.join(missing)} (give slugs or UUIDs)")
        summary = checks.check_stations(rows, concurrency=args.concurrency)
    else:
        summary = checks.check_due_stations(
            args.limit, include_all=args.all, concurrency=args.concurrency
        )
    print(summary.describe())
    if args.slugs:
        for station in Station.objects.filter(pk__in=[s.pk for s in rows]).order_by("name"):
            state = "OK" if station.last_check_ok else f"failed: {station.last_check_error}"
            details = " ".join(
                part
                for part in (station.codec, f"{station.bitrate} kbps" if station.bitrate else "")
                if part
            )
            print(
                f"  {station.slug}: {state}{' (' + details + ')' if details and station.last_check_ok else ''}"
            )
    return 0
