from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class PodcastsConfig(AppConfig):
    name = "airwaves.podcasts"
    label = "podcasts"
    verbose_name = "Podcasts"

    def ready(self):
        from airwaves.lib import triggers
        from airwaves.podcasts.triggers import TRIGGERS

        # The directory's counts are kept by triggers (triggers.py), installed around
        # every migrate rather than by one migration; see that module for why.
        triggers.register(TRIGGERS)
        # The triggers of every app (lib/triggers.py), once per migrate: the migrate
        # signals are sent for each app, after (or before) all the migrations.
        pre_migrate.connect(triggers.before_migrate, sender=self, dispatch_uid="triggers-off")
        post_migrate.connect(triggers.after_migrate, sender=self, dispatch_uid="triggers-on")
