"""The nightly planning job: recompute draft scenarios, then tell planners (dashboard and
email, through the outbox) when devices reach their end of life within six months or when
a year of a scenario has more falling due than its cap allows. Each piece of news is told
once: its key is unique in plan_alert."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from inventory.accounts.scope import EVERYTHING, Scope, organisation_limit
from inventory.core import audit, clock
from inventory.core.i18n import _, ngettext
from inventory.core.tables import Asset, Organisation, PlanAlert, User, UserOrganisation
from inventory.notifications import outbox
from inventory.planning import service
from inventory.planning.scenario import sees_plan

EOL_NOTICE_DAYS = 183
END_OF_LIFE = "end_of_life"
OVER_CAP = "over_cap"


def end_of_life_year_ahead(on: dt.date) -> int | None:
    """Devices whose end-of-life year starts within six months of `on` (end of life is
    counted from 1 January of that year), or None when no new year starts that soon."""
    ahead = (on + dt.timedelta(days=EOL_NOTICE_DAYS)).year
    return ahead if ahead > on.year else None


async def _add(key: str, kind: str, details: dict[str, Any], plan_id: int | None = None) -> bool:
    """Record the alert unless it was already told; True when it is new."""
    rows = await PlanAlert.raw(
        "INSERT INTO plan_alert (key, kind, plan_id, details, created_at) "
        "VALUES ({}, {}, {}, {}, {}) ON CONFLICT (key) DO NOTHING RETURNING id",
        key, kind, plan_id, json.dumps(details, ensure_ascii=False), clock.now(),
    ).run()
    return bool(rows)


async def nightly(on: dt.date, base_url: str = "") -> list[dict[str, Any]]:
    """Run the checks; returns the alerts that were new (and emailed)."""
    new: list[dict[str, Any]] = []
    for plan in await service.list_plans(EVERYTHING):
        if plan["status"] != service.DRAFT:
            continue
        result = await service.refresh_summary(plan["id"], on)
        over = [t for t in result.totals if t.carried]
        if not over:
            continue
        full = await service.get_plan(plan["id"], EVERYTHING)
        details = {"plan": plan["name"], "years": [[t.year, t.cap_cents, t.demand_cents, t.carried]
                                                   for t in over]}
        # Keyed on the plan's version: told again only after the scenario changed.
        key = f"{OVER_CAP}:{plan['id']}:{full['version']}"
        async with audit.atomic():
            if await _add(key, OVER_CAP, details, plan["id"]):
                new.append({"kind": OVER_CAP, "plan_id": plan["id"], **details})
                await _mail_planners(lambda d=details, i=plan["id"]: over_cap_email(d, i, base_url),
                                     plan_settings=full["settings"])
    year = end_of_life_year_ahead(on)
    if year is not None:
        rows = await Asset.raw(
            "SELECT category.name AS name, COUNT(*) AS n FROM asset JOIN category "
            "ON category.id = asset.category WHERE asset.status != 'retired' "
            "AND asset.eol_year = {} GROUP BY category.name ORDER BY category.name", year).run()
        if rows:
            details = {"year": year, "categories": [[r["name"], r["n"]] for r in rows]}
            async with audit.atomic():
                if await _add(f"{END_OF_LIFE}:{year}", END_OF_LIFE, details):
                    new.append({"kind": END_OF_LIFE, **details})
                    await _mail_planners(lambda d=details: end_of_life_email(d, base_url))
    return new


async def _mail_planners(render, plan_settings: dict[str, Any] | None = None) -> None:
    """Planners, or the administrators when there is no planner; a plan's news only to
    those who may see the plan (scenario.sees_plan)."""
    for role in ("planner", "administrator"):
        users = await User.select(User.id, User.email).where(
            (User.role == role) & (User.active == True)).run()  # noqa: E712
        if plan_settings is not None and users:
            everyone = [r["id"] for r in await Organisation.select(Organisation.id).order_by(
                Organisation.id).run()]
            works_for: dict[int, set[int]] = {}
            for link in await UserOrganisation.select(UserOrganisation.user,
                                                      UserOrganisation.organisation).run():
                works_for.setdefault(link["user"], set()).add(link["organisation"])
            users = [u for u in users if sees_plan(organisation_limit(
                role, [(o, o in works_for.get(u["id"], set())) for o in everyone]),
                plan_settings)]
        emails = [u["email"] for u in users]
        if emails:
            for email in emails:
                await outbox.queue_for_user(email, render)
            return


async def recent(scope: Scope, limit: int = 5) -> list[dict[str, Any]]:
    """The latest alerts the person may read: a plan's only if they see the plan."""
    rows = await PlanAlert.select().order_by(PlanAlert.created_at, ascending=False).limit(
        limit * 4 if scope.organisation_ids is not None else limit).output(load_json=True).run()
    if scope.organisation_ids is not None:
        seen = {plan["id"] for plan in await service.list_plans(scope)}
        rows = [r for r in rows if r["plan_id"] is None or r["plan_id"] in seen]
    return rows[:limit]


def alert_text(alert: dict[str, Any]) -> str:
    d = alert["details"]
    if alert["kind"] == END_OF_LIFE:
        total = sum(n for _name, n in d["categories"])
        return ngettext("%(num)d device reaches its end of life in %(year)s.",
                        "%(num)d devices reach their end of life in %(year)s.", total) % {
            "num": total, "year": d["year"]}
    years = ", ".join(str(y[0]) for y in d["years"])
    return _("%(plan)s: more falls due than the cap allows in %(years)s.") % {
        "plan": d["plan"], "years": years}


def end_of_life_email(details: dict[str, Any], base_url: str) -> tuple[str, str]:
    total = sum(n for _name, n in details["categories"])
    subject = ngettext("%(num)d device reaches its end of life in %(year)s",
                       "%(num)d devices reach their end of life in %(year)s", total) % {
        "num": total, "year": details["year"]}
    lines = [_("These devices reach their end of life on 1 January %(year)s:")
             % {"year": details["year"]}, ""]
    lines += [f"- {name}: {n}" for name, n in details["categories"]]
    lines += ["", _("Check that your renewal plan covers them:"), f"{base_url}/plans"]
    return subject, "\n".join(lines)


def over_cap_email(details: dict[str, Any], plan_id: int, base_url: str) -> tuple[str, str]:
    from inventory.core.formatters import format_cents

    subject = _("Renewal plan %(plan)s: over the cap") % {"plan": details["plan"]}
    lines = [_("More falls due than the cap allows in these years; the rest is carried over:"), ""]
    for year, cap, due, carried in details["years"]:
        lines.append(_("%(year)s: %(due)s due for a cap of %(cap)s, %(num)d carried over") % {
            "year": year, "due": format_cents(due), "cap": format_cents(cap), "num": carried})
    lines += ["", f"{base_url}/plans/{plan_id}"]
    return subject, "\n".join(lines)
