"""Numbered pages whose cost does not grow with the catalogue.

Django's Paginator counts its rows (COUNT(*)) and reads a page with OFFSET over the
full rows. Here the count is one the database keeps (podcasts/counters.py), and a page
is read in two steps: the primary keys of the page, from an ordered index alone, then
those rows by primary key. A page from the far end of a list is read backwards from
that end, so a show's last page costs what its first does.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404


class IndexedRows:
    """The rows of an ordered queryset, sliced by way of their primary keys.

    `reverse` is the same queryset in the opposite order, used for slices nearer the
    end than the start; `count` is the number of rows, as kept by the database."""

    def __init__(self, rows: QuerySet, count: int, reverse: QuerySet | None = None):
        self.rows, self.reverse, self.count = rows, reverse, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice):
            raise TypeError("IndexedRows is read by slices")
        start, stop = index.start or 0, min(index.stop or self.count, self.count)
        if stop <= start:
            return []
        if self.reverse is not None and start > self.count - stop:
            keys = self.reverse.values_list("pk", flat=True)[self.count - stop : self.count - start]
            keys = list(keys)[::-1]
        else:
            keys = list(self.rows.values_list("pk", flat=True)[start:stop])
        # The rows themselves come in any order: the keys' order is the list's.
        found = {row.pk: row for row in self.rows.order_by().filter(pk__in=keys)}
        return [found[key] for key in keys if key in found]


class CountedPaginator(Paginator):
    """A Paginator told its count instead of counting."""

    def __init__(self, rows: IndexedRows, per_page: int):
        super().__init__(rows, per_page)
        self.count = rows.count  # replaces Paginator's cached COUNT(*)


def counted_page(rows: IndexedRows, per_page: int, number: str | None):
    """The page numbered `number` (a query parameter: anything that is not a page
    number gives the first page, a number past the end the last)."""
    return CountedPaginator(rows, per_page).get_page(number)


@dataclass(frozen=True, slots=True)
class ShortListPage:
    """A page of a list read only to a bounded depth (new, updated, trending shows):
    the template's page interface without a total."""

    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def short_list_page(rows: QuerySet, per_page: int, max_pages: int, number: str | None):
    """Page `number` of `rows`, at most `max_pages` deep (anything that is not a page
    number gives the first page; a number out of range is a 404)."""
    try:
        page = int(number or 1)
    except (TypeError, ValueError):
        page = 1
    if not 1 <= page <= max_pages:
        raise Http404(f"These lists have pages 1 to {max_pages}.")
    start = (page - 1) * per_page
    found = IndexedRows(rows, count=start + per_page + 1)[start : start + per_page + 1]
    has_next = len(found) > per_page and page < max_pages
    return ShortListPage(object_list=found[:per_page], number=page, has_next=has_next)
