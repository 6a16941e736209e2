"""Renewal plans: the one service path for pages, exports, the CLI and the nightly job.

Draft scenarios are computed on demand from the live fleet; approving one freezes its lines in
plan_line, and from then on the page follows the replacements made against it.

A plan is made for some organisations (its settings' `organisations`; none: every one): it
reads only the devices they own and is seen only by accounts that see all of them
(scenario.sees_plan): others get NotFound, here, for every page, export and API call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from inventory.accounts.scope import Scope
from inventory.core import audit, clock, db, memory
from inventory.core.audit import Actor
from inventory.core.errors import NotFound, ValidationFailed
from inventory.core.formatters import cents_to_input
from inventory.core.i18n import _
from inventory.core.tables import (
    Asset,
    Category,
    ContractMember,
    Organisation,
    PlanLine,
    RenewalPlan,
)
from inventory.organisations import service as organisations
from inventory.planning import present
from inventory.planning import scenario as sc
from inventory.planning.engine import (
    NEW,
    REPLACE,
    CategoryPolicy,
    Line,
    LineReason,
    Plan,
    PlanAsset,
    PlanRoom,
    StoredLine,
    YearTotal,
    make_plan,
)
from inventory.sites.rules import SCHOOL_KINDS

DRAFT = "draft"
APPROVED = "approved"


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# Reading the fleet

FLEET_SLICE = 50_000  # rows read at a time by fleet()


def _start_year_sql() -> str:
    """The year a device started in, computed by the database: a million dates read back
    as date objects only to take their year cost ~2 s of the plan page."""
    started = "COALESCE(asset.commissioning_date, asset.purchase_date)"
    if db.current_engine().engine_type == "sqlite":
        return f"CAST(substr({started}, 1, 4) AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {started}) AS INTEGER)"


async def categories() -> list[dict[str, Any]]:
    return await Category.select().order_by(Category.name).run()


def policies(rows: list[dict[str, Any]]) -> list[CategoryPolicy]:
    return [CategoryPolicy(id=c["id"], code=c["code"], lifespan_years=c["lifespan_years"],
                           cost_cents=c["replacement_cost_cents"] or 0,
                           price_change_bp=c["price_change_bp"] or 0,
                           criticality=c["criticality"] if c["criticality"] is not None else 1,
                           is_interactive_display=bool(c["is_interactive_display"]))
            for c in rows]


def _owned_by(column: str, organisation_ids: list[int] | None) -> tuple[str, list[int]]:
    """A WHERE fragment keeping the rows of these organisations (None or empty: all)."""
    if not organisation_ids:
        return "", []
    return f" AND {column} IN ({', '.join('{}' for _ in organisation_ids)})", organisation_ids


async def contract_shares() -> dict[int, tuple[tuple[int, int], ...]]:
    """Every contract's members and shares, in the order they were entered (a small table:
    read whole rather than asked per device)."""
    rows = await ContractMember.select(ContractMember.contract, ContractMember.organisation,
                                       ContractMember.share).order_by(ContractMember.id).run()
    found: dict[int, list[tuple[int, int]]] = {}
    for r in rows:
        found.setdefault(r["contract"], []).append((r["organisation"], r["share"]))
    return {contract: tuple(members) for contract, members in found.items()}


async def fleet(on: dt.date, organisation_ids: list[int] | None = None) -> list[PlanAsset]:
    """Every device not retired (of these owners; None: of all), with its faults of the last
    12 months and, when bought jointly, its contract's shares. Plain SQL: on a
    100,000-device fleet Piccolo's row building would cost more than the plan itself."""
    since = on - dt.timedelta(days=365)
    faults = await Asset.raw(
        "SELECT asset AS id, COUNT(*) AS n FROM fault WHERE asset IS NOT NULL "
        "AND created_at >= {} GROUP BY asset",
        dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC),
    ).run()
    recent = {r["id"]: r["n"] for r in faults}
    owned, args = _owned_by("COALESCE(asset.owner, site.owner)", organisation_ids)
    shares: dict[int, tuple[tuple[int, int], ...]] | None = None
    devices: list[PlanAsset] = []
    after = 0
    # Values that many devices share (sites, rooms, years, dates, kinds) kept once: each
    # row read makes its own copy, ~150 bytes a device in a million-device plan. (The
    # dict's own setdefault: a Python function per value cost ~3.5 s at a million.)
    one: Any = {}.setdefault
    days: dict[Any, dt.date | None] = {}  # warranty ends, parsed once each
    start_year = _start_year_sql()
    # In slices by id: a million rows read at once held ~1 GB of rows beside the plan's own
    # objects; a slice at a time the rows are dropped as they are turned into PlanAssets.
    while True:
        rows = await db.fetch_tuples(
            "SELECT asset.id, asset.tag, asset.category, asset.site, site.kind, asset.room, "
            f"{start_year}, asset.eol_year_override, asset.warranty_end, "
            "COALESCE(asset.owner, site.owner), asset.contract "
            "FROM asset JOIN site ON site.id = asset.site "
            "WHERE asset.status != 'retired' AND asset.id > {}" + owned
            + f" ORDER BY asset.id LIMIT {FLEET_SLICE}", after, *args)
        if not rows:
            return devices
        if shares is None and any(r[10] for r in rows):
            shares = await contract_shares()
        for (asset_id, tag, category, site, kind, room, year, eol_override, warranty, owner,
             contract) in rows:
            if warranty is not None:
                day = days.get(warranty)
                if day is None:
                    day = days[warranty] = _date(warranty)
                warranty = day
            devices.append(PlanAsset(
                asset_id, tag, category, one(site, site), one(kind, kind), one(room, room),
                one(year, year), eol_override, warranty, recent.get(asset_id, 0),
                one(owner, owner), (shares or {}).get(contract, ()) if contract else ()))
        after = rows[-1][0]


