"""Exports: each kind's columns, pure row builders, and one writer for three formats.

- "csv", for scripts (`inventory export`): codes as column names and values, ISO dates,
  times in Europe/Paris with their offset, decimal points. It re-imports as it is.
- "excel-csv", for French Excel (the pages): UTF-8 with a BOM, semicolons, decimal commas,
  dates as the pages show them, headers and words (statuses, yes/no, symptoms...) in the
  reader's language.
- "xlsx": typed cells (dates, euros, text); in the reader's language from the pages, codes
  from the command line.

Row builders give typed values (dates, aware datetimes, cents, booleans, codes); the writer
turns them into each format's cells. A CSV cell a spreadsheet would run as a formula gets a
leading apostrophe; an XLSX cell is typed as text instead, so it cannot run and keeps no
apostrophe. Serial numbers, firmware versions, tags and order references stay text in every
format. Characters a spreadsheet refuses (control characters of old data) are left out of
the files meant for a spreadsheet, so stored text never makes an export fail.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO, TextIO
from zoneinfo import ZoneInfo

from inventory.assets.rules import STATUSES
from inventory.core import i18n
from inventory.core.fields import FIELD_LABELS
from inventory.core.i18n import _
from inventory.core.i18n import lazy_gettext as L
from inventory.faults import symptoms, workflow

PARIS = ZoneInfo("Europe/Paris")
EURO_FORMAT = '#,##0.00 "€"'  # shown as 1 234,50 € by a French Excel
DATE_FORMAT = "DD/MM/YYYY"
MOMENT_FORMAT = "DD/MM/YYYY HH:MM"

# How a column's values are written.
TEXT = "text"
LITERAL = "literal"  # text a spreadsheet must not read as a number or a date (serials...)
WORD = "word"  # a code, shown to people as its label
DATE = "date"
MOMENT = "moment"  # a point in time, shown in Europe/Paris
MONEY = "money"  # cents, written as euros
NUMBER = "number"
YESNO = "yesno"


@dataclass(frozen=True)
class Column:
    key: str  # the header for scripts (stable)
    label: Any  # the header for people (a lazy translated string)
    kind: str = TEXT
    words: Callable[[], Mapping[Any, Any]] | None = None  # WORD: code -> label

    def header(self, localised: bool) -> Any:
        if not localised:
            return self.key
        return self.label if isinstance(self.label, int) else str(self.label)


def keys(columns: Iterable[Column]) -> tuple[str, ...]:
    return tuple(c.key for c in columns)


# Formula neutralisation (CSV only), and its inverse for imports.

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER_LIKE = re.compile(r"[\d\s.,:/+\-eE%]*\d[\d\s.,:/+\-eE%]*")
_LITERAL_FORMULA = re.compile(r'="((?:[^"]|"")*)"')
# What openpyxl refuses in a cell (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE), and DEL.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (the
    full-width ＝ ＋ － ＠ too: an Asian-locale spreadsheet reads them as the ASCII ones)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def as_literal(value: str) -> str:
    """For French Excel: a text that it would turn into a number or a date ("00012345",
    "1E5", "2.1") is written as the formula ="00012345", which Excel shows as that very
    text; any other text is neutralised as usual."""
    if _NUMBER_LIKE.fullmatch(value) and len(value) <= 250:
        return '="' + value.replace('"', '""') + '"'
    return neutralise(value)


def unneutralise(value: str) -> str:
    """A cell of our exports as it was stored: without the apostrophe added before a
    formula, and ="00012345" read as 00012345."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    if literal := _LITERAL_FORMULA.fullmatch(value):
        return literal.group(1).replace('""', '"')
    return value


def printable(text: str) -> str:
    """Stored text without the control characters a spreadsheet refuses (tab and line
    breaks stay): old data, or data written before text was cleaned on the way in."""
    return _UNPRINTABLE.sub("", text)


def euros(cents: int | None) -> str:
    if cents is None:
        return ""
    return f"{cents // 100}.{cents % 100:02d}"


