"""JSON API v1: the same service functions and permission table as the pages. Bodies and
answers are the features' typed documents (`<feature>/documents.py`); query parameters are
typed here, so a value that cannot be right is a 400 naming the parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from litestar import Request, Router, get
from litestar.exceptions import ValidationException
from litestar.params import FromPath, JSONBody, Parameter
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.api.contracts import contract_api_routes
from inventory.api.docs import (
    SECURITY,
    StaleVersion,
    api_get,
    api_patch,
    api_post,
    guarded,
    required_version,
    stale_version_handler,
    strict_body,
    validation_exception_handler,
)
from inventory.api.history import history_page
from inventory.api.idempotency import IdempotencyKey, once
from inventory.api.loans import loan_api_routes
from inventory.api.organisations import organisation_routes
from inventory.api.paging import Cursor, Limit, cut, decode_cursor, page_of
from inventory.api.resources import resource_routes
from inventory.assets import queries, rules
from inventory.assets import service as assets
from inventory.assets.documents import (
    AssetCreate,
    AssetDocument,
    AssetPage,
    AssetUpdate,
    HistoryPage,
    MoveInput,
    SeenInput,
    StatusInput,
)
from inventory.catalog import service as catalog
from inventory.catalog.documents import CategoryDocument, CategoryList, ModelDocument, ModelList
from inventory.core import kept
from inventory.core.documents import choice
from inventory.core.errors import NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.parsers import INT_MAX
from inventory.loans import service as loans
from inventory.organisations import service as organisations
from inventory.organisations.documents import TransferInput
from inventory.sites import service as sites
from inventory.sites.documents import SiteDocument, SiteInput, SiteList
from inventory.web.dependencies import Installation
from inventory.web.pages import render

if TYPE_CHECKING:  # built from the rules at import time: to a checker, some StrEnum
    StatusFilter = StrEnum
    WarrantyFilter = StrEnum
    SortKey = StrEnum
else:
    StatusFilter = choice("StatusFilter", [*rules.STATUSES, "active"])
    WarrantyFilter = choice("WarrantyFilter", ["expired", "ending", "active", "none"])
    SortKey = choice("SortKey", [*queries.SORT_COLUMNS,
                                 *(f"-{key}" for key in queries.SORT_COLUMNS)])


async def _held(request: Request, rows: Sequence[Mapping[str, Any]]
                ) -> Sequence[Mapping[str, Any]]:
    """`holder` is the current loan's person for those who may see people (personal data);
    otherwise, and for a device not lent, the free text recorded before loans existed."""
    if not p.allows(request.user.role, p.LOAN_MANAGE):
        return rows
    names = await loans.holders([row["id"] for row in rows])
    return [{**row, "holder": names[row["id"]]} if row["id"] in names else row
            for row in rows]


async def _asset(request: Request, tag: str) -> AssetDocument:
    return AssetDocument.of((await _held(request,
                                         [await assets.get_asset(tag, request.user.scope)]))[0])



async def _known_filters(request: Request, f: assets.AssetFilter) -> None:
    """A filter naming a site, category or room the person does not have is a 400 naming
    the parameter, not an empty list (a typo would read as "no such device"). `f` is the
    filter as read (control characters dropped, codes in capitals)."""
    errors = {}
    if f.site and not any(s["code"] == f.site
                          for s in await sites.site_choices(request.user.scope)):
        errors["site"] = _("No site of yours has this code.")
    if f.category and not any(c["code"] == f.category
                              for c in (await kept.rows(assets.CATEGORY_CHOICES))[0]):
        errors["category"] = _("No category has this code.")
    if f.room is not None:
        try:
            await sites.get_room(f.room, request.user.scope)
        except NotFound:
            errors["room"] = _("No room of yours has this number.")
    if errors:
        raise ValidationFailed(errors)


@api_get("/assets", permission=p.FLEET_READ)
async def api_assets(
    request: Request,
    q: Annotated[str | None, Parameter(max_length=100, description="Words searched in tags, "
                                       "serials, holders, models…")] = None,
    site: Annotated[str | None, Parameter(max_length=64, description="A site's code")] = None,
    room: Annotated[int | None, Parameter(ge=1, le=INT_MAX, description="A room's id")] = None,
    category: Annotated[str | None, Parameter(max_length=64,
                                              description="A category's code")] = None,
    status: Annotated[StatusFilter | None, Parameter(
        description="A status, or `active` for every status but retired")] = None,
    eol: Annotated[str | None, Parameter(
        pattern=r"^(past|[0-9]{4})$",
        description="End of life: a year, or `past` for at or beyond it")] = None,
    warranty: Annotated[WarrantyFilter | None, Parameter(
        description="Warranty: expired, ending (within 90 days), active, none")] = None,
    sort: Annotated[SortKey | None, Parameter(
        description="Numbered pages only: a column, `-` first for descending")] = None,
    page: Annotated[int | None, Parameter(ge=1, le=100_000, description=(
        "A numbered page (without `limit` and `cursor`)"))] = None,
    limit: Annotated[int | None, Parameter(ge=1, le=500, description=(
        "Cursor pages in tag order (with or without `cursor`)"))] = None,
    cursor: Cursor = None,
) -> AssetPage:
    """With `limit` or `cursor`: cursor pagination in tag order (`next_cursor` is null on the
    last page). Without: numbered pages of the list page (`page`)."""
    params = {"q": q, "site": site, "room": str(room) if room else None, "category": category,
              "status": status and status.value, "eol": eol,
              "warranty": warranty and warranty.value, "sort": sort and sort.value,
              "page": str(page) if page else None}
    f = assets.AssetFilter.from_query({k: v for k, v in params.items() if v is not None})
    await _known_filters(request, f)
    if limit is not None or cursor is not None:
        limit = limit or 100
        rows = await assets.page_after(f, request.user.scope, decode_cursor(cursor) or "",
                                       limit + 1)
        rows, next_cursor = cut(rows, limit, "tag")
        return AssetPage(items=[AssetDocument.of(row) for row in await _held(request, rows)],
                         next_cursor=next_cursor)
    listed = await assets.list_assets(f, request.user.scope)
    # The list page reads fewer columns than a document has: read the page's assets whole.
    rows = await assets.details([row["tag"] for row in listed.rows], request.user.scope)
    return AssetPage(total=listed.total, page=listed.page, pages=listed.pages,
                     items=[AssetDocument.of(row) for row in await _held(request, rows)])


@api_get("/assets/{tag:str}", permission=p.FLEET_READ)
async def api_asset(request: Request, tag: FromPath[str]) -> AssetDocument:
    return await _asset(request, tag)


@api_post("/assets", permission=p.ASSET_WRITE)
async def api_asset_create(request: Request, data: JSONBody[AssetCreate],
                           installation: Installation) -> AssetDocument:
    row = await assets.create(data.fields(), request.user.actor, request.user.scope,
                              prefix=installation.filled_tag_prefix, digits=installation.tag_digits)
    return AssetDocument.of(row)


@api_patch("/assets/{tag:str}", permission=p.ASSET_WRITE, document=AssetDocument)
async def api_asset_update(request: Request, tag: FromPath[str],
                           data: JSONBody[AssetUpdate]) -> AssetDocument:
    body = data.fields()
    return AssetDocument.of(await guarded(
        assets.update(tag, body, required_version(data), request.user.actor,
                      request.user.scope), lambda: _asset(request, tag)))


@api_post("/assets/{tag:str}/move", status_code=200, permission=p.ASSET_WRITE,
          document=AssetDocument)
async def api_asset_move(request: Request, tag: FromPath[str], data: JSONBody[MoveInput],
                         idempotency_key: IdempotencyKey = None) -> AssetDocument:
    async def move() -> AssetDocument:
        return AssetDocument.of(await guarded(
            assets.move_asset(tag, data.fields(), data.fields().get("version"),
                              request.user.actor, request.user.scope),
            lambda: _asset(request, tag)))

    return await once(request, idempotency_key, move)


@api_post("/assets/{tag:str}/seen", status_code=200, permission=p.ASSET_SEEN,
          document=AssetDocument)
async def api_asset_seen(request: Request, tag: FromPath[str], data: JSONBody[SeenInput],
                         idempotency_key: IdempotencyKey = None) -> AssetDocument:
    """Seen here today (an inventory check: the device's `last_seen_on`)."""
    async def seen() -> AssetDocument:
        return AssetDocument.of(await guarded(
            assets.mark_seen(tag, request.user.actor, request.user.scope,
                             data.fields().get("version")), lambda: _asset(request, tag)))

    return await once(request, idempotency_key, seen)


@api_post("/assets/{tag:str}/status", status_code=200, permission=p.ASSET_WRITE,
          document=AssetDocument)
async def api_asset_status(request: Request, tag: FromPath[str],
                           data: JSONBody[StatusInput]) -> AssetDocument:
    return AssetDocument.of(await guarded(
        assets.change_status(tag, data.status, data.fields().get("version"), request.user.actor,
                             request.user.scope), lambda: _asset(request, tag)))


@api_post("/assets/{tag:str}/transfer", status_code=200, permission=p.SITE_WRITE,
          document=AssetDocument)
async def api_asset_transfer(request: Request, tag: FromPath[str],
                             data: JSONBody[TransferInput]) -> AssetDocument:
    """Give the device to another organisation (`owner`: its code); it stays where it
    is. Only someone working for both (an administrator of both) may: 400 naming `owner`
    otherwise. Recorded in the device's history."""
    await guarded(assets.transfer_asset(tag, data.owner, required_version(data),
                                        request.user.actor, request.user.scope),
                  lambda: _asset(request, tag))
    return await _asset(request, tag)


@api_get("/assets/{tag:str}/history", permission=p.FLEET_READ)
async def api_asset_history(request: Request, tag: FromPath[str], limit: Limit = 100,
                            cursor: Cursor = None) -> HistoryPage:
    """The device's audit records, newest first, in codes."""
    asset = await assets.get_asset(tag, request.user.scope)
    return await history_page(asset["tag"], request.user.scope, limit, cursor)


# Sites

async def _site_documents(rows: list[dict]) -> list[SiteDocument]:
    owners = await organisations.codes([row["owner"] for row in rows])
    return [SiteDocument.from_row(row, owner=owners.get(row["owner"])) for row in rows]


async def _site(request: Request, code: str) -> SiteDocument:
    return (await _site_documents([await sites.get_site(code, request.user.scope)]))[0]


@api_get("/sites", permission=p.FLEET_READ)
async def api_sites(request: Request, limit: Limit = 100, cursor: Cursor = None) -> SiteList:
    listed = await _site_documents(await sites.list_sites(request.user.scope))
    return SiteList(**page_of(listed, "code", limit, cursor))


@api_get("/sites/{code:str}", permission=p.FLEET_READ)
async def api_site(request: Request, code: FromPath[str]) -> SiteDocument:
    return await _site(request, code)


@api_post("/sites", permission=p.SITE_WRITE)
async def api_site_create(request: Request, data: JSONBody[SiteInput]) -> SiteDocument:
    """A site of the account's organisation: the installation's first for its
    administrators, the first of theirs for an organisation's (transfer it after)."""
    row = await sites.create_site(data.fields(), request.user.actor, request.user.scope)
    return (await _site_documents([row]))[0]


@api_patch("/sites/{code:str}", permission=p.SITE_WRITE, document=SiteDocument)
async def api_site_update(request: Request, code: FromPath[str],
                          data: JSONBody[SiteInput]) -> SiteDocument:
    version = required_version(data)
    row = await guarded(
        sites.update_site(code, data.fields(), version, request.user.actor, request.user.scope,
                          partial=True),
        lambda: _site(request, code))
    return (await _site_documents([row]))[0]


@api_post("/sites/{code:str}/transfer", status_code=200, permission=p.SITE_WRITE,
          document=SiteDocument)
async def api_site_transfer(request: Request, code: FromPath[str],
                            data: JSONBody[TransferInput]) -> SiteDocument:
    """Give the site to another organisation (`owner`: its code), with the devices there
    that belonged to the site's organisation. Only someone working for both (an
    administrator of both) may: 400 naming `owner` otherwise. Recorded in the history."""
    row = await guarded(
        assets.transfer_site(code, data.owner, required_version(data), request.user.actor,
                            request.user.scope),
        lambda: _site(request, code))
    return (await _site_documents([row]))[0]


# Categories and models (reads; writes in resources.py)

@api_get("/categories", permission=p.FLEET_READ)
async def api_categories(request: Request, limit: Limit = 100,
                         cursor: Cursor = None) -> CategoryList:
    listed = [CategoryDocument.from_row(c)
              for c in await catalog.list_categories(request.user.scope)]
    return CategoryList(**page_of(listed, "code", limit, cursor))


@api_get("/models", permission=p.FLEET_READ)
async def api_models(request: Request, limit: Limit = 100, cursor: Cursor = None) -> ModelList:
    listed = [ModelDocument.from_row(m, category=m.get("category_code"))
              for m in await catalog.list_models(request.user.scope)]
    return ModelList(**page_of(listed, "id", limit, cursor))


api_router = Router(
    path="/api/v1", route_handlers=[
        api_assets, api_asset, api_asset_create, api_asset_update, api_asset_move,
        api_asset_seen, api_asset_status, api_asset_transfer, api_asset_history, api_sites,
        api_site, api_site_create, api_site_update, api_site_transfer, api_categories,
        api_models, *resource_routes, *loan_api_routes, *contract_api_routes,
        *organisation_routes,
    ], tags=["api"], include_in_schema=True, security=SECURITY, before_request=strict_body,
    exception_handlers={ValidationException: validation_exception_handler,
                        StaleVersion: stale_version_handler})


@get("/api/docs", permission=p.SIGNED_IN)
async def api_reference() -> Template:
    """The readable API reference (Swagger UI, vendored under static/)."""
    return render("api/docs.html")
