"""The time one refresh may spend on a feed after downloading it.

Downloads have their own caps (size, time: fetch.py). What follows — parsing, cleaning,
storing — grows with the feed, so a hostile or merely enormous feed could hold a store
thread for minutes and the whole crawl with it. Each stage calls `check()` once per item;
past the budget the refresh stops with BudgetExceeded, its transaction (if any) rolls
back, and the feed keeps what it had. Django-free, like parse and process.
"""

from __future__ import annotations

import time

from airwaves.crawler.errors import BudgetExceeded


class Budget:
    __slots__ = ("deadline", "seconds")

    def __init__(self, seconds: float | None) -> None:
        """`seconds` of processing from now; None or 0 for no limit."""
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds if seconds else float("inf")

    def check(self, stage: str) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(
                f"{stage} took longer than the refresh's time budget of {self.seconds:g} s "
                "(AIRWAVES_REFRESH_TIME_BUDGET); the feed keeps what it had"
            )


UNLIMITED = Budget(None)
