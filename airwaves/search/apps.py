from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "airwaves.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        post_migrate.connect(_ensure_index, sender=self)


def _ensure_index(sender, using: str = "default", **kwargs) -> None:
    # SQLite rebuilds a table to alter it (CREATE new, copy, DROP old, RENAME), which
    # drops the table's triggers with it: put back any that another app's migration
    # removed. Rows keep their ids in such a copy, so the index itself is still right.
    from django.db import connections

    from airwaves.search.schema import install

    install(connections[using])