async def classrooms(organisation_ids: list[int] | None = None) -> list[PlanRoom]:
    """The classrooms of school sites (of these organisations; None: of all), and whether
    an interactive display is in each."""
    kinds = sorted(SCHOOL_KINDS)
    marks = ", ".join("{}" for _k in kinds)
    owned, args = _owned_by("site.owner", organisation_ids)
    rows = await Asset.raw(
        "SELECT room.id, room.site, site.kind AS site_kind, site.owner, EXISTS (SELECT 1 "
        "FROM asset JOIN category ON category.id = asset.category WHERE asset.room = room.id "
        "AND asset.status != 'retired' AND category.is_interactive_display) AS has_display "
        f"FROM room JOIN site ON site.id = room.site WHERE room.kind = 'classroom' "
        f"AND site.kind IN ({marks})" + owned,
        *kinds, *args,
    ).run()
    return [PlanRoom(id=r["id"], site_id=r["site"], site_kind=r["site_kind"],
                     has_display=bool(r["has_display"]), owner=r["owner"]) for r in rows]


@dataclass
class Names:
    sites: dict[int, str]
    rooms: dict[int, str]
    categories: dict[int, str]
    category_codes: dict[int, str]
    organisations: dict[int, str] = field(default_factory=dict)
    organisation_codes: dict[int, str] = field(default_factory=dict)
    several: bool = False  # the installation has several organisations: show them


async def names() -> Names:
    sites = await Asset.raw("SELECT id, name FROM site").run()
    rooms = await Asset.raw("SELECT id, name FROM room").run()
    cats = await Asset.raw("SELECT id, name, code FROM category").run()
    orgs = await Asset.raw("SELECT id, name, code FROM organisation").run()
    return Names(sites={r["id"]: r["name"] for r in sites},
                 rooms={r["id"]: r["name"] for r in rooms},
                 categories={r["id"]: r["name"] for r in cats},
                 category_codes={r["id"]: r["code"] for r in cats},
                 organisations={r["id"]: r["name"] for r in orgs},
                 organisation_codes={r["id"]: r["code"] for r in orgs},
                 several=len(orgs) > 1)


# Scenarios


async def organisation_choices(scope: Scope) -> list[dict[str, Any]] | None:
    """The organisations a plan's form offers the person ({"id", "code", "name"}, by
    name), or None while the installation has one (the form then looks as it always did)."""
    if not await organisations.several():
        return None
    return [{"id": r["id"], "code": r["code"], "name": r["name"]}
            for r in await organisations.list_organisations(scope)]


async def list_plans(scope: Scope) -> list[dict[str, Any]]:
    """The plans the person may see (scenario.sees_plan); plans are few, so the settings
    are read and checked here rather than in SQL."""
    rows = await RenewalPlan.select(
        RenewalPlan.id, RenewalPlan.name, RenewalPlan.first_year, RenewalPlan.years,
        RenewalPlan.status, RenewalPlan.summary, RenewalPlan.approved_at,
        RenewalPlan.updated_at, RenewalPlan.settings,
    ).order_by(RenewalPlan.id, ascending=False).output(load_json=True).run()
    return [r for r in rows if sc.sees_plan(scope.organisation_ids, r["settings"])]


