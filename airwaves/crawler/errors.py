"""Errors raised while refreshing a feed.

Every error carries a message fit to show an operator on the feed's health record.

    CrawlError
    ├── FetchError              the feed could not be downloaded
    │   ├── BlockedURLError     the URL or an address it resolves to is not allowed (SSRF guard)
    │   ├── HTTPStatusError     the server answered with an error status (.status_code)
    │   ├── TooLargeError       the (decompressed) body exceeded the size cap
    │   ├── FetchTimeoutError   connecting or downloading took too long
    │   └── TooManyRedirects    the redirect chain was too long or looped
    ├── ParseError              the bytes are not a feed we can read
    ├── BudgetExceeded          parsing, cleaning and storing took longer than allowed
    └── SetupError              the crawler cannot run as configured (not about a feed)
"""

from __future__ import annotations


class CrawlError(Exception):
    """Base class: str(error) is a one-line reason for the operator."""


class FetchError(CrawlError):
    pass


class BlockedURLError(FetchError):
    pass


class HTTPStatusError(FetchError):
    def __init__(self, message: str, status_code: int, retry_after: float | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after


class TooLargeError(FetchError):
    pass


class FetchTimeoutError(FetchError):
    pass


class TooManyRedirects(FetchError):
    pass


class ParseError(CrawlError):
    pass


class BudgetExceeded(CrawlError):
    pass


class SetupError(CrawlError):
    pass
