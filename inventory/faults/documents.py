"""Faults as the JSON API reads and answers them (see core/documents.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from inventory.core.documents import UNSET, Document, Input, Unset, Versioned, choice
from inventory.faults import symptoms, workflow

FaultStatus = choice("FaultStatus", workflow.STATES)
FaultAction = choice("FaultAction", workflow.ACTIONS)


Symptom = Annotated[choice("Symptom", symptoms.all_symptoms()), msgspec.Meta(description=(
    "A symptom. A report on a device may use those its category offers (the category's "
    "`symptoms`, GET /api/v1/categories; `" + symptoms.OTHER + "` always, with a "
    "description); a report on a room, any of them."))]


class FaultDocument(Document):
    id: int
    site: str  # the site's code
    room: int | None
    room_name: str | None
    asset: str | None  # the device's tag
    category: str | None  # the device's category code
    symptom: Symptom
    description: str
    teaching_blocked: bool
    status: FaultStatus
    reported_by: str
    anonymous: bool
    assigned_to: str
    reject_reason: str
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    overdue: bool | None
    version: int

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> FaultDocument:
        return cls.from_row(row, site=row.get("site_code"), asset=row.get("asset_tag"),
                            category=row.get("category_code"), room=row.get("room"),
                            room_name=row.get("room_name"), overdue=row.get("overdue"))


class FaultList(msgspec.Struct, kw_only=True):
    items: list[FaultDocument]
    next_cursor: str | None


class FaultCreate(Input, kw_only=True):
    """On a device (`asset`: its tag) or, when the device is not known, a room (its id).
    A creation always opens a new fault, even when one is open there already: read the
    device's open faults first with GET /api/v1/faults?asset=TAG (the pages offer to
    follow the open one instead of reporting the same problem again)."""

    asset: str | Unset = UNSET
    room: int | Unset = UNSET
    symptom: Symptom
    description: str | Unset = UNSET  # required with the symptom `other`
    teaching_blocked: bool | Unset = UNSET
    # With `asset`: the device's version as the client saw it (a phone's queued report); a
    # device changed since (moved, retired) answers 409 with the device as it is now.
    version: int | Unset = UNSET


class FaultStep(Versioned, kw_only=True):
    note: str | Unset = UNSET  # required to reject
