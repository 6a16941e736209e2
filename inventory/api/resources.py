"""JSON API v1, continued: rooms, categories and models (writes), faults and their workflow,
interventions, renewal plans. Every handler calls the service the pages call, under the same
permission table; bodies and answers are the features' typed documents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from litestar import Request
from litestar.params import FromPath, JSONBody, Parameter

from inventory.accounts import permissions as p
from inventory.api.docs import api_get, api_patch, api_post, guarded, required_version
from inventory.api.filters import known_fault_filters
from inventory.api.idempotency import IdempotencyKey, once
from inventory.api.paging import Cursor, Limit, cut, encode_cursor, int_cursor, page_of
from inventory.assets.documents import AssetDocument
from inventory.campaigns import service as campaigns
from inventory.campaigns.documents import CheckDocument, CheckInput
from inventory.catalog import service as catalog
from inventory.catalog.documents import (
    CategoryDocument,
    CategoryInput,
    ModelDocument,
    ModelInput,
)
from inventory.core import clock
from inventory.core.documents import Versioned, choice
from inventory.core.errors import ValidationFailed
from inventory.core.i18n import _
from inventory.faults import service as faults
from inventory.faults.documents import FaultAction, FaultCreate, FaultDocument, FaultList, FaultStep
from inventory.interventions import service as interventions
from inventory.interventions.documents import (
    InterventionDocument,
    InterventionInput,
    InterventionList,
)
from inventory.planning import present
from inventory.planning import scenario as plan_scenario
from inventory.planning import service as planning
from inventory.planning.documents import (
    PlanDetail,
    PlanDocument,
    PlanInput,
    PlanLineDocument,
    PlanList,
    PlanOrganisationTotal,
    PlanOrganisationYear,
    PlanPart,
    PlanSettings,
    PlanYear,
)
from inventory.sites import service as sites
from inventory.sites.documents import RoomCreate, RoomDocument, RoomList, RoomUpdate
from inventory.web.dependencies import Installation
from inventory.web.pages import RowId

if TYPE_CHECKING:  # built from the rules at import time; its members are text ("open")
    FaultFilter = str
else:
    FaultFilter = choice("FaultFilter", ["open", "all"])


# Rooms

async def _room(request: Request, room_id: int) -> RoomDocument:
    return RoomDocument.of(await sites.get_room(room_id, request.user.scope))


@api_get("/sites/{code:str}/rooms", permission=p.FLEET_READ)
async def api_site_rooms(request: Request, code: FromPath[str], limit: Limit = 100,
                         cursor: Cursor = None) -> RoomList:
    site = await sites.get_site(code, request.user.scope)
    listed = [RoomDocument.of(r, site["code"]) for r in await sites.list_rooms(site["id"])]
    return RoomList(**page_of(listed, "id", limit, cursor))


@api_get("/rooms/{room_id:int}", permission=p.FLEET_READ)
async def api_room(request: Request, room_id: RowId) -> RoomDocument:
    return await _room(request, room_id)


@api_post("/rooms", permission=p.ROOM_WRITE)
async def api_room_create(request: Request, data: JSONBody[RoomCreate]) -> RoomDocument:
    if not data.site.strip():
        raise ValidationFailed({"site": _("This field is required.")})
    room = await sites.create_room(data.site, data.fields(), request.user.actor,
                                   request.user.scope)
    return RoomDocument.of(room, data.site.strip().upper())


@api_patch("/rooms/{room_id:int}", permission=p.ROOM_WRITE, document=RoomDocument)
async def api_room_update(request: Request, room_id: RowId, data: JSONBody[RoomUpdate]) -> RoomDocument:
    version = required_version(data)
    return RoomDocument.of(await guarded(
        sites.update_room(room_id, data.fields(), version, request.user.actor, request.user.scope,
                          partial=True),
        lambda: _room(request, room_id)))


# Categories and models (writes)

async def _category(code: str) -> CategoryDocument:
    return CategoryDocument.from_row(await catalog.get_category(code))


@api_post("/categories", permission=p.CATALOG_WRITE)
async def api_category_create(request: Request, data: JSONBody[CategoryInput]) -> CategoryDocument:
    return CategoryDocument.from_row(await catalog.create_category(data.fields(),
                                                                   request.user.actor))


@api_patch("/categories/{code:str}", permission=p.CATALOG_WRITE, document=CategoryDocument)
async def api_category_update(request: Request, code: FromPath[str],
                              data: JSONBody[CategoryInput]) -> CategoryDocument:
    version = required_version(data)
    return CategoryDocument.from_row(await guarded(
        catalog.update_category(code, data.fields(), version, request.user.actor, partial=True),
        lambda: _category(code)))


async def _model(model_id: int) -> ModelDocument:
    row = await catalog.get_model(model_id)
    return ModelDocument.from_row(row, category=row.get("category_code"))


@api_post("/models", permission=p.CATALOG_WRITE)
async def api_model_create(request: Request, data: JSONBody[ModelInput]) -> ModelDocument:
    row = await catalog.create_model(data.fields(), request.user.actor)
    return await _model(row["id"])


@api_patch("/models/{model_id:int}", permission=p.CATALOG_WRITE, document=ModelDocument)
async def api_model_update(request: Request, model_id: RowId, data: JSONBody[ModelInput]) -> ModelDocument:
    version = required_version(data)
    await guarded(catalog.update_model(model_id, data.fields(), version, request.user.actor,
                                       partial=True),
                  lambda: _model(model_id))
    return await _model(model_id)


# Faults

async def _asset_now(request: Request, tag: str) -> AssetDocument:
    from inventory.assets import service as assets

    return AssetDocument.of(await assets.get_asset(tag, request.user.scope))


async def _fault(request: Request, fault_id: int) -> FaultDocument:
    return FaultDocument.of(await faults.get(fault_id, request.user.scope))


@api_get("/faults", permission=p.FLEET_READ)
async def api_faults(
    request: Request,
    status: Annotated[FaultFilter, Parameter(
        description="`open` (the default) or `all`")] = "open",
    site: Annotated[str | None, Parameter(max_length=64, description="A site's code")] = None,
    category: Annotated[str | None, Parameter(max_length=64,
                                              description="A category's code")] = None,
    asset: Annotated[str | None, Parameter(max_length=64, description=(
        "A device's tag: its faults (its open ones by default). Read them before reporting "
        "on it: the same problem need not be reported twice."))] = None,
    limit: Limit = 100, cursor: Cursor = None,
) -> FaultList:
    """Faults by id, with the queue's filters."""
    await known_fault_filters(request.user.scope, site=site, category=category, asset=asset)
    rows = await faults.page(request.user.scope, site=site or "", category=category or "",
                             open_only=status == "open", asset=asset or "",
                             after_id=int_cursor(cursor),
                             limit=limit + 1)
    rows, next_cursor = cut(rows, limit, "id")
    return FaultList(items=[FaultDocument.of(r) for r in rows], next_cursor=next_cursor)


