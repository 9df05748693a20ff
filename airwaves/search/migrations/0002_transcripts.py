"""The transcripts' index and its triggers (see airwaves/search/schema.py)."""

from __future__ import annotations

from django.db import migrations


def install(apps, schema_editor):
    from airwaves.search.schema import TRANSCRIPTS, install, rebuild

    install(schema_editor.connection)
    # Transcripts fetched before this migration: index them once.
    rebuild(schema_editor.connection, (TRANSCRIPTS,))


def uninstall(apps, schema_editor):
    from airwaves.search.schema import TRANSCRIPTS, drop

    drop(schema_editor.connection, TRANSCRIPTS)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_index"),
        ("podcasts", "0008_episode_chapters_transcripts"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
