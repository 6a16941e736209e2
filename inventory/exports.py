"""Exports: pure row builders and CSV writing (spreadsheet-safe)."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterable
from typing import Any, TextIO

ASSET_COLUMNS = (
    "tag", "category", "manufacturer", "model", "serial", "site", "site_uai", "room", "status",
    "purchase_date", "purchase_price_eur", "warranty_end", "end_of_life_year",
    "commissioning_date", "supplier", "order_ref", "holder", "hostname", "ip_address",
    "mac_address", "firmware", "notes",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def euros(cents: int | None) -> str:
    if cents is None:
        return ""
    return f"{cents // 100}.{cents % 100:02d}"


def asset_row(asset: dict[str, Any]) -> list[Any]:
    def iso(value) -> str:
        return value.isoformat() if value else ""

    values = {
        "tag": asset["tag"],
        "category": asset["category_code"],
        "manufacturer": asset.get("manufacturer") or "",
        "model": asset.get("model_name") or "",
        "serial": asset["serial"],
        "site": asset["site_code"],
        "site_uai": asset.get("site_uai") or "",
        "room": asset.get("room_name") or "",
        "status": asset["status"],
        "purchase_date": iso(asset["purchase_date"]),
        "purchase_price_eur": euros(asset["purchase_price_cents"]),
        "warranty_end": iso(asset["warranty_end"]),
        "end_of_life_year": asset["eol_year"] or "",
        "commissioning_date": iso(asset["commissioning_date"]),
        **{k: asset[k] for k in ("supplier", "order_ref", "holder", "hostname", "ip_address",
                                 "mac_address", "firmware", "notes")},
    }
    return [neutralise(values[c]) for c in ASSET_COLUMNS]


async def write_assets_csv(rows: AsyncIterator[dict[str, Any]], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ASSET_COLUMNS)
    count = 0
    async for asset in rows:
        writer.writerow(asset_row(asset))
        count += 1
    return count


def write_csv(header: Iterable[str], rows: Iterable[Iterable[Any]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