@api_get("/faults/{fault_id:int}", permission=p.FLEET_READ)
async def api_fault(request: Request, fault_id: RowId) -> FaultDocument:
    return await _fault(request, fault_id)


@api_post("/faults", permission=p.FAULT_REPORT, document=AssetDocument)
async def api_fault_create(request: Request, data: JSONBody[FaultCreate],
                           installation: Installation,
                           idempotency_key: IdempotencyKey = None) -> FaultDocument:
    """Report a fault on a device (`asset`: its tag) or a room (`room`: its id). With
    `version` (the device's, as read), a device changed since is a 409 with the device."""
    async def report() -> FaultDocument:
        on_device = isinstance(data.asset, str)
        version = data.version if on_device and isinstance(data.version, int) else None
        created = await guarded(
            faults.report(data.fields(), request.user.actor, request.user.scope,
                          base_url=installation.filled_base_url, version=version),
            lambda: _asset_now(request, str(data.asset)))
        return await _fault(request, created["id"])

    return await once(request, idempotency_key, report, status_code=201)


@api_post("/faults/{fault_id:int}/{action:str}", status_code=200, permission=p.FAULT_REPORT,
          document=FaultDocument)
async def api_fault_action(request: Request, fault_id: RowId, action: FromPath[FaultAction],
                           data: JSONBody[FaultStep],
                           installation: Installation) -> FaultDocument:
    """A workflow step; `note` is required to reject. The permission table and the state
    machine decide who may take which step from which status."""
    fault = await guarded(faults.transition(
        fault_id, action.value, data.fields().get("note", ""), request.user.actor, request.user.role,
        request.user.scope, data.fields().get("version"), base_url=installation.filled_base_url),
        lambda: _fault(request, fault_id))
    return await _fault(request, fault["id"])


