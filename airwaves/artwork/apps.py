from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_triggers(using: str = "default", **kwargs) -> None:
    from django.db import connections

    from airwaves.artwork.triggers import install_triggers

    # After every migrate, not only ours: a table rebuilt by SQLite lost its triggers.
    install_triggers(connections[using])


class ArtworkConfig(AppConfig):
    name = "airwaves.artwork"
    label = "artwork"
    verbose_name = "Artwork"

    def ready(self) -> None:
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="artwork-triggers")
