from django.apps import AppConfig


class PodcastsConfig(AppConfig):
    name = "airwaves.podcasts"
    label = "podcasts"
    verbose_name = "Podcasts"
