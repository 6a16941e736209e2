"""A device's checked values (a new device's, a changed device's changes), kept compactly
from the check to the write. Pure.

An import writes nothing until every row is checked, so it holds every new device's values
until the end: as a tuple each row held ~520 bytes (the tuple, the serial number, dates,
amounts and the file's texts as separate objects), ~260 MB for a région's 500,000 rows. Packed
by `marshal` into one bytes object, a row holds ~170 bytes; it is unpacked batch by batch
while writing.
"""

from __future__ import annotations

import datetime as dt
import marshal
from collections.abc import Sequence
from typing import Any


def pack(values: Sequence[Any]) -> bytes:
    """The values (text, integers, dates, None) as bytes; a date becomes a 1-tuple of its
    day number, which no other value is."""
    return marshal.dumps(tuple((value.toordinal(),) if type(value) is dt.date else value
                               for value in values))


def unpack(packed: bytes) -> tuple[Any, ...]:
    """The values `pack` was given."""
    return tuple(dt.date.fromordinal(value[0]) if type(value) is tuple else value
                 for value in marshal.loads(packed))
