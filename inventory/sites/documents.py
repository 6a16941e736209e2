"""Sites and rooms as the JSON API reads and answers them (see core/documents.py)."""

from __future__ import annotations

from typing import Any

import msgspec

from inventory.core.documents import UNSET, Document, Unset, Versioned, choice
from inventory.sites import rules

SiteKind = choice("SiteKind", rules.SITE_KINDS)
RoomKind = choice("RoomKind", rules.ROOM_KINDS)


class SiteDocument(Document):
    code: str
    name: str
    kind: SiteKind
    uai: str | None
    address: str
    postal_code: str
    city: str
    director_name: str
    director_email: str
    director_phone: str
    organisation: str  # free text of old (the owner is `owner`)
    notes: str
    latitude: float | None  # WGS 84 degrees; both or neither
    longitude: float | None
    version: int
    owner: str | None = None  # the owning organisation's code (/api/v1/organisations)


class SiteList(msgspec.Struct, kw_only=True):
    items: list[SiteDocument]
    next_cursor: str | None


class SiteInput(Versioned, kw_only=True):
    """A creation needs `code`, `name` and `kind`; an update sends what changes."""

    code: str | Unset = UNSET
    name: str | Unset = UNSET
    kind: SiteKind | Unset = UNSET
    uai: str | None | Unset = UNSET
    address: str | Unset = UNSET
    postal_code: str | Unset = UNSET
    city: str | Unset = UNSET
    director_name: str | Unset = UNSET
    director_email: str | Unset = UNSET
    director_phone: str | Unset = UNSET
    organisation: str | Unset = UNSET
    notes: str | Unset = UNSET
    latitude: float | None | Unset = UNSET  # WGS 84 degrees; both or neither
    longitude: float | None | Unset = UNSET


class RoomDocument(Document):
    id: int
    site: str | None  # the site's code
    name: str
    kind: RoomKind
    floor: str
    notes: str
    version: int
    asset_count: int | Unset = UNSET

    @classmethod
    def of(cls, row: dict[str, Any], site_code: str | None = None) -> RoomDocument:
        return cls.from_row(row, site=site_code or row.get("site_code"))


class RoomList(msgspec.Struct, kw_only=True):
    items: list[RoomDocument]
    next_cursor: str | None


class RoomUpdate(Versioned, kw_only=True):
    name: str | Unset = UNSET
    kind: RoomKind | Unset = UNSET
    floor: str | Unset = UNSET
    notes: str | Unset = UNSET


class RoomCreate(RoomUpdate, kw_only=True):
    site: str  # the site's code
    name: str
