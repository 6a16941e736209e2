"""What the OpenAPI description says about the API's errors: the JSON bodies the exception
handlers of app.py answer with, for every status an operation can give."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import partial
from typing import Any, Required, TypedDict

import msgspec
from litestar import get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin


@dataclass
class ApiError:
    error: str  # not_authenticated, http_error, validation, not_found, conflict
    detail: str
    fields: dict[str, str] | None = None  # validation: message per field


@dataclass
class ApiConflict:
    error: str
    detail: str
    current: dict[str, Any]  # the record as stored now


ERROR_RESPONSES = {
    400: ResponseSpec(ApiError, description="Invalid input; `fields` gives a message per field"),
    401: ResponseSpec(ApiError, description="No valid API token or session"),
    403: ResponseSpec(ApiError, description="The account's role does not allow this"),
    404: ResponseSpec(ApiError, description="Not found (or outside the account's sites)"),
    409: ResponseSpec(ApiConflict, description="The record changed since `version`"),
}

api_get = partial(get, responses=ERROR_RESPONSES)
api_post = partial(post, responses=ERROR_RESPONSES)
api_patch = partial(patch, responses=ERROR_RESPONSES)


# The documents the API answers with, as the OpenAPI description states them. Dates are ISO
# strings; amounts are integer cents; `version` is what an update sends back.

class AssetDocument(TypedDict):
    tag: str
    category: str
    model: int | None
    manufacturer: str | None
    model_name: str | None
    serial: str
    site: str
    room: int | None
    room_name: str | None
    status: str
    purchase_date: str | None
    purchase_price_cents: int | None
    supplier: str
    order_ref: str
    warranty_end: str | None
    commissioning_date: str | None
    eol_year_override: int | None
    eol_year: int | None
    holder: str
    hostname: str
    ip_address: str
    mac_address: str
    firmware: str
    notes: str
    last_seen_on: str | None
    version: int
    created_at: str | None
    updated_at: str | None


class AssetList(TypedDict, total=False):
    items: Required[list[AssetDocument]]
    next_cursor: str | None  # with limit/cursor
    total: int  # numbered pages (no limit/cursor)
    page: int
    pages: int


class HistoryEntry(TypedDict, total=False):
    at: str
    actor: str
    action: str
    action_label: str
    changes: dict[str, list[Any]]
    field_labels: dict[str, str]


class SiteDocument(TypedDict):
    code: str
    name: str
    kind: str
    uai: str | None
    address: str
    postal_code: str
    city: str
    director_name: str
    director_email: str
    director_phone: str
    organisation: str
    notes: str
    version: int


class RoomDocument(TypedDict, total=False):
    id: Required[int]
    name: Required[str]
    kind: Required[str]
    floor: Required[str]
    notes: Required[str]
    version: Required[int]
    site: Required[str | None]
    asset_count: int


class CategoryDocument(TypedDict):
    code: str
    name: str
    lifespan_years: int
    replacement_cost_cents: int
    price_change_bp: int
    criticality: int
    is_interactive_display: bool
    is_network: bool
    version: int


class ModelDocument(TypedDict):
    id: int
    category: str | None
    manufacturer: str
    name: str
    version: int


class FaultDocument(TypedDict):
    id: int
    site: str
    room: int | None
    room_name: str | None
    asset: str | None
    category: str | None
    symptom: str
    description: str
    teaching_blocked: bool
    status: str
    reported_by: str
    anonymous: bool
    assigned_to: str
    reject_reason: str
    created_at: str | None
    updated_at: str | None
    overdue: bool | None
    version: int


class SiteList(TypedDict):
    items: list[SiteDocument]
    next_cursor: str | None


class RoomList(TypedDict):
    items: list[RoomDocument]
    next_cursor: str | None


class CategoryList(TypedDict):
    items: list[CategoryDocument]
    next_cursor: str | None


class ModelList(TypedDict):
    items: list[ModelDocument]
    next_cursor: str | None


class FaultList(TypedDict):
    items: list[FaultDocument]
    next_cursor: str | None


class InterventionDocument(TypedDict):
    id: int
    asset: str
    kind: str
    done_on: str | None
    minutes_spent: int
    parts: str
    cost_cents: int
    notes: str
    technician: str
    created_at: str | None


class InterventionList(TypedDict):
    items: list[InterventionDocument]
    next_cursor: str | None


class PlanDocument(TypedDict):
    id: int
    name: str
    first_year: int
    years: int
    status: str
    settings: dict[str, Any]
    summary: dict[str, Any]
    approved_at: str | None
    approved_by: str
    version: int


class PlanList(TypedDict):
    items: list[PlanDocument]
    next_cursor: str | None


class PlanYear(TypedDict):
    year: int
    cap_cents: int
    spent_cents: int
    due_cents: int
    carried: int


class PlanLineDocument(TypedDict):
    year: int | None  # null: the unfunded backlog
    kind: str  # replace or new
    tag: str | None  # null for a new purchase
    site: str | None
    room: str | None
    category: str | None
    cost_cents: int
    score: int
    reason: str


class PlanDetail(PlanDocument):
    totals: list[PlanYear]
    backlog_cents: int
    lines: list[PlanLineDocument]
    next_cursor: str | None


# What the API reads. Bodies are checked by the services (the pages' rules, with translated
# messages per field), not by Litestar, so these types only document them: InventoryOpenAPI
# (below) writes them into the description.

class VersionInput(TypedDict, total=False):
    version: int  # the version read; a stale one gets 409


class AssetFields(VersionInput, total=False):
    model: int | None
    serial: str
    status: str  # in_service, in_stock, faulty, in_repair (retire through /status)
    purchase_date: str | None  # ISO date
    purchase_price_cents: int | None
    supplier: str
    order_ref: str
    warranty_end: str | None
    commissioning_date: str | None
    eol_year_override: int | None
    holder: str
    hostname: str
    ip_address: str
    mac_address: str
    firmware: str
    notes: str
    room: int | None


class AssetCreate(AssetFields, total=False):
    category: Required[str]  # category code
    site: Required[str]  # site code or UAI
    tag: str  # a reserved blank label's tag; otherwise the next tag is given
    replaces: str  # the tag of the device this one replaces (it is retired)


class AssetUpdate(AssetFields, total=False):
    category: str


class MoveInput(VersionInput, total=False):
    site: Required[str]
    room: int | None


class StatusInput(VersionInput, total=False):
    status: Required[str]  # in_service, in_stock, faulty, in_repair, retired


class SiteInput(VersionInput, total=False):
    code: str
    name: str
    kind: str
    uai: str | None
    address: str
    postal_code: str
    city: str
    director_name: str
    director_email: str
    director_phone: str
    organisation: str
    notes: str


class RoomUpdate(VersionInput, total=False):
    name: str
    kind: str  # classroom, office, network_cabinet, storage, hall, other
    floor: str
    notes: str


class RoomCreate(RoomUpdate, total=False):
    site: Required[str]
    name: Required[str]


class CategoryInput(VersionInput, total=False):
    code: str
    name: str
    lifespan_years: int
    replacement_cost_cents: int
    price_change_bp: int  # hundredths of a percent a year
    criticality: int  # 0..3
    is_interactive_display: bool
    is_network: bool


class ModelInput(VersionInput, total=False):
    category: str
    manufacturer: str
    name: str


class FaultCreate(TypedDict, total=False):
    asset: str  # the device's tag, or:
    room: int  # the room's id when the device is not known
    symptom: Required[str]
    description: str
    teaching_blocked: bool


class FaultAction(VersionInput, total=False):
    note: str  # required to reject


class InterventionInput(TypedDict, total=False):
    kind: str  # repair, preventive, installation, move, audit
    done_on: str  # ISO date, not in the future
    minutes_spent: int
    parts: str
    cost_cents: int
    notes: str


class PlanInput(VersionInput, total=False):
    """Also cap_<budget>_<year> (euros), weight_<name>, lifespan_<CATEGORY> and
    target_<i>_kinds / _category / _by_year, as in the plan form."""

    name: str
    first_year: int
    years: int
    budgets: str  # one, or split (schools and other buildings)


REQUEST_BODIES: dict[tuple[str, str], type] = {
    ("/api/v1/assets", "post"): AssetCreate,
    ("/api/v1/assets/{tag}", "patch"): AssetUpdate,
    ("/api/v1/assets/{tag}/move", "post"): MoveInput,
    ("/api/v1/assets/{tag}/status", "post"): StatusInput,
    ("/api/v1/assets/{tag}/interventions", "post"): InterventionInput,
    ("/api/v1/sites", "post"): SiteInput,
    ("/api/v1/sites/{code}", "patch"): SiteInput,
    ("/api/v1/rooms", "post"): RoomCreate,
    ("/api/v1/rooms/{room_id}", "patch"): RoomUpdate,
    ("/api/v1/categories", "post"): CategoryInput,
    ("/api/v1/categories/{code}", "patch"): CategoryInput,
    ("/api/v1/models", "post"): ModelInput,
    ("/api/v1/models/{model_id}", "patch"): ModelInput,
    ("/api/v1/faults", "post"): FaultCreate,
    ("/api/v1/faults/{fault_id}/{action}", "post"): FaultAction,
    ("/api/v1/plans", "post"): PlanInput,
    ("/api/v1/plans/{plan_id}", "patch"): PlanInput,
    ("/api/v1/plans/{plan_id}/approve", "post"): VersionInput,
}


def with_request_bodies(openapi: dict[str, Any]) -> dict[str, Any]:
    """The rendered description, with each write's body described by its input type."""
    types = sorted(set(REQUEST_BODIES.values()), key=lambda t: t.__name__)
    refs, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}")
    by_type = dict(zip(types, refs, strict=True))
    openapi.setdefault("components", {}).setdefault("schemas", {}).update(components)
    for (path, method), kind in REQUEST_BODIES.items():
        operation = openapi.get("paths", {}).get(path, {}).get(method)
        if operation is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": by_type[kind]}}}
    return openapi


class InventoryOpenAPI(JsonRenderPlugin):
    def render(self, request, openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, with_request_bodies(copy.deepcopy(openapi_schema)))