async def get_plan(plan_id: int, scope: Scope) -> dict[str, Any]:
    """A plan, if the person may see it (NotFound otherwise, as for a plan that is not)."""
    row = await RenewalPlan.select().where(RenewalPlan.id == plan_id).first().output(
        load_json=True).run()
    if row is None or not sc.sees_plan(scope.organisation_ids, row["settings"]):
        raise NotFound(plan_id)
    return row


async def _clean(raw: dict[str, Any], cats: list[dict[str, Any]], scope: Scope,
                 previous: dict[str, Any] | None = None) -> tuple[dict, dict]:
    return sc.clean_settings(raw, cats, previous=previous,
                             organisations=await organisation_choices(scope),
                             limited=scope.organisation_ids is not None)


async def create_plan(raw: dict[str, Any], actor: Actor | str, scope: Scope) -> dict[str, Any]:
    cats = await categories()
    header, settings = await _clean(raw, cats, scope)
    async with audit.atomic():
        row = (await RenewalPlan.insert(RenewalPlan(
            **header, settings=settings, status=DRAFT,
            created_by=audit.as_actor(actor).label,
        )).returning(RenewalPlan.id).run())[0]
        await audit.record(actor=actor, entity="plan", entity_key=str(row["id"]), action="create",
                           changes=audit.created_changes({**header}))
    await refresh_summary(row["id"])
    return await get_plan(row["id"], scope)


@dataclass(frozen=True)
class SavedPlan:
    plan: dict[str, Any]  # as get_plan reads it, its summary refreshed
    result: Plan  # the plan computed from the saved scenario (the page shows it)


async def update_plan(plan_id: int, raw: dict[str, Any], version: int | None,
                      actor: Actor | str, scope: Scope, *,
                      partial: bool = False) -> SavedPlan:
    """Save the scenario (form fields, as clean_settings reads them), then its summary.
    `partial` (the API's PATCH): the fields `raw` omits keep their stored values, read in
    the write transaction."""
    async with audit.atomic():
        cats = await categories()
        plan = await get_plan(plan_id, scope)
        if plan["status"] != DRAFT:
            raise ValidationFailed({"name": _("An approved plan is frozen; copy it to change it.")})
        if partial:
            raw = {**form_values(plan, cats, await organisation_codes()), **raw}
        header, settings = await _clean(raw, cats, scope, previous=plan["settings"])
        await audit.update_versioned(
            RenewalPlan, plan_id, version, {**header, "settings": settings}, entity="plan",
            entity_key=str(plan_id), action="update", actor=actor,
        )
    return SavedPlan(await get_plan(plan_id, scope), await refresh_summary(plan_id))


async def copy_plan(plan_id: int, actor: Actor | str, scope: Scope) -> dict[str, Any]:
    plan = await get_plan(plan_id, scope)
    raw = form_values(plan, await categories(), await organisation_codes())
    raw["name"] = (_("Copy of %(name)s") % {"name": plan["name"]})[:200]
    return await create_plan(raw, actor, scope)


async def organisation_codes() -> dict[int, str]:
    rows = await Organisation.select(Organisation.id, Organisation.code).run()
    return {r["id"]: r["code"] for r in rows}


def form_values(plan: dict[str, Any], cats: list[dict[str, Any]],
                codes: Mapping[int, str] | None = None) -> dict[str, Any]:
    """A plan's settings as the form fields clean_settings reads (for the form and copies);
    `codes` (id -> code) names the organisations of a plan made for some."""
    settings = plan["settings"]
    values: dict[str, Any] = {"name": plan["name"], "first_year": str(plan["first_year"]),
                              "years": str(plan["years"]),
                              "budgets": settings.get("budgets", sc.ONE_BUDGET)}
    for code, caps in settings.get("caps", {}).items():
        for year, cents in caps.items():
            values[sc.cap_name(code, year)] = cents_to_input(cents)
    for name, weight in settings.get("weights", {}).items():
        values[f"weight_{name}"] = str(weight)
    for cat in cats:
        values[f"lifespan_{cat['code']}"] = str(settings.get("lifespans", {}).get(
            cat["code"], cat["lifespan_years"]))
    for i, target in enumerate(settings.get("targets", [])):
        values[f"target_{i}_kinds"] = list(target["site_kinds"])
        values[f"target_{i}_category"] = target["category"]
        values[f"target_{i}_by_year"] = str(target["by_year"])
    codes = codes or {}
    values[sc.ORGANISATIONS] = [codes[i] for i in sc.plan_organisations(settings) if i in codes]
    for org, caps in (settings.get(sc.ORGANISATION_CAPS) or {}).items():
        if int(org) in codes:
            for year, cents in caps.items():
                values[sc.organisation_cap_name(codes[int(org)], int(year))] = \
                    cents_to_input(cents)
    return values


