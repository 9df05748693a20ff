"""`airwaves import-opml` and `airwaves export-opml`, registered by airwaves/cli.py.

Nothing from Django is imported at module level: the command line is parsed before
Django is set up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    imp = sub.add_parser(
        "import-opml",
        help="follow every feed in an OPML file (AntennaPod, Pocket Casts, Overcast…)",
        description="Follows every feed in FILE for the user; feeds new to the directory are "
        "added and fetched in the background, up to AIRWAVES_OPML_NEW_FEEDS_PER_DAY per user "
        "per day. Exits 1 if some outlines could not be imported or were left for another "
        "day (the others are).",
    )
    imp.add_argument("file", metavar="FILE", help="the OPML file, or - for standard input")
    imp.add_argument(
        "--user", required=True, metavar="USERNAME", help="whose follows (required; no default)"
    )
    imp.set_defaults(handler=cmd_import_opml)

    exp = sub.add_parser("export-opml", help="print a user's follows as OPML 2.0")
    exp.add_argument(
        "--user", required=True, metavar="USERNAME", help="whose follows (required; no default)"
    )
    exp.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default: standard output)"
    )
    exp.set_defaults(handler=cmd_export_opml)


def _user(username: str):
    from django.contrib.auth import get_user_model

    from airwaves.clibase import CommandError

    model = get_user_model()
    try:
        return model.objects.get(**{model.USERNAME_FIELD: username})
    except model.DoesNotExist:
        raise CommandError(
            f"no user named {username!r} (create one with `airwaves manage createsuperuser` "
            "or sign up on the site)"
        ) from None


class ProgressBar:
    """One line on stderr, redrawn in place: "Importing [#####     ] 12/40"."""

    WIDTH = 30

    def __init__(self, stream) -> None:
        self.stream = stream

    def __call__(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // total if total else self.WIDTH
        bar = "#" * filled + " " * (self.WIDTH - filled)
        self.stream.write(f"\rImporting [{bar}] {done}/{total}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def cmd_import_opml(args: argparse.Namespace) -> int:
    from airwaves.clibase import CommandError, ensure_database, setup_django

    if args.file == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise CommandError(f"{args.file}: no such file")
        data = path.read_bytes()
    setup_django()
    ensure_database()
    from airwaves.listeners.follows import import_follows
    from airwaves.listeners.opml import NotOpml, parse_opml

    user = _user(args.user)
    try:
        document = parse_opml(data)
    except NotOpml as error:
        raise CommandError(f"{args.file}: {error}") from None
    report = import_follows(user, document, progress=ProgressBar(sys.stderr))
    err = sys.stderr
    print(
        f"Followed {len(report.followed)} feeds ({report.new_to_directory} new to the "
        f"directory, fetched in the background); {len(report.already)} already followed; "
        f"{len(report.invalid)} not imported.",
        file=err,
    )
    for item in report.followed:
        print(f"  + {item.name}  {item.podcast.feed_url}", file=err)
    for problem in report.invalid:
        print(f"  ! {problem}", file=err)
    if report.over_limit:
        print(
            f"{report.over_limit_message} (The limit is AIRWAVES_OPML_NEW_FEEDS_PER_DAY.)",
            file=err,
        )
        for problem in report.over_limit:
            print(f"  - {problem}", file=err)
    return 1 if report.invalid or report.over_limit else 0


def cmd_export_opml(args: argparse.Namespace) -> int:
    from airwaves.clibase import ensure_database, setup_django

    setup_django()
    ensure_database()
    from airwaves.listeners.follows import export_follows

    data = export_follows(_user(args.user))
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