# Interventions

@api_get("/assets/{tag:str}/interventions", permission=p.FLEET_READ)
async def api_interventions(request: Request, tag: FromPath[str], limit: Limit = 100,
                            cursor: Cursor = None) -> InterventionList:
    from inventory.assets import service as assets

    asset = await assets.get_asset(tag, request.user.scope)
    since = await assets.in_scope_since(asset["tag"], request.user.scope)
    rows = await interventions.page(asset["id"], after_id=int_cursor(cursor), limit=limit + 1,
                                    since=since)
    rows, next_cursor = cut(rows, limit, "id")
    return InterventionList(items=[InterventionDocument.from_row(r, asset=asset["tag"])
                                   for r in rows], next_cursor=next_cursor)


@api_post("/assets/{tag:str}/interventions", permission=p.INTERVENTION_LOG,
          document=AssetDocument)
async def api_intervention_create(request: Request, tag: FromPath[str],
                                  data: JSONBody[InterventionInput],
                                  idempotency_key: IdempotencyKey = None
                                  ) -> InterventionDocument:
    from inventory.assets.rules import normalise_tag

    async def log() -> InterventionDocument:
        row = await guarded(
            interventions.log(tag, data.fields(), request.user.actor, request.user.scope,
                              version=data.fields().get("version")),
            lambda: _asset_now(request, tag))
        return InterventionDocument.from_row(await interventions.get(row["id"]),
                                             asset=normalise_tag(tag))

    return await once(request, idempotency_key, log, status_code=201)


# Inventory audits

@api_post("/campaigns/{campaign_id:int}/checks", permission=p.ASSET_SEEN)
async def api_campaign_check(request: Request, campaign_id: RowId, data: JSONBody[CheckInput],
                             idempotency_key: IdempotencyKey = None) -> CheckDocument:
    """A label scanned in a room during an inventory audit (a phone's queued scan): recorded
    as the audit page records it, and answered with its outcome."""
    async def check() -> CheckDocument:
        fields = data.fields()
        await campaigns.check(campaign_id, data.tag, fields.get("room"), request.user.actor,
                              request.user.scope)
        return CheckDocument.from_row(await campaigns.check_of(campaign_id, data.tag) or {})

    return await once(request, idempotency_key, check, status_code=201)


# Renewal plans

def _organisation_codes(plan: dict[str, Any], names: planning.Names) -> list[str]:
    return [names.organisation_codes[i]
            for i in plan_scenario.plan_organisations(plan["settings"])
            if i in names.organisation_codes]


async def _plan(request: Request, plan_id: int,
                names: planning.Names | None = None) -> PlanDocument:
    plan = await planning.get_plan(plan_id, request.user.scope)
    names = names or await planning.names()
    return PlanDocument.from_row(
        plan, organisations=_organisation_codes(plan, names),
        settings=PlanSettings.of(plan["settings"], names.organisation_codes))


@api_get("/plans", permission=p.PLAN_READ)
async def api_plans(request: Request, limit: Limit = 100, cursor: Cursor = None) -> PlanList:
    names = await planning.names()
    listed = [await _plan(request, r["id"], names) for r in await planning.list_plans(
        request.user.scope)]
    return PlanList(**page_of(listed, "id", limit, cursor))


