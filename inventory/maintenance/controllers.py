"""Preventive maintenance pages: what is due this week, per site; the recurring tasks."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.catalog import service as catalog
from inventory.core import clock
from inventory.maintenance import schedule, service
from inventory.web.pages import RowId, form_data, form_post, render


async def _page(request: Request, status: int = 200, **context) -> Template:
    today = clock.today()
    items = await service.due(request.user.scope, today)
    by_site: dict[str, list] = {}
    late: dict[str, dict] = {}  # site name -> its code and how many items are late
    for item in items:
        by_site.setdefault(item["site_name"], []).append(item)
        if schedule.late(service._as_date(item["due_on"]), today):
            entry = late.setdefault(item["site_name"], {"code": item["site_code"], "count": 0})
            entry["count"] += 1
    return render("maintenance/index.html", status, by_site=by_site, total=len(items),
                  late=late, today=clock.today, **context)


@get("/maintenance", permission=p.INTERVENTION_LOG)
async def maintenance_index(request: Request) -> Template:
    return await _page(request)


@post("/maintenance/{item_id:int}/done", permission=p.INTERVENTION_LOG)
async def maintenance_done(request: Request, item_id: RowId) -> Response:
    data = await form_data(request)
    return await form_post(
        service.complete(item_id, data, request.user.actor, request.user.scope),
        done="/maintenance?done=1",
        invalid=lambda errors: _page(request, 400, error=next(iter(errors.values()))))


@post("/maintenance/catch-up", permission=p.INTERVENTION_LOG)
async def maintenance_catch_up(request: Request) -> Response:
    """One action per site: every late item there done (the technician went round)."""
    data = await form_data(request)
    return await form_post(
        service.catch_up(data.get("site", ""), data, request.user.actor, request.user.scope),
        done=lambda n: f"/maintenance?caught_up={n}",
        invalid=lambda errors: _page(request, 400, error=next(iter(errors.values()))))


async def _tasks_page(status: int = 200, **context) -> Template:
    from inventory.accounts.scope import EVERYTHING

    return render("maintenance/tasks.html", status, tasks=await service.list_tasks(),
                  categories=await catalog.list_categories(EVERYTHING), **context)


@get("/maintenance/tasks", permission=p.ASSET_WRITE)
async def tasks_index() -> Template:
    return await _tasks_page(values={}, errors={})


@post("/maintenance/tasks", permission=p.ASSET_WRITE)
async def task_create(request: Request) -> Response:
    data = await form_data(request)
    return await form_post(
        service.create_task(data, request.user.actor), done="/maintenance/tasks",
        invalid=lambda errors: _tasks_page(400, values=data, errors=errors))


maintenance_routes = [maintenance_index, maintenance_done, maintenance_catch_up, tasks_index,
                      task_create]
