"""Renewal plan pages: scenarios, the plan with its settings (updated in place by htmx),
comparison, approval, and the CSV / XLSX / printable exports."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest

from inventory.accounts import permissions as p
from inventory.core import clock, memory
from inventory.core.i18n import _
from inventory.core.parsers import row_number
from inventory.planning import exports, present, service
from inventory.planning import scenario as sc
from inventory.sites.rules import SITE_KINDS
from inventory.web.htmx import page_or_fragment, vary_on_htmx, wants_fragment
from inventory.web.pages import RowId, confirmed, form_post, form_version, render, see_other

LINES_PER_PAGE = 100


async def _form(request: Request) -> dict[str, Any]:
    """Form fields as strings, except the ticked site kinds of targets, which are lists."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        if (key.startswith("target_") and key.endswith("_kinds")) or key == sc.ORGANISATIONS:
            data[key] = [value for value in form.getall(key) if isinstance(value, str)]
        elif isinstance(form.get(key), str):
            data[key] = form.get(key)
    return data


def _query_int(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return row_number(value)


async def _plan_context(plan: dict[str, Any], request: Request, values: dict[str, Any] | None = None,
                        errors: dict[str, str] | None = None,
                        result: service.Plan | None = None) -> dict[str, Any]:
    """`result`: the plan as just computed by the service (after a save), else computed."""
    with memory.collector_paused():  # the plan and its presentation: millions of objects, no cycles
        return await _plan_context_of(plan, request, values, errors, result)


async def _plan_context_of(plan: dict[str, Any], request: Request,
                           values: dict[str, Any] | None, errors: dict[str, str] | None,
                           result: service.Plan | None) -> dict[str, Any]:
    cats = await service.categories()
    if result is None:
        result = await service.computed(plan, clock.today())
    names = await service.names()
    years = range(plan["first_year"], plan["first_year"] + plan["years"])
    chosen = sc.plan_organisations(plan["settings"])
    choices = await service.organisation_choices(request.user.scope)
    organisation_caps = sc.organisation_caps(plan["first_year"], plan["years"], plan["settings"])
    year_filter = _query_int(request, "year")
    shown = [line for line in result.lines if year_filter is None or line.year == year_filter]
    if request.query_params.get("year") == "backlog":
        shown = list(result.backlog)
    page = max(1, _query_int(request, "page") or 1)
    bars, chart_width, chart_top = present.chart(result)
    return {
        "plan": plan,
        # Its figures, not the plan: the lines (a million objects for a région) are freed
        # when this returns, before the page is rendered.
        "result": present.figures(result),
        "years": years,
        "grid": present.grid(result.lines, result.backlog, years, names.sites, names.categories),
        "bars": bars, "chart_width": chart_width, "chart_top": chart_top,
        "chart_height": present.CHART_HEIGHT, "bar_width": present.BAR_WIDTH,
        "lines": shown[(page - 1) * LINES_PER_PAGE: page * LINES_PER_PAGE],
        "lines_total": len(shown), "page": page, "pages": max(1, -(-len(shown) // LINES_PER_PAGE)),
        "year_filter": request.query_params.get("year", ""),
        "names": names,
        "reason": present.reason_text,
        "categories": cats,
        "values": values if values is not None else service.form_values(plan, cats, names.organisation_codes),
        "errors": errors or {},
        "site_kinds": SITE_KINDS,
        "envelopes": sc.ENVELOPE_KINDS[plan["settings"].get("budgets", sc.ONE_BUDGET)],
        "envelope_label": sc.envelope_label,
        "weight_names": present.WEIGHT_LABELS,
        "max_targets": sc.MAX_TARGETS,
        "progress": await service.progress(plan, clock.today()),
        "percent": present.percent,
        # Organisations: only with several in the installation (else the page is as it was).
        "organisation_choices": choices,
        "plan_organisations": [names.organisations.get(i, "?") for i in chosen],
        "capped_organisations": [o for o in choices or [] if not chosen or o["id"] in chosen],
        "organisation_cap_name": sc.organisation_cap_name,
        "by_organisation": present.organisation_grid(
            result.lines, result.backlog, years, names.organisations, organisation_caps,
            include=chosen) if names.several else [],
    }


@get("/plans", permission=p.PLAN_READ)
async def plans_index(request: Request) -> Template:
    return await _index(request)


async def _index(request: Request, status: int = 200, values=None, errors=None) -> Template:
    next_year = clock.today().year + 1
    scope = request.user.scope
    plans = await service.list_plans(scope)
    names = await service.names()
    return render("planning/index.html", status, plans=plans,
                  values=values or {"first_year": str(next_year), "years": "5"},
                  errors=errors or {},
                  organisation_choices=await service.organisation_choices(scope),
                  plan_organisations={
                      plan["id"]: [names.organisations.get(i, "?")
                                   for i in sc.plan_organisations(plan["settings"])]
                      for plan in plans})


@post("/plans", permission=p.PLAN_WRITE)
async def plan_create(request: Request) -> Response:
    data = await _form(request)
    return await form_post(
        service.create_plan(data, request.user.actor, request.user.scope),
        done=lambda plan: f"/plans/{plan['id']}",
        invalid=lambda errors: _index(request, 400, values=data, errors=errors))


@get("/plans/{plan_id:int}", permission=p.PLAN_READ)
async def plan_show(request: HTMXRequest, plan_id: RowId) -> Template:
    plan = await service.get_plan(plan_id, request.user.scope)
    context = await _plan_context(plan, request)
    return page_or_fragment(request, "planning/show.html", "planning/_lines.html",
                            target="plan-lines", **context)


@post("/plans/{plan_id:int}", permission=p.PLAN_WRITE)
async def plan_update(request: HTMXRequest, plan_id: RowId) -> Response:
    data = await _form(request)

    async def editor(values: dict[str, Any] | None, errors: dict[str, str]) -> Template:
        plan = await service.get_plan(plan_id, request.user.scope)
        context = await _plan_context(plan, request, values=values, errors=errors)
        return page_or_fragment(request, "planning/show.html", "planning/_editor.html", 400,
                                **context)

    async def saved(saved: service.SavedPlan) -> Response:
        context = await _plan_context(saved.plan, request, result=saved.result)
        if wants_fragment(request):
            return page_or_fragment(request, "planning/show.html", "planning/_editor.html",
                                    **context)
        return vary_on_htmx(see_other(f"/plans/{plan_id}"))

    return await form_post(
        service.update_plan(plan_id, data, form_version(data), request.user.actor,
                            request.user.scope),
        done=saved, invalid=lambda errors: editor(data, errors),
        conflict=lambda _row: editor(None, {"name": _(
            "Someone else changed this plan since you opened it; the page now shows their "
            "version.")}))


@post("/plans/{plan_id:int}/approve", permission=p.PLAN_WRITE)
async def plan_approve(request: Request, plan_id: RowId) -> Response:
    data = await _form(request)
    if not confirmed(data):
        plan = await service.get_plan(plan_id, request.user.scope)
        context = await _plan_context(plan, request, errors={
            "confirm": _("Tick the box to confirm: approving cannot be undone.")})
        return render("planning/show.html", 400, **context)

    async def refused(_why) -> Template:  # the same answer for refused input and a stale form
        plan = await service.get_plan(plan_id, request.user.scope)
        context = await _plan_context(plan, request, errors={
            "approve": _("The plan changed or is already approved; check it and try again.")})
        return render("planning/show.html", 409, **context)

    return await form_post(
        service.approve(plan_id, form_version(data), request.user.actor, clock.today(),
                        request.user.scope),
        done=f"/plans/{plan_id}", invalid=refused, conflict=refused)


@post("/plans/{plan_id:int}/copy", permission=p.PLAN_WRITE)
async def plan_copy(request: Request, plan_id: RowId) -> Redirect:
    plan = await service.copy_plan(plan_id, request.user.actor, request.user.scope)
    return see_other(f"/plans/{plan['id']}")


@post("/plans/{plan_id:int}/delete", permission=p.PLAN_WRITE)
async def plan_delete(request: Request, plan_id: RowId) -> Redirect:
    await service.delete_plan(plan_id, request.user.actor, request.user.scope)
    return see_other("/plans")


@get("/plans/compare", permission=p.PLAN_READ)
async def plans_compare(request: Request) -> Template:
    plans = await service.list_plans(request.user.scope)
    chosen = []
    for name in ("a", "b"):
        plan_id = _query_int(request, name)
        if plan_id is None:
            continue
        plan = await service.get_plan(plan_id, request.user.scope)
        result = await service.computed(plan, clock.today())
        chosen.append({"plan": plan, "figures": present.comparison(result),
                       "totals": result.totals})
    return render("planning/compare.html", plans=plans, chosen=chosen,
                  a=request.query_params.get("a", ""), b=request.query_params.get("b", ""),
                  percent=present.percent)


async def _export_data(request: Request, plan_id: int
                       ) -> tuple[dict[str, Any], Any, service.Names]:
    plan = await service.get_plan(plan_id, request.user.scope)
    return plan, await service.computed(plan, clock.today()), await service.names()


@get("/plans/{plan_id:int}/plan.csv", permission=p.PLAN_READ)
async def plan_csv(request: Request, plan_id: RowId) -> Response:
    plan, result, names = await _export_data(request, plan_id)
    body = exports.excel_csv(plan, result, names)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="{exports.file_name(plan, "csv")}"'})


@get("/plans/{plan_id:int}/plan.xlsx", permission=p.PLAN_READ)
async def plan_xlsx(request: Request, plan_id: RowId) -> Response:
    plan, result, names = await _export_data(request, plan_id)
    return Response(exports.xlsx(plan, result, names),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"content-disposition":
                             f'attachment; filename="{exports.file_name(plan, "xlsx")}"'})


@get("/plans/{plan_id:int}/print", permission=p.PLAN_READ)
async def plan_print(request: Request, plan_id: RowId) -> Template:
    plan = await service.get_plan(plan_id, request.user.scope)
    context = await _plan_context(plan, request)
    return render("planning/print.html", **context, printed_on=clock.today())


plan_routes = [plans_index, plan_create, plan_show, plan_update, plan_approve, plan_copy,
               plan_delete, plans_compare, plan_csv, plan_xlsx, plan_print]