@api_get("/plans/{plan_id:int}", permission=p.PLAN_READ)
async def api_plan(request: Request, plan_id: RowId, limit: Limit = 100,
                   cursor: Cursor = None) -> PlanDetail:
    """The scenario, its yearly totals and its lines (drafts computed now; `limit`/`cursor`
    page through the lines, backlog last)."""
    plan = await planning.get_plan(plan_id, request.user.scope)
    result = await planning.computed(plan, clock.today())
    names = await planning.names()
    codes = names.organisation_codes
    start = int_cursor(cursor)
    every = [*result.lines, *result.backlog]
    lines = [PlanLineDocument(
        year=line.year, kind=line.kind, tag=line.tag or None,
        site=names.sites.get(line.site_id),
        room=names.rooms.get(line.room_id) if line.room_id is not None else None,
        category=names.category_codes.get(line.category_id), cost_cents=line.cost_cents,
        score=line.score, reason=present.reason_text(line),
        organisation=codes.get(line.owner) if line.owner is not None else None,
        parts=[PlanPart(organisation=codes.get(org) if org is not None else None,
                        cost_cents=cents) for org, cents in line.parts])
        for line in every[start:start + limit]]
    years = range(plan["first_year"], plan["first_year"] + plan["years"])
    by_organisation = [
        PlanOrganisationTotal(
            organisation=codes.get(row.organisation) if row.organisation is not None else None,
            years=[PlanOrganisationYear(year=y, cap_cents=row.caps.get(y),
                                        spent_cents=row.by_year[y]) for y in years],
            backlog_cents=row.backlog, total_cents=row.total)
        for row in present.organisation_grid(
            result.lines, result.backlog, years, names.organisations,
            plan_scenario.organisation_caps(plan["first_year"], plan["years"], plan["settings"]),
            plan_scenario.plan_organisations(plan["settings"]))
    ] if names.several else []
    return PlanDetail.from_row(
        plan, organisations=_organisation_codes(plan, names),
        settings=PlanSettings.of(plan["settings"], codes),
        totals=[PlanYear(year=t.year, cap_cents=t.cap_cents, spent_cents=t.spent_cents,
                         due_cents=t.demand_cents, carried=t.carried) for t in result.totals],
        backlog_cents=result.backlog_cents, by_organisation=by_organisation, lines=lines,
        next_cursor=encode_cursor(start + limit) if start + limit < len(every) else None)


@api_post("/plans", permission=p.PLAN_WRITE)
async def api_plan_create(request: Request, data: JSONBody[PlanInput]) -> PlanDocument:
    """A draft scenario (see PlanInput); its summary is computed at once."""
    plan = await _saving_plan(data, lambda form: planning.create_plan(
        form, request.user.actor, request.user.scope))
    return await _plan(request, plan["id"])


@api_patch("/plans/{plan_id:int}", permission=p.PLAN_WRITE, document=PlanDocument)
async def api_plan_update(request: Request, plan_id: RowId, data: JSONBody[PlanInput]) -> PlanDocument:
    version = required_version(data)
    saved = await guarded(_saving_plan(data, lambda form: planning.update_plan(
        plan_id, form, version, request.user.actor, request.user.scope, partial=True)),
        lambda: _plan(request, plan_id))
    return await _plan(request, saved.plan["id"])


@api_post("/plans/{plan_id:int}/approve", status_code=200, permission=p.PLAN_WRITE,
          document=PlanDocument)
async def api_plan_approve(request: Request, plan_id: RowId, data: JSONBody[Versioned]) -> PlanDocument:
    await guarded(planning.approve(plan_id, data.fields().get("version"), request.user.actor,
                                   clock.today(), request.user.scope),
                  lambda: _plan(request, plan_id))
    return await _plan(request, plan_id)


T = TypeVar("T")


async def _saving_plan(data: PlanInput, save: Callable[[dict[str, Any]], Awaitable[T]]) -> T:
    """Save through the plan form's rules; their errors name the document's fields."""
    fields, places = data.form_fields()
    try:
        return await save(fields)
    except ValidationFailed as failed:
        raise ValidationFailed({places.get(name, name): message
                                for name, message in failed.errors.items()}) from None


resource_routes = [
    api_site_rooms, api_room, api_room_create, api_room_update, api_category_create,
    api_category_update, api_model_create, api_model_update, api_faults, api_fault,
    api_fault_create, api_fault_action, api_interventions, api_intervention_create,
    api_campaign_check, api_plans,
    api_plan, api_plan_create, api_plan_update, api_plan_approve,
]
