"""Pausing Python's cyclic garbage collector while a request builds millions of objects that
hold no reference cycles (a région's plan: a million devices, half a million lines).

Each collection of the oldest generation walks every live object; while a million-device
plan is read, computed and laid out, the collector ran again and again and took ~5 s of a
15 s page. Reference counting still frees what the code drops; the collector runs as usual
once no pause is under way. Pauses nest and may span awaits (several requests at once): the
collector comes back when the last one ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_pauses = 0
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pauses, _was_enabled
    if _pauses == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _pauses += 1
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0 and _was_enabled:
            gc.enable()