async def delete_plan(plan_id: int, actor: Actor | str, scope: Scope) -> None:
    async with audit.atomic():
        plan = await get_plan(plan_id, scope)
        await RenewalPlan.delete().where(RenewalPlan.id == plan_id).run()
        await audit.record(actor=actor, entity="plan", entity_key=str(plan_id), action="delete",
                           changes={"name": [plan["name"], None]})


# Computing


async def compute(first_year: int, years: int, settings: dict[str, Any], on: dt.date) -> Plan:
    """The plan of the devices the plan's organisations own (all, for a plan of every one)."""
    cats = await categories()
    scenario = sc.to_engine(first_year, years, settings, cats, price_year=on.year)
    owners = sc.plan_organisations(settings) or None
    with memory.collector_paused():  # a million devices read, then planned: no cycles among them
        return make_plan(await fleet(on, owners), policies(cats), scenario,
                         await classrooms(owners))


async def computed(plan: dict[str, Any], on: dt.date) -> Plan:
    """A draft is computed from the fleet as it is; an approved plan is its frozen lines."""
    if plan["status"] == APPROVED:
        return await frozen(plan)
    return await compute(plan["first_year"], plan["years"], plan["settings"], on)


def summary_of(plan: Plan | present.Figures) -> dict[str, Any]:
    return {
        "total_cents": plan.total_cents,
        "backlog_cents": plan.backlog_cents,
        "backlog_count": plan.backlog_count,
        "lines": plan.lines_count,
        "over_cap_years": [t.year for t in plan.totals if t.carried],
        "average_age_end": plan.average_age_end,
    }


async def refresh_summary(plan_id: int, on: dt.date | None = None) -> Plan:
    """Compute the plan and store the figures the scenario list shows: the one writer of a
    draft's summary (after its creation, each save, and the daily job); an approved plan
    keeps those of its approval."""
    result = await computed(await _stored(plan_id), on or clock.today())
    await RenewalPlan.update({RenewalPlan.summary: summary_of(result)}).where(
        (RenewalPlan.id == plan_id) & (RenewalPlan.status == DRAFT)).run()
    return result


async def _stored(plan_id: int) -> dict[str, Any]:
    """A plan whatever the scope (for the service's own bookkeeping, never shown)."""
    row = await RenewalPlan.select().where(RenewalPlan.id == plan_id).first().output(
        load_json=True).run()
    if row is None:
        raise NotFound(plan_id)
    return row


# Approval and follow-up


async def approve(plan_id: int, version: int | None, actor: Actor | str, on: dt.date,
                  scope: Scope) -> None:
    """Freeze the plan as computed now: its lines are stored and no longer follow the fleet
    (with who pays what of each, as it was split on that day)."""
    async with audit.atomic():
        plan = await get_plan(plan_id, scope)
        if plan["status"] != DRAFT:
            raise ValidationFailed({"approve": _("This plan is already approved.")})
        result = await compute(plan["first_year"], plan["years"], plan["settings"], on)
        rows = [
            PlanLine(plan=plan_id, position=i, year=line.year, kind=line.kind,
                     asset_id=line.asset_id, tag=line.tag, site_id=line.site_id,
                     room_id=line.room_id, category_id=line.category_id,
                     cost_cents=line.cost_cents, score=line.score,
                     reason={**line.reason, "envelope": line.envelope, "owner": line.owner,
                             "parts": [list(part) for part in line.parts]})
            for i, line in enumerate(result.lines + result.backlog)
        ]
        for start in range(0, len(rows), 500):
            await PlanLine.insert(*rows[start:start + 500]).run()
        summary = summary_of(result)
        summary["totals"] = [[t.year, t.cap_cents, t.spent_cents, t.demand_cents, t.carried]
                             for t in result.totals]
        summary["undated"] = result.undated
        summary["coverage"] = [result.coverage_rooms, result.coverage_before, result.coverage_after]
        await audit.update_versioned(
            RenewalPlan, plan_id, version,
            {"status": APPROVED, "approved_at": clock.now(),
             "approved_by": audit.as_actor(actor).label,
             "summary": summary},
            entity="plan", entity_key=str(plan_id), action="approve", actor=actor,
        )


