from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "airwaves.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from airwaves.lib import triggers
        from airwaves.search import substrings
        from airwaves.search.schema import TRIGGERS

        # Installed after every migrate (lib/triggers.py): SQLite rebuilds a table to
        # alter it (CREATE new, copy, DROP old, RENAME), which drops the table's
        # triggers with it. Rows keep their ids in such a copy, so the index itself is
        # still right.
        triggers.register(TRIGGERS)
        triggers.register(substrings.trigger_set())
