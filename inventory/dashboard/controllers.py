"""The dashboard page."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.core import clock
from inventory.dashboard import service
from inventory.planning import alerts
from inventory.web.pages import render


@get("/", permission=p.FLEET_READ)
async def dashboard(request: Request) -> Template:
    on = clock.today()
    scope = request.user.scope
    coverage = await service.classroom_coverage(scope)
    equipped, schools = service.coverage_summary(coverage)
    warranty_total, warranties = await service.warranties_ending(on, scope)
    backup_overdue = False
    operations = None  # the administrators' glance: last backup, emails
    if p.allows(request.user.role, p.USER_ADMIN):
        from inventory.backups import service as backups
        from inventory.backups.display import human_size
        from inventory.notifications import outbox

        backup = await backups.status()
        backup_overdue = backup["overdue"]
        operations = {"backup": backup["last"], "emails": await outbox.summary(),
                      "size": human_size}
    plan_alerts = []
    if p.allows(request.user.role, p.PLAN_READ):
        plan_alerts = await alerts.recent()
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
        backup_overdue=backup_overdue,
        operations=operations,
        alert_text=alerts.alert_text,
    )
