"""The one clock: every "today" and "now" of the service comes from here, so a test sets the
date in one place (`clock.frozen(...)`) instead of patching each caller."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current moment, timezone-aware in UTC (what is stored)."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """The date of the machine's calendar day (what plans, due dates and exports use)."""
    if _frozen is not None:
        return _frozen.astimezone().date()
    return dt.date.today()


def seconds() -> int:
    """Unix seconds (sessions, tokens, throttling, leases)."""
    return int(_frozen.timestamp()) if _frozen is not None else int(time.time())


@contextlib.contextmanager
def frozen(moment: dt.datetime) -> Iterator[None]:
    """Sets the clock for the code inside (tests): naive moments are taken as UTC."""
    global _frozen
    previous = _frozen
    _frozen = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    try:
        yield
    finally:
        _frozen = previous
