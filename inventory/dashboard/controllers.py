"""The home page: each role's own, or the fleet's dashboard."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, get
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.accounts.service import CurrentUser
from inventory.campaigns import service as campaigns
from inventory.contracts import service as contracts
from inventory.core import clock
from inventory.dashboard import homes, service
from inventory.faults import service as faults
from inventory.faults import symptoms, workflow
from inventory.maintenance import service as maintenance
from inventory.planning import alerts
from inventory.sites import rules as site_rules
from inventory.sites import service as sites
from inventory.web.pages import render


@get("/", permission=p.FLEET_READ)
async def dashboard(request: Request) -> Template:
    """Each role's home: a technician's and a director's tools, or the fleet's dashboard."""
    home = p.home_of(request.user.role)
    if home == p.HOME_TECHNICIAN:
        return await _technician_home(request)
    if home == p.HOME_DIRECTOR:
        return await _director_home(request)
    on = clock.today()
    scope = request.user.scope
    # Independent reads, sent at once (a pooled connection each): at a région's million
    # devices they take ~200 ms one after the other, the fault figures alone half of it.
    # (gather, not a TaskGroup: a failure reaches the error handlers as itself.)
    user = request.user
    (coverage, (warranty_total, warranties), counts, end_of_life, fault_figures, glance), \
        (plan_alerts, deadlines) = await asyncio.gather(
            asyncio.gather(service.classroom_coverage(scope),
                           service.warranties_ending(on, scope),
                           service.site_category_counts(scope),
                           service.end_of_life_counts(on, scope),
                           service.fault_figures(on, scope), _operations(user)),
            asyncio.gather(
                alerts.recent(scope) if p.allows(user.role, p.PLAN_READ) else _nothing(),
                contracts.deadlines(on, scope) if p.allows(user.role, p.CONTRACT_READ)
                else _nothing()))
    equipped, schools = service.coverage_summary(coverage)
    return render(
        "dashboard/index.html",
        counts=counts,
        end_of_life=end_of_life,
        warranty_total=warranty_total,
        warranties=warranties,
        coverage=coverage,
        equipped=equipped,
        schools=schools,
        year=on.year,
        faults=fault_figures,
        plan_alerts=plan_alerts,
        contract_deadlines=deadlines,
        backup_overdue=bool(glance and glance["backup_overdue"]),
        operations=glance,
        alert_text=alerts.alert_text,
    )


async def _nothing() -> list[Any]:
    return []


async def _operations(user: CurrentUser) -> dict[str, Any] | None:
    """The administrators' glance: the last backup (and whether one is overdue), emails."""
    if not user.can(p.USER_ADMIN):
        return None
    from inventory.backups import service as backups
    from inventory.backups.display import human_size
    from inventory.notifications import outbox

    backup, emails = await asyncio.gather(backups.status(), outbox.summary())
    return {"backup": backup["last"], "backup_overdue": backup["overdue"], "emails": emails,
            "size": human_size}


HOME_MAINTENANCE_SHOWN = 12


async def _technician_home(request: Request) -> Template:
    """`?near=<latitude>,<longitude>` (the phone's position, sent by near.js when the
    technician asked for the nearest sites first) orders the queue by distance."""
    user = request.user
    queue = await faults.queue_for(user.email, user.scope)
    due = await maintenance.due(user.scope, clock.today())
    near = site_rules.parse_position(request.query_params.get("near"))
    where = await sites.positions(sorted({row["site"] for row in queue})) if near else {}
    return render(
        "dashboard/technician.html",
        queue=homes.by_site(queue, user.site_ids, near=near, positions=where),
        queue_total=len(queue), near=near,
        due=due[:HOME_MAINTENANCE_SHOWN], due_total=len(due),
        audits=homes.started_by_first(await campaigns.open_campaigns(user.scope), user.email),
        states=workflow.STATES, symptom_names=symptoms.all_symptoms(),
    )


async def _director_home(request: Request) -> Template:
    scope = request.user.scope
    schools = [{"site": site, "rooms": await sites.list_rooms(site["id"])}
               for site in await sites.list_sites(scope)]
    return render(
        "dashboard/director.html", schools=schools, faults=await faults.queue(scope),
        states=workflow.STATES, symptom_names=symptoms.all_symptoms(),
    )
