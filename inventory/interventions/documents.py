"""A technician's work records as the JSON API reads and answers them (core/documents.py)."""

from __future__ import annotations

import datetime as dt

import msgspec

from inventory.core.documents import UNSET, Document, Input, Unset, choice
from inventory.interventions.service import KINDS

InterventionKind = choice("InterventionKind", KINDS)


class InterventionDocument(Document):
    id: int
    asset: str  # the device's tag
    kind: InterventionKind
    done_on: dt.date | None
    minutes_spent: int
    parts: str
    cost_cents: int
    notes: str
    technician: str
    created_at: dt.datetime | None


class InterventionList(msgspec.Struct, kw_only=True):
    items: list[InterventionDocument]
    next_cursor: str | None


class InterventionInput(Input, kw_only=True):
    kind: InterventionKind | Unset = UNSET  # repair when left out
    done_on: dt.date | Unset = UNSET  # today when left out; never in the future
    minutes_spent: int | Unset = UNSET
    parts: str | Unset = UNSET
    cost_cents: int | Unset = UNSET
    notes: str | Unset = UNSET
    # The device's version as the client saw it (a phone's queued action): a device changed
    # since (moved, retired) answers 409 with the device as it is now.
    version: int | Unset = UNSET
