from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "airwaves.sync"
    label = "sync"
    verbose_name = "Sync"