def day(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    return _day(value)


def _day(value: Any) -> dt.date:
    """`day` of a value known not to be blank (the cells below check first)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def moment(value: Any) -> dt.datetime | None:
    """A stored time (UTC, aware or not, or its text) in Europe/Paris, to the second."""
    if value is None or value == "":
        return None
    return _moment(value)


def _moment(value: Any) -> dt.datetime:
    """`moment` of a value known not to be blank (the cells below check first)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(PARIS).replace(microsecond=0)


# The columns of each kind. Headers for people reuse the import's field labels, so a page
# export re-imports with its columns recognised in either language.

PLAN_STATUSES = {"draft": L("Draft"), "approved": L("Approved")}
REPORTERS = {"anonymous": L("Anonymous")}
BACKLOG = {"backlog": L("Backlog")}


def _intervention_kinds() -> Mapping[str, Any]:
    from inventory.interventions.service import KINDS  # a service module: imported late

    return KINDS


ASSETS = (
    Column("tag", FIELD_LABELS["tag"], LITERAL),
    Column("category", FIELD_LABELS["category"]),
    Column("manufacturer", FIELD_LABELS["manufacturer"]),
    Column("model", FIELD_LABELS["model"]),
    Column("serial", FIELD_LABELS["serial"], LITERAL),
    Column("site", FIELD_LABELS["site"]),
    Column("site_uai", L("Site UAI code")),
    Column("room", FIELD_LABELS["room"]),
    Column("status", FIELD_LABELS["status"], WORD, lambda: STATUSES),
    Column("purchase_date", FIELD_LABELS["purchase_date"], DATE),
    Column("purchase_price_eur", FIELD_LABELS["purchase_price_eur"], MONEY),
    Column("warranty_end", FIELD_LABELS["warranty_end"], DATE),
    Column("end_of_life_year", FIELD_LABELS["eol_year"], NUMBER),
    Column("commissioning_date", FIELD_LABELS["commissioning_date"], DATE),
    Column("supplier", FIELD_LABELS["supplier"]),
    Column("order_ref", FIELD_LABELS["order_ref"], LITERAL),
    Column("holder", FIELD_LABELS["holder"]),
    Column("hostname", FIELD_LABELS["hostname"]),
    Column("ip_address", FIELD_LABELS["ip_address"]),
    Column("mac_address", FIELD_LABELS["mac_address"]),
    Column("firmware", FIELD_LABELS["firmware"], LITERAL),
    Column("notes", FIELD_LABELS["notes"]),
)
FAULTS = (
    Column("id", L("Fault number"), NUMBER),
    Column("reported_at", L("Reported on"), MOMENT),
    Column("site", FIELD_LABELS["site"]),
    Column("room", FIELD_LABELS["room"]),
    Column("tag", FIELD_LABELS["tag"], LITERAL),
    Column("category", FIELD_LABELS["category"]),
    Column("symptom", L("Symptom"), WORD, symptoms.all_symptoms),
    Column("description", L("Description")),
    Column("teaching_blocked", L("Teaching blocked"), YESNO),
    Column("status", FIELD_LABELS["status"], WORD, lambda: workflow.STATES),
    Column("reported_by", L("Reported by"), WORD, lambda: REPORTERS),
    Column("anonymous", L("Anonymous"), YESNO),
    Column("assigned_to", L("Taken by")),
    Column("updated_at", L("Last change"), MOMENT),
)
INTERVENTIONS = (
    Column("done_on", L("Done on"), DATE),
    Column("tag", FIELD_LABELS["tag"], LITERAL),
    Column("site", FIELD_LABELS["site"]),
    Column("room", FIELD_LABELS["room"]),
    Column("category", FIELD_LABELS["category"]),
    Column("kind", FIELD_LABELS["kind"], WORD, _intervention_kinds),
    Column("technician", L("Technician")),
    Column("minutes_spent", L("Time spent (minutes)"), NUMBER),
    Column("parts", L("Parts"), TEXT),
    Column("cost_eur", L("Cost (EUR)"), MONEY),
    Column("notes", FIELD_LABELS["notes"]),
)
PLAN_LINES = (
    Column("year", L("Year"), WORD, lambda: BACKLOG),
    Column("tag", FIELD_LABELS["tag"], LITERAL),
    Column("site", FIELD_LABELS["site"]),
    Column("room", FIELD_LABELS["room"]),
    Column("category", FIELD_LABELS["category"]),
    Column("cost_eur", L("Cost (EUR)"), MONEY),
    Column("reason", L("Reason")),
)
PLANS = (
    Column("plan_id", L("Plan number"), NUMBER),
    Column("plan", L("Plan"), TEXT),
    Column("status", FIELD_LABELS["status"], WORD, lambda: PLAN_STATUSES),
    *PLAN_LINES,
)
ASSET_COLUMNS = keys(ASSETS)
FAULT_COLUMNS = keys(FAULTS)
INTERVENTION_COLUMNS = keys(INTERVENTIONS)
PLAN_COLUMNS = keys(PLANS)


# Rows: typed values, in their kind's column order.

def asset_row(asset: Mapping[str, Any]) -> list[Any]:
    return [
        asset["tag"], asset["category_code"], asset.get("manufacturer") or "",
        asset.get("model_name") or "", asset["serial"], asset["site_code"],
        asset.get("site_uai") or "", asset.get("room_name") or "", asset["status"],
        asset["purchase_date"], asset["purchase_price_cents"], asset["warranty_end"],
        asset["eol_year"], asset["commissioning_date"],
        *(asset[k] for k in ("supplier", "order_ref", "holder", "hostname", "ip_address",
                             "mac_address", "firmware", "notes"))]


def fault_row(fault: Mapping[str, Any]) -> list[Any]:
    return [fault["id"], fault["created_at"], fault["site_code"], fault.get("room_name") or "",
            fault.get("asset_tag") or "", fault.get("category_code") or "", fault["symptom"],
            fault["description"], bool(fault["teaching_blocked"]), fault["status"],
            fault["reported_by"], bool(fault["anonymous"]), fault["assigned_to"],
            fault["updated_at"]]


def intervention_row(row: dict[str, Any]) -> list[Any]:
    return [row["done_on"], row["tag"], row["site_code"], row.get("room_name") or "",
            row["category_code"], row["kind"], row["technician"], row["minutes_spent"],
            row["parts"], row["cost_cents"], row["notes"]]


# Cells

def _word(column: Column, value: Any, localised: bool) -> Any:
    if localised and column.words is not None and isinstance(value, str):
        label = column.words().get(value)
        if label is not None:
            return str(label)
    return value


def script_cell(column: Column, value: Any) -> Any:
    """A CSV cell for scripts: codes, ISO dates and times, decimal points."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == DATE:
        return _day(value).isoformat()
    if kind == MOMENT:
        return _moment(value).isoformat()
    if kind == MONEY:
        return euros(value)
    if kind == YESNO:
        return "yes" if value else "no"
    return neutralise(value)


def excel_csv_cell(column: Column, value: Any) -> Any:
    """A CSV cell for French Excel, in the reader's language."""
    if value is None or value == "":
        return ""
    kind = column.kind
    french = i18n.get_language() == "fr"
    if kind == DATE:
        when = _day(value)
        return when.strftime("%d/%m/%Y") if french else when.isoformat()
    if kind == MOMENT:
        return _moment(value).strftime("%d/%m/%Y %H:%M" if french else "%Y-%m-%d %H:%M")
    if kind == MONEY:
        return euros(value).replace(".", ",")  # French Excel's decimal comma
    if kind == YESNO:
        return _("Yes") if value else _("No")
    value = _word(column, value, True)
    if not isinstance(value, str):
        return value
    value = printable(value)
    return as_literal(value) if kind == LITERAL else neutralise(value)


def xlsx_cell(sheet, column: Column, value: Any, localised: bool):
    """A typed cell: a date, a time in Europe/Paris, euros, a number, or text (typed as
    text: it cannot run as a formula and needs no apostrophe)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet)
    if value is None or value == "":
        return cell
    kind = column.kind
    if kind == DATE:
        cell.value, cell.number_format = _day(value), DATE_FORMAT
    elif kind == MOMENT:
        cell.value = _moment(value).replace(tzinfo=None)
        cell.number_format = MOMENT_FORMAT
    elif kind == MONEY:
        cell.value, cell.number_format = Decimal(value) / 100, EURO_FORMAT
    elif kind == YESNO:
        _text_cell(cell, (_("Yes") if value else _("No")) if localised
                   else ("yes" if value else "no"))
    else:
        value = _word(column, value, localised)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            cell.value = value
        else:
            _text_cell(cell, str(value))
            if kind == LITERAL:
                cell.number_format = "@"  # stays text when edited in Excel too
    return cell


def _text_cell(cell, text: str) -> None:
    cell.value = printable(text)
    cell.data_type = "s"  # openpyxl would make "=..." a formula and "#N/A" an error


class XlsxBook:
    """A workbook in openpyxl's write-only mode (a large export stays small in memory)."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.book = Workbook(write_only=True)

    def sheet(self, title: str, columns: Sequence[Column], localised: bool) -> XlsxSheet:
        return XlsxSheet(self.book.create_sheet(printable(title)[:31]), columns, localised)

    def save(self, out: BinaryIO) -> None:
        self.book.save(out)


class XlsxSheet:
    def __init__(self, sheet, columns: Sequence[Column], localised: bool) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self.sheet, self.columns, self.localised = sheet, list(columns), localised
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(sheet)
            title = column.header(localised)
            if isinstance(title, int):
                cell.value = title
            else:
                _text_cell(cell, title)
            cell.font = bold
            header.append(cell)
        sheet.append(header)

    def append(self, row: Sequence[Any]) -> None:
        self.sheet.append([xlsx_cell(self.sheet, c, v, self.localised)
                           for c, v in zip(self.columns, row, strict=True)])


class TableWriter:
    """Writes rows as they come, as "csv", "excel-csv" or "xlsx": `append(row)` then
    `finish()`. `localised` (headers and words in the reader's language) is always true for
    excel-csv, never for csv, and chosen for xlsx (the pages: yes; the command line: no)."""

    def __init__(self, fmt: str, columns: Sequence[Column], out: BinaryIO, *,
                 title: str = "Export", localised: bool | None = None) -> None:
        self.fmt, self.out, self.columns = fmt, out, list(columns)
        self.localised = fmt == "excel-csv" if fmt != "xlsx" else bool(localised)
        if fmt == "xlsx":
            self.book = XlsxBook()
            self.sheet = self.book.sheet(title, self.columns, self.localised)
        else:
            self.text = io.TextIOWrapper(out, encoding="utf-8-sig" if fmt == "excel-csv"
                                         else "utf-8", newline="", write_through=True)
            self.writer = csv.writer(self.text, delimiter=";" if fmt == "excel-csv" else ",",
                                     lineterminator="\r\n" if fmt == "excel-csv" else "\n")
            self.writer.writerow([c.header(self.localised) for c in self.columns])

    def append(self, row: Sequence[Any]) -> None:
        if self.fmt == "xlsx":
            self.sheet.append(row)
        elif self.fmt == "excel-csv":
            self.writer.writerow([excel_csv_cell(c, v)
                                  for c, v in zip(self.columns, row, strict=True)])
        else:
            self.writer.writerow([script_cell(c, v)
                                  for c, v in zip(self.columns, row, strict=True)])

    def finish(self) -> None:
        if self.fmt == "xlsx":
            self.book.save(self.out)
        else:
            self.text.flush()
            self.text.detach()  # leave `out` open for the caller


def write_csv(header: Iterable[str], rows: Iterable[Iterable[Any]], out: TextIO) -> None:
    """Plain rows as CSV, neutralised (the inventory audit's report)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
