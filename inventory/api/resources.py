"""JSON API v1, continued: rooms, categories and models (writes), faults and their workflow,
interventions, renewal plans, and cursor pagination. Every handler calls the service the
pages call, under the same permission table."""

from __future__ import annotations

import base64
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.params import FromPath, JSONBody

from inventory.accounts import permissions as p
from inventory.api.docs import (
    CategoryDocument,
    FaultDocument,
    FaultList,
    InterventionDocument,
    InterventionList,
    ModelDocument,
    PlanDetail,
    PlanDocument,
    PlanList,
    RoomDocument,
    RoomList,
    api_get,
    api_patch,
    api_post,
)
from inventory.api.serialize import jsonable
from inventory.catalog import service as catalog
from inventory.core import clock
from inventory.core.errors import ValidationFailed
from inventory.core.i18n import _
from inventory.core.parsers import row_number
from inventory.faults import service as faults
from inventory.interventions import service as interventions
from inventory.planning import present
from inventory.planning import service as planning
from inventory.setup.service import effective
from inventory.sites import service as sites
from inventory.web.pages import RowId

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def body_of(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise HTTPException(status_code=400, detail=_("The body must be a JSON object."))
    return data


def version_of(data: dict[str, Any], *, required: bool = False) -> int | None:
    """The `version` the client read. A PATCH must send it: without it, a change made by
    someone else since would be silently overwritten."""
    version = data.get("version")
    if version is None and required:
        raise ValidationFailed({"version": _("Send the record's version as you read it, so "
                                             "that a change made since is not overwritten.")})
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise ValidationFailed({"version": _("Enter a whole number.")})
    return version


def limit_of(request: Request) -> int:
    raw = request.query_params.get("limit", "")
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed({"limit": _("Enter a number between 1 and %(max)d.")
                                % {"max": MAX_LIMIT}})
    return int(raw)


def encode_cursor(value: str | int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(request: Request) -> str | None:
    """The position after which a list goes on (opaque to clients)."""
    raw = request.query_params.get("cursor", "")
    if not raw:
        return None
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_",
                                validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed({"cursor": _("This cursor is not valid; start again without "
                                            "it.")}) from None


def int_cursor(request: Request) -> int:
    value = decode_cursor(request)
    if value is None:
        return 0
    if row_number(value) is None:
        raise ValidationFailed({"cursor": _("This cursor is not valid; start again without it.")})
    return int(value)


def page_of(request: Request, items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """A small collection (sites, rooms, categories, models, plans) paged like the large ones:
    ordered by `key`, after the cursor, at most `limit` items."""
    limit = limit_of(request)
    ordered = sorted(items, key=lambda item: item[key])
    if key == "id":
        after_id = int_cursor(request)
        ordered = [item for item in ordered if item["id"] > after_id]
    elif (after := decode_cursor(request)) is not None:
        ordered = [item for item in ordered if item[key] > after]
    page = ordered[:limit]
    more = len(ordered) > limit
    return {"items": page, "next_cursor": encode_cursor(page[-1][key]) if more else None}


# Rooms

ROOM_PUBLIC = ("id", "name", "kind", "floor", "notes", "version")


def room_document(row: dict[str, Any], site_code: str | None = None) -> dict[str, Any]:
    doc = {name: row.get(name) for name in ROOM_PUBLIC}
    doc["site"] = site_code or row.get("site_code")
    if "asset_count" in row:
        doc["asset_count"] = row["asset_count"]
    return doc


@api_get("/sites/{code:str}/rooms", permission=p.FLEET_READ)
async def api_site_rooms(request: Request, code: FromPath[str]) -> RoomList:
    site = await sites.get_site(code, request.user.scope)
    return page_of(request, [room_document(r, site["code"])
                             for r in await sites.list_rooms(site["id"])], "id")


@api_get("/rooms/{room_id:int}", permission=p.FLEET_READ)
async def api_room(request: Request, room_id: RowId) -> RoomDocument:
    return room_document(await sites.get_room(room_id, request.user.scope))


@api_post("/rooms", permission=p.ROOM_WRITE)
async def api_room_create(request: Request, data: JSONBody[Any]) -> RoomDocument:
    body = body_of(data)
    site = body.get("site")
    if not isinstance(site, str) or not site.strip():
        raise ValidationFailed({"site": _("This field is required.")})
    room = await sites.create_room(site, body, request.user.actor, request.user.scope)
    return room_document(room, site.strip().upper())


@api_patch("/rooms/{room_id:int}", permission=p.ROOM_WRITE)
async def api_room_update(request: Request, room_id: RowId,
                          data: JSONBody[Any]) -> RoomDocument:
    body = body_of(data)
    return room_document(await sites.update_room(room_id, body, version_of(body, required=True),
                                                 request.user.actor, request.user.scope,
                                                 partial=True))


# Categories and models (writes)

CATEGORY_PUBLIC = ("code", "name", "lifespan_years", "replacement_cost_cents", "price_change_bp",
                   "criticality", "is_interactive_display", "is_network", "version")


def category_document(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in CATEGORY_PUBLIC}


@api_post("/categories", permission=p.CATALOG_WRITE)
async def api_category_create(request: Request, data: JSONBody[Any]) -> CategoryDocument:
    return category_document(await catalog.create_category(body_of(data), request.user.actor))


@api_patch("/categories/{code:str}", permission=p.CATALOG_WRITE)
async def api_category_update(request: Request, code: FromPath[str],
                              data: JSONBody[Any]) -> CategoryDocument:
    body = body_of(data)
    return category_document(await catalog.update_category(
        code, body, version_of(body, required=True), request.user.actor, partial=True))


def model_document(row: dict[str, Any], category: str | None = None) -> dict[str, Any]:
    return {"id": row["id"], "category": category or row.get("category_code"),
            "manufacturer": row["manufacturer"], "name": row["name"], "version": row["version"]}


@api_post("/models", permission=p.CATALOG_WRITE)
async def api_model_create(request: Request, data: JSONBody[Any]) -> ModelDocument:
    body = body_of(data)
    row = await catalog.create_model(body, request.user.actor)
    return model_document(await catalog.get_model(row["id"]))


@api_patch("/models/{model_id:int}", permission=p.CATALOG_WRITE)
async def api_model_update(request: Request, model_id: RowId,
                           data: JSONBody[Any]) -> ModelDocument:
    body = body_of(data)
    await catalog.update_model(model_id, body, version_of(body, required=True), request.user.actor,
                               partial=True)
    return model_document(await catalog.get_model(model_id))


# Faults

FAULT_PUBLIC = ("id", "symptom", "description", "teaching_blocked", "status", "reported_by",
                "anonymous", "assigned_to", "reject_reason", "created_at", "updated_at",
                "version")


def fault_document(row: dict[str, Any]) -> dict[str, Any]:
    doc = {name: row.get(name) for name in FAULT_PUBLIC}
    doc.update(site=row.get("site_code"), room=row.get("room"), room_name=row.get("room_name"),
               asset=row.get("asset_tag"), category=row.get("category_code"),
               overdue=row.get("overdue"))
    return jsonable(doc)


@api_get("/faults", permission=p.FLEET_READ)
async def api_faults(request: Request) -> FaultList:
    """Faults by id; `status=open` (default) or `all`; `site`, `category`; `limit`, `cursor`."""
    status = request.query_params.get("status", "open")
    if status not in ("open", "all"):
        raise ValidationFailed({"status": _("Choose one of the proposed values.")})
    limit = limit_of(request)
    rows = await faults.page(request.user.scope, site=request.query_params.get("site", ""),
                             category=request.query_params.get("category", ""),
                             open_only=status == "open", after_id=int_cursor(request),
                             limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [fault_document(r) for r in rows],
            "next_cursor": encode_cursor(rows[-1]["id"]) if more else None}


@api_get("/faults/{fault_id:int}", permission=p.FLEET_READ)
async def api_fault(request: Request, fault_id: RowId) -> FaultDocument:
    return fault_document(await faults.get(fault_id, request.user.scope))


@api_post("/faults", permission=p.FAULT_REPORT)
async def api_fault_create(request: Request, data: JSONBody[Any]) -> FaultDocument:
    """Report a fault on a device (`asset`: its tag) or a room (`room`: its id)."""
    settings = await effective(request.app.state.settings)
    created = await faults.report(body_of(data), request.user.actor, request.user.scope,
                                  base_url=settings.base_url)
    return fault_document(await faults.get(created["id"], request.user.scope))


@api_post("/faults/{fault_id:int}/{action:str}", status_code=200, permission=p.FAULT_REPORT)
async def api_fault_action(request: Request, fault_id: RowId, action: FromPath[str],
                           data: JSONBody[Any]) -> FaultDocument:
    """A workflow step (acknowledge, start, wait_parts, resolve, close, reject, reopen…);
    `note` is required to reject. The permission table and the state machine decide."""
    body = body_of(data)
    note = body.get("note", "")
    if not isinstance(note, str):
        raise ValidationFailed({"note": _("This field must be text.")})
    settings = await effective(request.app.state.settings)
    fault = await faults.transition(fault_id, action, note, request.user.actor,
                                    request.user.role, request.user.scope, version_of(body),
                                    base_url=settings.base_url)
    return fault_document(await faults.get(fault["id"], request.user.scope))


# Interventions

INTERVENTION_PUBLIC = ("id", "kind", "done_on", "minutes_spent", "parts", "cost_cents", "notes",
                       "technician", "created_at")


def intervention_document(row: dict[str, Any], tag: str) -> dict[str, Any]:
    doc = {name: row.get(name) for name in INTERVENTION_PUBLIC}
    doc["asset"] = tag
    return jsonable(doc)


@api_get("/assets/{tag:str}/interventions", permission=p.FLEET_READ)
async def api_interventions(request: Request, tag: FromPath[str]) -> InterventionList:
    from inventory.assets import service as assets

    asset = await assets.get_asset(tag, request.user.scope)
    limit = limit_of(request)
    since = await assets.in_scope_since(asset["tag"], request.user.scope)
    rows = await interventions.page(asset["id"], after_id=int_cursor(request), limit=limit + 1,
                                    since=since)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [intervention_document(r, asset["tag"]) for r in rows],
            "next_cursor": encode_cursor(rows[-1]["id"]) if more else None}


@api_post("/assets/{tag:str}/interventions", permission=p.INTERVENTION_LOG)
async def api_intervention_create(request: Request, tag: FromPath[str],
                                  data: JSONBody[Any]) -> InterventionDocument:
    from inventory.assets import service as assets

    asset = await assets.get_asset(tag, request.user.scope)
    row = await interventions.log(tag, body_of(data), request.user.actor, request.user.scope)
    return intervention_document(await interventions.get(row["id"]), asset["tag"])


# Renewal plans

def plan_document(row: dict[str, Any]) -> dict[str, Any]:
    return jsonable({k: row.get(k) for k in ("id", "name", "first_year", "years", "status",
                                              "settings", "summary", "approved_at",
                                              "approved_by", "version")})


@api_get("/plans", permission=p.PLAN_READ)
async def api_plans(request: Request) -> PlanList:
    return page_of(request, [plan_document(await planning.get_plan(r["id"]))
                             for r in await planning.list_plans()], "id")


@api_get("/plans/{plan_id:int}", permission=p.PLAN_READ)
async def api_plan(request: Request, plan_id: RowId) -> PlanDetail:
    """The scenario, its yearly totals and its lines (drafts computed now; `limit`/`cursor`
    page through the lines, backlog last)."""
    plan = await planning.get_plan(plan_id)
    result = await planning.computed(plan, clock.today())
    names = await planning.names()
    limit = limit_of(request)
    start = int_cursor(request)
    every = [*result.lines, *result.backlog]
    lines = [{"year": line.year, "kind": line.kind, "tag": line.tag or None,
              "site": names.sites.get(line.site_id), "room": names.rooms.get(line.room_id),
              "category": names.category_codes.get(line.category_id),
              "cost_cents": line.cost_cents, "score": line.score,
              "reason": present.reason_text(line)}
             for line in every[start:start + limit]]
    return {**plan_document(plan),
            "totals": [{"year": t.year, "cap_cents": t.cap_cents, "spent_cents": t.spent_cents,
                        "due_cents": t.demand_cents, "carried": t.carried}
                       for t in result.totals],
            "backlog_cents": result.backlog_cents,
            "lines": lines,
            "next_cursor": encode_cursor(start + limit) if start + limit < len(every) else None}


@api_post("/plans", permission=p.PLAN_WRITE)
async def api_plan_create(request: Request, data: JSONBody[Any]) -> PlanDocument:
    """Fields as the plan form: name, first_year, years, budgets, cap_<budget>_<year> (euros),
    weight_<name>, lifespan_<CATEGORY>, target_<i>_kinds / _category / _by_year."""
    return plan_document(await planning.create_plan(_as_form(body_of(data)), request.user.actor))


@api_patch("/plans/{plan_id:int}", permission=p.PLAN_WRITE)
async def api_plan_update(request: Request, plan_id: RowId,
                          data: JSONBody[Any]) -> PlanDocument:
    body = body_of(data)
    plan = await planning.update_plan(plan_id, _as_form(body), version_of(body, required=True),
                                      request.user.actor, partial=True)
    await planning.refresh_summary(plan_id)
    return plan_document(await planning.get_plan(plan["id"]))


@api_post("/plans/{plan_id:int}/approve", status_code=200, permission=p.PLAN_WRITE)
async def api_plan_approve(request: Request, plan_id: RowId,
                           data: JSONBody[Any]) -> PlanDocument:
    body = body_of(data)
    await planning.approve(plan_id, version_of(body), request.user.actor, clock.today())
    return plan_document(await planning.get_plan(plan_id))


def _as_form(body: dict[str, Any]) -> dict[str, Any]:
    """JSON numbers as the form's text; lists of text stay lists where the form has several
    values (target kinds). Any other list or object is a field error, never a crash."""
    form: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in body.items():
        if key == "version":
            continue
        if isinstance(value, list) and key.endswith("_kinds"):
            if all(isinstance(item, str) for item in value):
                form[key] = value
            else:
                errors[key] = _("Choose one of the proposed values.")
        elif isinstance(value, list | dict):
            errors[key] = _("Enter one value, not a list.")
        else:
            form[key] = "" if value is None else str(value)
    if errors:
        raise ValidationFailed(errors)
    return form


resource_routes = [
    api_site_rooms, api_room, api_room_create, api_room_update, api_category_create,
    api_category_update, api_model_create, api_model_update, api_faults, api_fault,
    api_fault_create, api_fault_action, api_interventions, api_intervention_create, api_plans,
    api_plan, api_plan_create, api_plan_update, api_plan_approve,
]
