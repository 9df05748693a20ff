from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


def _remove_triggers(using: str = "default", **kwargs) -> None:
    from django.db import connections

    from airwaves.artwork.triggers import remove_triggers

    # PostgreSQL refuses to change the type of a column a trigger watches: migrations
    # of the watched tables must run without them.
    remove_triggers(connections[using])


def _install_triggers(using: str = "default", **kwargs) -> None:
    from django.db import connections

    from airwaves.artwork.triggers import install_triggers

    # After every migrate, not only ours: they were removed before it, and a table
    # rebuilt by SQLite loses its triggers anyway.
    install_triggers(connections[using])


class ArtworkConfig(AppConfig):
    name = "airwaves.artwork"
    label = "artwork"
    verbose_name = "Artwork"

    def ready(self) -> None:
        pre_migrate.connect(_remove_triggers, sender=self, dispatch_uid="artwork-triggers-off")
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="artwork-triggers")
