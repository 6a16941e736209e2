"""Rows as JSON documents: stable public names, ISO dates, no internal ids where a code exists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

ASSET_PUBLIC = (
    "tag", "serial", "status", "purchase_date", "purchase_price_cents", "supplier", "order_ref",
    "warranty_end", "commissioning_date", "eol_year_override", "eol_year", "holder", "hostname",
    "ip_address", "mac_address", "firmware", "notes", "last_seen_on", "version", "created_at",
    "updated_at",
)
SITE_PUBLIC = (
    "code", "name", "kind", "uai", "address", "postal_code", "city", "director_name",
    "director_email", "director_phone", "organisation", "notes", "version",
)


# Columns kept for the service's own use (a folded search key), never shown.
INTERNAL_COLUMNS = frozenset({"search_text"})


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def stored_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as JSON (a conflict's current record), without internal columns."""
    return jsonable({k: v for k, v in row.items() if k not in INTERNAL_COLUMNS})


def asset_document(row: dict[str, Any]) -> dict[str, Any]:
    doc = {name: row.get(name) for name in ASSET_PUBLIC}
    doc.update(
        category=row.get("category_code"),
        model=row.get("model"),
        manufacturer=row.get("manufacturer"),
        model_name=row.get("model_name"),
        site=row.get("site_code"),
        room=row.get("room") if "room" in row else row.get("room_id"),
        room_name=row.get("room_name"),
    )
    return jsonable(doc)


def site_document(row: dict[str, Any]) -> dict[str, Any]:
    return jsonable({name: row.get(name) for name in SITE_PUBLIC})
