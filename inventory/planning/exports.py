"""A plan as rows: CSV for scripts (the CLI), CSV and XLSX for French Excel. Pure."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from inventory.exports import EURO_FORMAT, TableWriter, euros, neutralise
from inventory.i18n import _
from inventory.planning import present
from inventory.planning.engine import Plan

LINE_COLUMNS = ("year", "tag", "site", "room", "category", "cost_eur", "reason")


def line_rows(plan: Plan, names) -> Iterable[list[Any]]:
    """(year or "backlog", tag, site, room, category, cost in cents, reason in words)."""
    for line in (*plan.lines, *plan.backlog):
        yield [line.year if line.year is not None else "backlog", line.tag,
               names.sites.get(line.site_id, ""), names.rooms.get(line.room_id, ""),
               names.category_codes.get(line.category_id, ""), line.cost_cents,
               present.reason_text(line)]


def write_lines(plan: Plan, names, fmt: str, out: BinaryIO) -> None:
    """The lines as "csv" (the CLI: commas, decimal points) or "excel-csv" (French Excel)."""
    writer = TableWriter(fmt, LINE_COLUMNS, out, money=(LINE_COLUMNS.index("cost_eur"),))
    for row in line_rows(plan, names):
        row[5] = euros(row[5])
        writer.append(row)
    writer.finish()


def excel_csv(plan_row: dict[str, Any], plan: Plan, names) -> bytes:
    out = io.BytesIO()
    write_lines(plan, names, "excel-csv", out)
    return out.getvalue()


def xlsx(plan_row: dict[str, Any], plan: Plan, names) -> bytes:
    """Three sheets: the lines, the yearly totals, and spending by site and category.
    Write-only: a plan of a large fleet stays small in memory."""
    book = Workbook(write_only=True)

    def sheet(title: str, columns: list[Any]):
        ws = book.create_sheet(title[:31])
        ws.freeze_panes = "A2"
        ws.append([_cell(ws, title, bold=True) for title in columns])
        return ws

    def add(ws, values: list[Any], money: Iterable[int]) -> None:
        money = set(money)
        ws.append([_cell(ws, value / 100 if i in money and value is not None else neutralise(value),
                         euro=i in money) for i, value in enumerate(values)])

    lines = sheet(_("Lines"), [_("Year"), _("Tag"), _("Site"), _("Room"), _("Category"),
                               _("Cost (EUR)"), _("Reason")])
    for row in line_rows(plan, names):
        add(lines, row, [5])
    totals = sheet(_("Yearly totals"), [_("Year"), _("Cap (EUR)"), _("Planned (EUR)"),
                                        _("Due (EUR)"), _("Carried over")])
    for t in plan.totals:
        add(totals, [t.year, t.cap_cents, t.spent_cents, t.demand_cents, t.carried], [1, 2, 3])
    add(totals, [_("Total"), sum(t.cap_cents for t in plan.totals), plan.total_cents, None, None],
        [1, 2])
    add(totals, [_("Backlog"), None, plan.backlog_cents, None, len(plan.backlog)], [2])
    years = [t.year for t in plan.totals]
    by_site = sheet(_("By site and category"), [_("Site"), _("Category"), *years, _("Backlog"),
                                                _("Total")])
    money = range(2, len(years) + 4)
    for row in present.grid(plan.lines, plan.backlog, years, names.sites, names.categories):
        add(by_site, [row.site, row.category, *[row.by_year[y] for y in years], row.backlog,
                      row.total], money)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(ws, value: Any, *, bold: bool = False, euro: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if bold:
        cell.font = Font(bold=True)
    if euro:
        cell.number_format = EURO_FORMAT
    return cell


def file_name(plan_row: dict[str, Any], extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plan_row["name"]).strip("-").lower() or "plan"
    return f"plan-{plan_row['id']}-{slug[:40]}.{extension}"
