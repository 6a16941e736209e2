"""Exports: pure row builders and CSV writing (spreadsheet-safe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, BinaryIO, TextIO

ASSET_COLUMNS = (
    "tag", "category", "manufacturer", "model", "serial", "site", "site_uai", "room", "status",
    "purchase_date", "purchase_price_eur", "warranty_end", "end_of_life_year",
    "commissioning_date", "supplier", "order_ref", "holder", "hostname", "ip_address",
    "mac_address", "firmware", "notes",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = '#,##0.00 "€"'  # shown as 1 234,50 € by a French Excel


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


def write_csv(header: Iterable[str], rows: Iterable[Iterable[Any]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])


# Faults, interventions and plans: one row builder each, shared by the CLI and the pages.

FAULT_COLUMNS = (
    "id", "reported_at", "site", "room", "tag", "category", "symptom", "description",
    "teaching_blocked", "status", "reported_by", "anonymous", "assigned_to", "updated_at",
)
INTERVENTION_COLUMNS = (
    "done_on", "tag", "site", "room", "category", "kind", "technician", "minutes_spent", "parts",
    "cost_eur", "notes",
)
PLAN_COLUMNS = ("plan_id", "plan", "status", "year", "tag", "site", "room", "category",
                "cost_eur", "reason")


def _iso(value: Any) -> str:
    if value is None or value == "":
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def fault_row(fault: dict[str, Any]) -> list[Any]:
    return [fault["id"], _iso(fault["created_at"]), fault["site_code"], fault.get("room_name") or "",
            fault.get("asset_tag") or "", fault.get("category_code") or "", fault["symptom"],
            fault["description"], "yes" if fault["teaching_blocked"] else "no", fault["status"],
            fault["reported_by"], "yes" if fault["anonymous"] else "no", fault["assigned_to"],
            _iso(fault["updated_at"])]


def intervention_row(row: dict[str, Any]) -> list[Any]:
    return [_iso(row["done_on"]), row["tag"], row["site_code"], row.get("room_name") or "",
            row["category_code"], row["kind"], row["technician"], row["minutes_spent"],
            row["parts"], euros(row["cost_cents"]), row["notes"]]


class TableWriter:
    """Writes rows as they come, as CSV or XLSX: `append(row)` then `finish()`.

    csv: commas and decimal points, for scripts. excel-csv: for French Excel (UTF-8 with BOM,
    semicolons, decimal commas in money columns). xlsx: one sheet in openpyxl's write-only
    mode, so a large export stays small in memory; money columns are numbers in euros.
    Text that a spreadsheet would run as a formula is neutralised in every format."""

    def __init__(self, fmt: str, header: Iterable[str], out: BinaryIO, *, title: str = "Export",
                 money: Iterable[int] = ()) -> None:
        self.fmt, self.out, self.money = fmt, out, set(money)
        if fmt == "xlsx":
            from openpyxl import Workbook

            self.book = Workbook(write_only=True)
            self.sheet = self.book.create_sheet(title[:31])
            self.sheet.freeze_panes = "A2"
            self.sheet.append([self._cell(name, bold=True) for name in header])
        else:
            self.text = io.TextIOWrapper(out, encoding="utf-8-sig" if fmt == "excel-csv"
                                         else "utf-8", newline="", write_through=True)
            self.writer = csv.writer(self.text, delimiter=";" if fmt == "excel-csv" else ",",
                                     lineterminator="\r\n" if fmt == "excel-csv" else "\n")
            self.writer.writerow(list(header))

    def _cell(self, value: Any, *, bold: bool = False, euro: bool = False):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        cell = WriteOnlyCell(self.sheet, value=value)
        if bold:
            cell.font = Font(bold=True)
        if euro:
            cell.number_format = EURO_FORMAT
        return cell

    def append(self, row: list[Any]) -> None:
        if self.fmt == "xlsx":
            self.sheet.append([
                self._cell(float(v) if v not in ("", None) else None, euro=True)
                if i in self.money else neutralise(v) for i, v in enumerate(row)])
        elif self.fmt == "excel-csv":
            self.writer.writerow([str(v).replace(".", ",") if i in self.money else neutralise(v)
                                  for i, v in enumerate(row)])
        else:
            self.writer.writerow([neutralise(v) for v in row])

    def finish(self) -> None:
        if self.fmt == "xlsx":
            self.book.save(self.out)
        else:
            self.text.flush()
            self.text.detach()  # leave `out` open for the caller
