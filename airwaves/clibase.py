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


def ensure_static() -> bool:
    """Collects the static files into STATIC_ROOT (hashed names, the manifest the
    `{% static %}` tag reads, gzip and brotli copies) when their sources changed since
    the last collection, so a fresh checkout or an upgrade needs no collectstatic step.
    Returns True when it collected.

    1. Digest the sources the finders see (staticstorage.source_digest).
    2. The digest written after the last complete collection matches: nothing to do.
    3. Otherwise run collectstatic, which writes the manifest last, then the digest: a
       collection cut short leaves no digest, and the next start collects again. Files
       of earlier collections stay, so pages cached with old hashed names still load.
    """
    from django.conf import settings
    from django.core.management import call_command

    from airwaves.staticstorage import collected_digest, digest_path, source_digest

    root = settings.STATIC_ROOT
    digest = source_digest()
    if collected_digest(root) == digest:
        return False
    path = digest_path(root)
    path.unlink(missing_ok=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    path.write_text(digest + "\n")
    return True
