from django.apps import AppConfig


class ArtworkConfig(AppConfig):
    name = "airwaves.artwork"
    label = "artwork"
    verbose_name = "Artwork"

    def ready(self) -> None:
        from airwaves.artwork.triggers import TRIGGERS
        from airwaves.lib import triggers

        # Dropped before a migrate and installed after it (lib/triggers.py).
        triggers.register(TRIGGERS)
