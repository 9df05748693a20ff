from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


def prepare_triggers(sender, using, plan=None, **kwargs):
    from airwaves.podcasts import triggers

    if plan:  # only a migrate with work to do may rebuild tables
        triggers.prepare(connections[using])


def install_triggers(sender, using, **kwargs):
    from airwaves.podcasts import triggers

    triggers.install(connections[using])


class PodcastsConfig(AppConfig):
    name = "airwaves.podcasts"
    label = "podcasts"
    verbose_name = "Podcasts"

    def ready(self):
        # The directory's counts are kept by triggers (triggers.py), installed around
        # every migrate rather than by one migration; see that module for why.
        pre_migrate.connect(prepare_triggers, sender=self)
        post_migrate.connect(install_triggers, sender=self)
