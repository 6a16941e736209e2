"""An inventory audit's records as the JSON API reads and answers them (core/documents.py):
what a phone sends for each label scanned in a room, queued while offline."""

from __future__ import annotations

import datetime as dt

from inventory.campaigns.rules import RESULTS
from inventory.core.documents import UNSET, Document, Input, Unset, choice

CheckResult = choice("CheckResult", RESULTS)


class CheckInput(Input, kw_only=True):
    tag: str  # as printed on the label (or its number's full form)
    room: int | None | Unset = UNSET  # the room being checked, of the audit's site


class CheckDocument(Document):
    campaign: int
    tag: str
    # found (in its place), elsewhere (registered in another room or site), unknown (not a
    # device the person sees)
    result: CheckResult
    found_room: int | None
    expected_room: int | None
    checked_at: dt.datetime | None
