"""What the plan pages, exports and CLI show: reasons in words, the year × site × category
grid, the chart's geometry and the comparison figures. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from inventory.core.i18n import _, ngettext
from inventory.core.i18n import lazy_gettext as L
from inventory.planning.engine import NEW, Line, Plan, YearTotal
from inventory.sites.rules import SITE_KINDS


def reason_text(line: Line) -> str:
    """ "2028: 11 years old for a lifespan of 8; 4 faults in the last 12 months; warranty over" """
    r = line.reason
    parts: list[str] = []
    if line.kind == NEW:
        kinds = ", ".join(str(SITE_KINDS.get(k, k)) for k in r.get("site_kinds", []))
        parts.append(_("classroom without an interactive display; target: every classroom "
                       "(%(kinds)s) equipped by %(year)s") % {"kinds": kinds, "year": r["by_year"]})
    else:
        if r.get("override"):
            parts.append(_("end of life set to %(year)s on the device") % {"year": r["eol_year"]})
        elif (age := r.get("age")) is not None:
            parts.append(ngettext("%(age)s year old for a lifespan of %(lifespan)s",
                                  "%(age)s years old for a lifespan of %(lifespan)s",
                                  age) % {"age": age, "lifespan": r["lifespan"]})
        if r.get("faults"):
            parts.append(ngettext("%(n)s fault in the last 12 months",
                                  "%(n)s faults in the last 12 months", r["faults"])
                         % {"n": r["faults"]})
        if r.get("warranty_over"):
            parts.append(_("warranty over"))
    if r.get("carried_from"):
        parts.append(_("carried from %(year)s (over the cap)") % {"year": r["carried_from"]})
    text = "; ".join(parts)
    if line.year is None:
        return _("not funded within the horizon: %(why)s") % {"why": text}
    return f"{line.year}: {text}"


@dataclass(frozen=True)
class GridRow:
    site: str
    category: str
    by_year: dict[int, int]
    backlog: int
    total: int


def grid(plan_lines: Iterable[Line], backlog: Iterable[Line], years: Iterable[int],
         site_names: Mapping[int, str], category_names: Mapping[int, str]) -> list[GridRow]:
    """Spending per site and category, per year, with the backlog apart; sorted by name."""
    cells: dict[tuple[int, int], dict[Any, int]] = {}
    for line in plan_lines:
        cell = cells.setdefault((line.site_id, line.category_id), {})
        cell[line.year] = cell.get(line.year, 0) + line.cost_cents
    for line in backlog:
        cell = cells.setdefault((line.site_id, line.category_id), {})
        cell[None] = cell.get(None, 0) + line.cost_cents
    rows = [
        GridRow(site=site_names.get(site, "?"), category=category_names.get(category, "?"),
                by_year={y: cell.get(y, 0) for y in years}, backlog=cell.get(None, 0),
                total=sum(cell.get(y, 0) for y in years))
        for (site, category), cell in cells.items()
    ]
    rows.sort(key=lambda r: (r.site, r.category))
    return rows


@dataclass(frozen=True)
class OrganisationRow:
    organisation: int | None
    name: str
    by_year: dict[int, int]
    caps: dict[int, int]  # its own caps, the years it has one
    backlog: int
    total: int


def organisation_grid(plan_lines: Iterable[Line], backlog: Iterable[Line], years: Iterable[int],
                      names: Mapping[int, str],
                      caps: Mapping[int, Mapping[int, int]] | None = None,
                      include: Iterable[int] = ()) -> list[OrganisationRow]:
    """What each organisation pays, per year, with the backlog apart: every line's parts
    (a jointly bought device's cost split by its contract's shares), so the rows add up to
    the plan's totals to the cent. `include`: organisations shown even with nothing to pay
    (the plan's own); sorted by name."""
    years = list(years)
    caps = caps or {}
    cells: dict[int | None, dict[int | None, int]] = {org: {} for org in include}
    for line in plan_lines:
        for org, cents in line.parts:
            cell = cells.setdefault(org, {})
            cell[line.year] = cell.get(line.year, 0) + cents
    for line in backlog:
        for org, cents in line.parts:
            cell = cells.setdefault(org, {})
            cell[None] = cell.get(None, 0) + cents
    rows = [
        OrganisationRow(
            organisation=org,
            name=names.get(org, "?") if org is not None else _("No organisation"),
            by_year={y: cell.get(y, 0) for y in years},
            caps={y: cap for y, cap in (caps.get(org, {}) if org is not None else {}).items()
                  if y in years},
            backlog=cell.get(None, 0), total=sum(cell.get(y, 0) for y in years))
        for org, cell in cells.items()
    ]
    rows.sort(key=lambda r: (r.organisation is None, r.name.casefold()))
    return rows


@dataclass(frozen=True)
class Bar:
    year: int
    x: float
    spent_height: float
    cap_y: float | None
    spent_y: float
    over: bool  # more was due than the cap allowed (something carried)


CHART_HEIGHT = 120.0
BAR_WIDTH = 36.0
BAR_GAP = 20.0


@dataclass(frozen=True)
class Figures:
    """A computed plan's figures as its pages show them, kept once the plan's lines are
    dropped: a région's plan holds a million objects, freed before the page is rendered
    rather than walked by the garbage collector while it is."""

    totals: tuple[YearTotal, ...]
    undated: int
    average_age_end: float | None
    coverage_rooms: int
    coverage_before: int
    coverage_after: int
    blocked: tuple[tuple[int, str, str, int], ...]
    organisation_blocked: tuple[tuple[int, int, str, int], ...]
    backlog_count: int
    backlog_cents: int
    lines_count: int
    total_cents: int


def figures(plan: Plan) -> Figures:
    return Figures(totals=plan.totals, undated=plan.undated,
                   average_age_end=plan.average_age_end, coverage_rooms=plan.coverage_rooms,
                   coverage_before=plan.coverage_before, coverage_after=plan.coverage_after,
                   blocked=plan.blocked, organisation_blocked=plan.organisation_blocked,
                   backlog_count=plan.backlog_count, backlog_cents=plan.backlog_cents,
                   lines_count=plan.lines_count, total_cents=plan.total_cents)


def chart(plan: Plan) -> tuple[list[Bar], float, int]:
    """Bars of spending per year against the cap, in SVG user units (the tallest of cap,
    spending is CHART_HEIGHT). Returns (bars, width, scale in cents)."""
    top = max([t.cap_cents for t in plan.totals] + [t.spent_cents for t in plan.totals] + [1])
    bars = []
    for i, total in enumerate(plan.totals):
        height = CHART_HEIGHT * total.spent_cents / top
        bars.append(Bar(
            year=total.year, x=BAR_GAP + i * (BAR_WIDTH + BAR_GAP), spent_height=height,
            spent_y=CHART_HEIGHT - height,
            cap_y=CHART_HEIGHT - CHART_HEIGHT * total.cap_cents / top if total.cap_cents else None,
            over=total.carried > 0,
        ))
    width = BAR_GAP + len(bars) * (BAR_WIDTH + BAR_GAP)
    return bars, width, top


def comparison(plan: Plan) -> dict[str, Any]:
    """The figures two scenarios are compared on."""
    return {
        "total_cents": plan.total_cents,
        "backlog_cents": plan.backlog_cents,
        "backlog_count": len(plan.backlog),
        "replacements": sum(1 for line in plan.lines if line.kind != NEW),
        "purchases": sum(1 for line in plan.lines if line.kind == NEW),
        "average_age_end": plan.average_age_end,
        "coverage_rooms": plan.coverage_rooms,
        "coverage_before": plan.coverage_before,
        "coverage_after": plan.coverage_after,
    }


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


WEIGHT_LABELS = {
    "age": L("Per year past end of life"),
    "faults": L("Per fault in the last 12 months (up to 10)"),
    "warranty": L("Warranty over"),
    "criticality": L("Per level of importance for teaching (0 to 3)"),
    "coverage": L("A room a coverage target asks for"),
}
