"""The asset as the JSON API reads and answers it: declared once (see core/documents.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from inventory.assets import rules
from inventory.core.documents import UNSET, Document, Unset, Versioned, choice

Status = choice("AssetStatus", rules.STATUSES)
ActiveStatus = choice("ActiveStatus", rules.ACTIVE_STATUSES)
# A device's tag, a site's or category's code: kept short so a query never carries a novel.
Code = Annotated[str, msgspec.Meta(max_length=64)]


class AssetDocument(Document, kw_only=True):
    """Dates are ISO dates, amounts integer cents; `version` is what an update sends back."""

    tag: str
    category: str  # the category's code
    model: int | None
    manufacturer: str | None
    model_name: str | None
    serial: str
    site: str  # the site's code
    organisation: str | None  # the owning organisation's code
    room: int | None
    room_name: str | None
    status: Status
    purchase_date: dt.date | None
    purchase_price_cents: int | None
    supplier: str
    order_ref: str
    warranty_end: dt.date | None
    commissioning_date: dt.date | None
    eol_year_override: int | None
    eol_year: int | None
    holder: str
    hostname: str
    ip_address: str
    mac_address: str
    firmware: str
    notes: str
    last_seen_on: dt.date | None
    contract: int | None = None  # the contract's id (/api/v1/contracts)
    purchase: int | None = None  # the order's id (/api/v1/purchases)
    version: int
    created_at: dt.datetime | None
    updated_at: dt.datetime | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> AssetDocument:
        """An asset as the services read it (codes beside the ids)."""
        return cls.from_row(row, category=row.get("category_code"), site=row.get("site_code"),
                            organisation=row.get("owner_code"),
                            room=row["room"] if "room" in row else row.get("room_id"),
                            manufacturer=row.get("manufacturer"),
                            model_name=row.get("model_name"), room_name=row.get("room_name"))


class AssetPage(msgspec.Struct, kw_only=True):
    """With `limit` or `cursor`: `next_cursor` (null on the last page). Without: numbered
    pages (`total`, `page`, `pages`)."""

    items: list[AssetDocument]
    next_cursor: str | None | Unset = UNSET
    total: int | Unset = UNSET
    page: int | Unset = UNSET
    pages: int | Unset = UNSET


class AssetFields(Versioned, kw_only=True):
    model: int | None | Unset = UNSET
    serial: str | Unset = UNSET
    purchase_date: dt.date | None | Unset = UNSET
    purchase_price_cents: int | None | Unset = UNSET
    supplier: str | Unset = UNSET
    order_ref: str | Unset = UNSET
    warranty_end: dt.date | None | Unset = UNSET
    commissioning_date: dt.date | None | Unset = UNSET
    eol_year_override: int | None | Unset = UNSET
    holder: str | Unset = UNSET
    hostname: str | Unset = UNSET
    ip_address: str | Unset = UNSET
    mac_address: str | Unset = UNSET
    firmware: str | Unset = UNSET
    notes: str | Unset = UNSET
    # Ids. Given a purchase alone, the device takes its contract; with a contract whose
    # warranty terms say N months, an empty warranty end becomes purchase date + N months.
    contract: int | None | Unset = UNSET
    purchase: int | None | Unset = UNSET


class AssetCreate(AssetFields, kw_only=True):
    category: Code  # the category's code
    site: Code  # the site's code
    room: int | None | Unset = UNSET
    status: ActiveStatus | Unset = UNSET  # retire through /status
    tag: Code | Unset = UNSET  # a reserved blank label's tag; otherwise the next tag is given
    replaces: Code | Unset = UNSET  # the tag of the device this one replaces (it is retired)


class AssetUpdate(AssetFields, kw_only=True):
    category: Code | Unset = UNSET


class MoveInput(Versioned, kw_only=True):
    site: Code
    room: int | None | Unset = UNSET


class SeenInput(Versioned, kw_only=True):
    """Seen here today (an inventory check). With `version`, the one the client read: if the
    device changed since (moved, retired), 409 with the device as it is now."""


class StatusInput(Versioned, kw_only=True):
    status: Status


class HistoryEntry(msgspec.Struct, kw_only=True):
    """One audit record of the device, in codes: `changes` maps each field's code to
    [before, after] (sites and categories by code, rooms and models by id, amounts in
    cents, statuses as codes). `elsewhere` stands for a stretch at a site you do not see."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    changes: dict[str, list[Any]]


class HistoryPage(msgspec.Struct, kw_only=True):
    items: list[HistoryEntry]
    next_cursor: str | None