async def frozen(plan: dict[str, Any]) -> Plan:
    rows = await PlanLine.select().where(PlanLine.plan == plan["id"]).order_by(
        PlanLine.position).output(load_json=True).run()
    lines: list[StoredLine] = []
    backlog: list[StoredLine] = []
    # Lines approved before organisations existed belong to the installation's first one
    # (the migrations gave it everything there was).
    first = await organisations.first_organisation_id() if rows else None
    for r in rows:
        reason = dict(r["reason"])
        envelope = reason.pop("envelope", "all")
        owner = reason.pop("owner", first)
        parts = reason.pop("parts", None) or [[owner, r["cost_cents"]]]
        # What approve() stored: the line's LineReason, less the three keys popped above.
        facts = cast(LineReason, reason)
        stored = StoredLine(
            year=r["year"], kind=r["kind"], asset_id=r["asset_id"], tag=r["tag"],
            site_id=r["site_id"], room_id=r["room_id"], category_id=r["category_id"],
            cost_cents=r["cost_cents"], score=r["score"], envelope=envelope, reason=facts,
            owner=owner, parts=tuple((org, cents) for org, cents in parts))
        (lines if r["year"] is not None else backlog).append(stored)
    s = plan["summary"]
    totals = tuple(YearTotal(*t) for t in s.get("totals", []))
    rooms, before, after = s.get("coverage", [0, 0, 0])
    spent: dict[tuple[int, str], int] = {}
    for line in lines:
        assert line.year is not None  # the dated lines (the backlog has no year)
        key = (line.year, line.envelope)
        spent[key] = spent.get(key, 0) + line.cost_cents
    return Plan(lines=tuple(lines), backlog=tuple(backlog), totals=totals,
                spent_by_envelope=spent, undated=s.get("undated", 0),
                average_age_end=s.get("average_age_end"), coverage_rooms=rooms,
                coverage_before=before, coverage_after=after)


@dataclass(frozen=True)
class Progress:
    done: int
    late: int
    to_come: int
    spent_cents: int  # what the successors cost
    done_lines: frozenset[tuple]  # line_key of the lines done
    late_lines: frozenset[tuple]

    def state(self, line: Line) -> str:
        key = line_key(line.kind, line.asset_id, line.room_id)
        return "done" if key in self.done_lines else "late" if key in self.late_lines else ""


def line_key(kind: str, asset_id: int | None, room_id: int | None) -> tuple:
    return (kind, asset_id) if kind == REPLACE else (kind, room_id)


async def progress(plan: dict[str, Any], on: dt.date) -> Progress | None:
    """For an approved plan: which lines were done (the device replaced by a successor, or an
    interactive display registered in the room since the approval), which are late."""
    if plan["status"] != APPROVED:
        return None
    approved_on = plan["approved_at"]
    lines = await PlanLine.select(PlanLine.position, PlanLine.year, PlanLine.kind,
                                  PlanLine.asset_id, PlanLine.room_id).where(
        (PlanLine.plan == plan["id"]) & PlanLine.year.is_not_null()).run()
    successors = await Asset.raw(
        "SELECT s.replaces_id AS old, s.purchase_price_cents AS price FROM asset s "
        "JOIN plan_line l ON l.asset_id = s.replaces_id WHERE l.plan = {}", plan["id"]).run()
    replaced = {r["old"]: r["price"] or 0 for r in successors}
    new_rows = await Asset.raw(
        "SELECT a.room, a.purchase_price_cents AS price FROM asset a "
        "JOIN category c ON c.id = a.category JOIN plan_line l ON l.room_id = a.room "
        "WHERE l.plan = {} AND l.kind = 'new' AND c.is_interactive_display "
        "AND a.replaces_id IS NULL AND a.created_at >= {}", plan["id"], approved_on).run()
    equipped: dict[int, int] = {}
    for r in new_rows:
        equipped.setdefault(r["room"], r["price"] or 0)
    done, late = set(), set()
    spent = 0
    for line in lines:
        key = line_key(line["kind"], line["asset_id"], line["room_id"])
        if line["kind"] == REPLACE and line["asset_id"] in replaced:
            done.add(key)
            spent += replaced[line["asset_id"]]
        elif line["kind"] == NEW and line["room_id"] in equipped:
            done.add(key)
            spent += equipped.pop(line["room_id"])
        elif line["year"] < on.year:
            late.add(key)
    return Progress(done=len(done), late=len(late), to_come=len(lines) - len(done) - len(late),
                    spent_cents=spent, done_lines=frozenset(done), late_lines=frozenset(late))
