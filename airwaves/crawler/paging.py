"""Paged feeds (RFC 5005): a feed whose first page links to older ones with
atom:link rel="next", followed within a cap.

Each page is fetched like the feed itself (`fetch`, the refresh's guarded fetch with its
size and time caps) and parsed with the same `known` items, so pages whose items did not
change cost a digest each. A page that fails to download or parse ends the walk with a
warning: the episodes already read are kept, never lost to a bad archive page.
Django-free, like parse and process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from airwaves.crawler.budget import UNLIMITED, Budget
from airwaves.crawler.errors import BudgetExceeded, CrawlError
from airwaves.crawler.parse import parse_feed
from airwaves.crawler.types import ParsedEpisode, ParsedFeed

# (url) -> (bytes, final URL, HTTP charset)
FetchPage = Callable[[str], tuple[bytes, str, str]]


def follow_pages(
    feed: ParsedFeed,
    feed_url: str,
    fetch: FetchPage,
    *,
    max_pages: int,
    known: Mapping[str, ParsedEpisode] | None = None,
    max_items: int | None = None,
    budget: Budget = UNLIMITED,
) -> int:
    """Appends the episodes of the pages after `feed` (its first page, from `feed_url`)
    to `feed.episodes`, reading at most `max_pages` pages in all and `max_items` items.
    Returns how many more pages were read."""
    seen_urls = {feed_url}
    seen_items = {_identity(e) for e in feed.episodes}
    url = feed.next_page_url
    pages = 1
    while url:
        if url in seen_urls:
            feed.warnings.append(f"the feed's pages loop back to {url}: stopped there")
            break
        if pages >= max_pages:
            feed.warnings.append(
                f"the feed has more than {max_pages} pages: only the first {max_pages} were"
                " read (AIRWAVES_FEED_MAX_PAGES)"
            )
            break
        if max_items is not None and len(feed.episodes) >= max_items:
            break
        budget.check("reading the feed's pages")
        seen_urls.add(url)
        try:
            data, final_url, charset = fetch(url)
            page = parse_feed(
                data,
                url=final_url,
                known=known,
                max_items=None if max_items is None else max_items - len(feed.episodes),
                budget=budget,
                charset=charset,
            )
        except BudgetExceeded:
            raise
        except CrawlError as error:
            feed.warnings.append(f"page {pages + 1} of the feed ({url}) was not read: {error}")
            break
        pages += 1
        for episode in page.episodes:
            identity = _identity(episode)
            if identity not in seen_items:
                seen_items.add(identity)
                feed.episodes.append(episode)
        url = page.next_page_url
    return pages - 1


def _identity(episode: ParsedEpisode) -> str:
    # Pages of a live feed shift while we read them: the same item on two pages is one.
    return episode.guid or episode.enclosure_url or episode.title
