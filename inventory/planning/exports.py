"""A plan as rows: CSV for scripts (the CLI), CSV and XLSX for French Excel. Pure.

With several organisations in the installation, the people's exports (CSV and XLSX for
French Excel) add each line's organisation (the device's owner) and one column per paying
organisation with its part of the line's cost (a jointly bought device split by its
contract's shares), and the XLSX a sheet of totals per organisation; the command line's CSV
keeps its columns."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
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
from inventory.planning import present, scenario
from inventory.planning.engine import Plan

LINE_COLUMNS = tuple(c.key for c in PLAN_LINES)


def line_rows(plan: Plan, names, payers: Sequence[int | None] = ()) -> Iterable[list[Any]]:
    """(year or "backlog", tag, site, room, category, cost in cents, reason in words), then,
    given `payers` (paying_organisations), the line's organisation and each payer's part."""
    for line in (*plan.lines, *plan.backlog):
        row = [line.year if line.year is not None else "backlog", line.tag,
               names.sites.get(line.site_id, ""), names.rooms.get(line.room_id, ""),
               names.category_codes.get(line.category_id, ""), line.cost_cents,
               present.reason_text(line)]
        if payers:
            parts = dict(line.parts)
            row.append(names.organisations.get(line.owner, "") if line.owner is not None
                       else "")
            row.extend(parts.get(org, 0) for org in payers)
        yield row


def paying_organisations(plan: Plan, names) -> list[int | None]:
    """The organisations that pay for some line, by name (none while the installation has
    one organisation: the exports then keep their columns)."""
    if not names.several:
        return []
    found = {org for line in (*plan.lines, *plan.backlog) for org, _cents in line.parts}
    return sorted(found, key=lambda org: (org is None, names.organisations.get(org, "")
                                          .casefold() if org is not None else ""))


def _organisation_name(names, org: int | None) -> str:
    return names.organisations.get(org, "?") if org is not None else _("No organisation")


def line_columns(names, payers: Sequence[int | None]) -> list[Column]:
    if not payers:
        return list(PLAN_LINES)
    return [*PLAN_LINES, Column("organisation", L("Organisation")),
            *[Column(f"part_{names.organisation_codes.get(org, '') if org is not None else ''}",
                     _("Share of %(organisation)s (EUR)")
                     % {"organisation": _organisation_name(names, org)}, MONEY)
              for org in payers]]


def write_lines(plan: Plan, names, fmt: str, out: BinaryIO, *, by_organisation: bool = False
                ) -> None:
    """The lines as "csv" (the CLI: codes, commas, decimal points) or "excel-csv" (French
    Excel, in the reader's language; `by_organisation`: with the organisations' columns)."""
    payers = paying_organisations(plan, names) if by_organisation else []
    writer = TableWriter(fmt, line_columns(names, payers), out)
    for row in line_rows(plan, names, payers):
        writer.append(row)
    writer.finish()


def excel_csv(plan_row: dict[str, Any], plan: Plan, names) -> bytes:
    out = io.BytesIO()
    write_lines(plan, names, "excel-csv", out, by_organisation=True)
    return out.getvalue()


TOTAL_ROWS = {**BACKLOG, "total": L("Total")}


def _money(label: Any) -> Column:
    return Column("", label, MONEY)


def xlsx(plan_row: dict[str, Any], plan: Plan, names) -> bytes:
    """Three sheets: the lines, the yearly totals, and spending by site and category.
    Write-only: a plan of a large fleet stays small in memory."""
    book = XlsxBook()
    payers = paying_organisations(plan, names)
    lines = book.sheet(_("Lines"), line_columns(names, payers), localised=True)
    for row in line_rows(plan, names, payers):
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
    if names.several:  # what each organisation pays: the rows add up to the yearly totals
        caps = scenario.organisation_caps(plan_row["first_year"], plan_row["years"],
                                          plan_row["settings"])
        by_org = book.sheet(_("By organisation"), [
            Column("", L("Organisation")), *[_money(y) for y in years],
            _money(L("Backlog")), _money(L("Total"))], localised=True)
        rows = present.organisation_grid(plan.lines, plan.backlog, years, names.organisations,
                                         caps, scenario.plan_organisations(plan_row["settings"]))
        for org in rows:
            by_org.append([org.name, *[org.by_year[y] for y in years], org.backlog, org.total])
        by_org.append([str(TOTAL_ROWS["total"]), *[t.spent_cents for t in plan.totals],
                       plan.backlog_cents, plan.total_cents])
        if any(org.caps for org in rows):
            by_org.append([None] * (len(years) + 3))
            for org in rows:
                if org.caps:
                    by_org.append([_("Cap of %(organisation)s") % {"organisation": org.name},
                                   *[org.caps.get(y) for y in years], None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(plan_row: dict[str, Any], extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plan_row["name"]).strip("-").lower() or "plan"
    return f"plan-{plan_row['id']}-{slug[:40]}.{extension}"
