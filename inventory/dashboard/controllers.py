"""The home page: each role's own, or the fleet's dashboard."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.campaigns import service as campaigns
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
    coverage = await service.classroom_coverage(scope)
    equipped, schools = service.coverage_summary(coverage)
    warranty_total, warranties = await service.warranties_ending(on, scope)
    backup_overdue = False
    operations = None  # the administrators' glance: last backup, emails
    if request.user.can(p.USER_ADMIN):
        from inventory.backups import service as backups
        from inventory.backups.display import human_size
        from inventory.notifications import outbox

        backup = await backups.status()
        backup_overdue = backup["overdue"]
        operations = {"backup": backup["last"], "emails": await outbox.summary(),
                      "size": human_size}
    plan_alerts = []
    if p.allows(request.user.role, p.PLAN_READ):
        plan_alerts = await alerts.recent(scope)
    contract_deadlines = []
    if p.allows(request.user.role, p.CONTRACT_READ):
        from inventory.contracts import service as contracts

        contract_deadlines = await contracts.deadlines(on, scope)
    return render(
        "dashboard/index.html",
        counts=await service.site_category_counts(scope),
        end_of_life=await service.end_of_life_counts(on, scope),
        warranty_total=warranty_total,
        warranties=warranties,
        coverage=coverage,
        equipped=equipped,
        schools=schools,
        year=on.year,
        faults=await service.fault_figures(on, scope),
        plan_alerts=plan_alerts,
        contract_deadlines=contract_deadlines,
        backup_overdue=backup_overdue,
        operations=operations,
        alert_text=alerts.alert_text,
    )


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
