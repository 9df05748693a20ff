"""What every `airwaves` sub-command shares: its error type and the Django set-up.

airwaves/cli.py registers the sub-commands of airwaves/listeners/cli.py and
airwaves/radio/cli.py; all three import these from here, so no module imports the one
that imports it.
"""

from __future__ import annotations

import os


class CommandError(Exception):
    """A failure the user can act on; printed as one line."""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")
    import django

    django.setup()


def ensure_database() -> None:
    """Creates or upgrades the database, so a fresh checkout needs no set-up step."""
    from django.conf import settings
    from django.core.management import call_command

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
