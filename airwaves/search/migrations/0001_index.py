"""The full-text index and its triggers (see airwaves/search/schema.py)."""

from __future__ import annotations

from django.db import migrations


def install(apps, schema_editor):
    from airwaves.search.schema import install, rebuild

    install(schema_editor.connection)
    # Rows written before this migration: index them once.
    rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    from airwaves.search.schema import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("podcasts", "0003_podcast_channel_hash"),
        ("radio", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
