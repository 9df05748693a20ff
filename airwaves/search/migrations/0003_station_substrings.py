"""The trigram index of station names, countries and tags (airwaves/search/substrings.py)."""

from __future__ import annotations

from django.db import migrations


def install(apps, schema_editor):
    from airwaves.search import substrings

    # Rows written before this migration are indexed once.
    substrings.rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    from airwaves.search import substrings

    substrings.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_transcripts"),
        ("radio", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
