"""The fault row as the services read it (faults.service.FAULT_SELECT), for type checkers:
the pages, the API, the exports and the emails all take it. Pure: no database here."""

from __future__ import annotations

import datetime as dt
from typing import NotRequired, TypedDict


class FaultRow(TypedDict):
    """fault.*, then the names of its site, room and device. Both engines give the declared
    types (tests/test_row_types.py). The service adds `overdue` (and `under_warranty` for
    one fault); `left_sites` marks a fault read as it stood when its device left the
    reader's sites (faults/scoping.py), its device's fields then None."""

    id: int
    site: int
    room: int | None
    asset: int | None
    symptom: str
    description: str
    teaching_blocked: bool
    status: str
    reported_by: str
    reporter_user_id: int | None
    anonymous: bool
    reporter_contact: str
    assigned_to: str
    reject_reason: str
    photo: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    # Joined
    site_code: str
    site_name: str
    room_name: str | None  # no room: None
    asset_tag: str | None  # on a room, no device: None
    asset_site: int | None
    asset_status: str | None
    warranty_end: dt.date | None
    supplier: str | None
    order_ref: str | None
    category_code: str | None
    category_name: str | None
    model_name: str | None
    # Added by the service
    overdue: NotRequired[bool]
    under_warranty: NotRequired[bool]
    left_sites: NotRequired[bool]
