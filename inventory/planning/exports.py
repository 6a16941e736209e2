"""A plan as rows: CSV for scripts (the CLI), CSV and XLSX for French Excel. Pure."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any, BinaryIO

from inventory.core.i18n import _
from inventory.core.i18n import lazy_gettext as L
from inventory.exporting.columns import (
    BACKLOG,
    MONEY,
    NUMBER,
    PLAN_LINES,
    WORD,
    Column,
    TableWriter,
    XlsxBook,
)
from inventory.planning import present
from inventory.planning.engine import Plan

LINE_COLUMNS = tuple(c.key for c in PLAN_LINES)


def line_rows(plan: Plan, names) -> Iterable[list[Any]]:
    """(year or "backlog", tag, site, room, category, cost in cents, reason in words)."""
    for line in (*plan.lines, *plan.backlog):
        yield [line.year if line.year is not None else "backlog", line.tag,
               names.sites.get(line.site_id, ""), names.rooms.get(line.room_id, ""),
               names.category_codes.get(line.category_id, ""), line.cost_cents,
               present.reason_text(line)]


def write_lines(plan: Plan, names, fmt: str, out: BinaryIO) -> None:
    """The lines as "csv" (the CLI: codes, commas, decimal points) or "excel-csv" (French
    Excel, in the reader's language)."""
    writer = TableWriter(fmt, PLAN_LINES, out)
    for row in line_rows(plan, names):
        writer.append(row)
    writer.finish()


def excel_csv(plan_row: dict[str, Any], plan: Plan, names) -> bytes:
    out = io.BytesIO()
    write_lines(plan, names, "excel-csv", out)
    return out.getvalue()


TOTAL_ROWS = {**BACKLOG, "total": L("Total")}


def _money(label: Any) -> Column:
    return Column("", label, MONEY)


def xlsx(plan_row: dict[str, Any], plan: Plan, names) -> bytes:
    """Three sheets: the lines, the yearly totals, and spending by site and category.
    Write-only: a plan of a large fleet stays small in memory."""
    book = XlsxBook()
    lines = book.sheet(_("Lines"), PLAN_LINES, localised=True)
    for row in line_rows(plan, names):
        lines.append(row)
    totals = book.sheet(_("Yearly totals"), [
        Column("", L("Year"), WORD, lambda: TOTAL_ROWS), _money(L("Cap (EUR)")),
        _money(L("Planned (EUR)")), _money(L("Due (EUR)")), Column("", L("Carried over"), NUMBER)],
        localised=True)
    for t in plan.totals:
        totals.append([t.year, t.cap_cents, t.spent_cents, t.demand_cents, t.carried])
    totals.append(["total", sum(t.cap_cents for t in plan.totals), plan.total_cents, None, None])
    totals.append(["backlog", None, plan.backlog_cents, None, len(plan.backlog)])
    years = [t.year for t in plan.totals]
    by_site = book.sheet(_("By site and category"), [
        Column("", L("Site")), Column("", L("Category")), *[_money(y) for y in years],
        _money(L("Backlog")), _money(L("Total"))], localised=True)
    for cell in present.grid(plan.lines, plan.backlog, years, names.sites, names.categories):
        by_site.append([cell.site, cell.category, *[cell.by_year[y] for y in years],
                        cell.backlog, cell.total])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(plan_row: dict[str, Any], extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plan_row["name"]).strip("-").lower() or "plan"
    return f"plan-{plan_row['id']}-{slug[:40]}.{extension}"
