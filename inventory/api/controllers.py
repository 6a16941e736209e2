"""JSON API v1: the same service functions and permission table as the pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router
from litestar.params import FromPath, JSONBody

from inventory.accounts import permissions as p
from inventory.api.docs import (
    AssetDocument,
    AssetList,
    CategoryList,
    HistoryEntry,
    ModelList,
    SiteDocument,
    SiteList,
    api_get,
    api_patch,
    api_post,
)
from inventory.api.resources import (
    body_of,
    category_document,
    decode_cursor,
    encode_cursor,
    limit_of,
    model_document,
    page_of,
    resource_routes,
    version_of,
)
from inventory.api.serialize import asset_document, jsonable, site_document
from inventory.assets import service as assets
from inventory.catalog import service as catalog
from inventory.setup.service import effective
from inventory.sites import service as sites


@api_get("/assets", permission=p.FLEET_READ)
async def api_assets(request: Request) -> AssetList:
    """With `limit` or `cursor`: cursor pagination in tag order (`next_cursor` is null on the
    last page). Without: numbered pages of the list page (`page`)."""
    f = assets.AssetFilter.from_query(request.query_params)
    if "limit" in request.query_params or "cursor" in request.query_params:
        limit = limit_of(request)
        rows = await assets.page_after(f, request.user.scope, decode_cursor(request) or "",
                                       limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return {"items": [asset_document(row) for row in rows],
                "next_cursor": encode_cursor(rows[-1]["tag"]) if more else None}
    page = await assets.list_assets(f, request.user.scope)
    # The list page reads fewer columns than a document has: read the page's assets whole.
    rows = await assets.details([row["tag"] for row in page.rows], request.user.scope)
    return {"total": page.total, "page": page.page, "pages": page.pages,
            "items": [asset_document(row) for row in rows]}


@api_get("/assets/{tag:str}", permission=p.FLEET_READ)
async def api_asset(request: Request, tag: FromPath[str]) -> AssetDocument:
    return asset_document(await assets.get_asset(tag, request.user.scope))


@api_post("/assets", permission=p.ASSET_WRITE)
async def api_asset_create(request: Request, data: JSONBody[Any]) -> AssetDocument:
    settings = await effective(request.app.state.settings)
    row = await assets.create(body_of(data), request.user.actor, request.user.scope,
                              prefix=settings.tag_prefix, digits=settings.tag_digits)
    return asset_document(row)


@api_patch("/assets/{tag:str}", permission=p.ASSET_WRITE)
async def api_asset_update(request: Request, tag: FromPath[str],
                           data: JSONBody[Any]) -> AssetDocument:
    body = body_of(data)
    return asset_document(await assets.update(
        tag, body, version_of(body, required=True), request.user.actor, request.user.scope))


@api_post("/assets/{tag:str}/move", status_code=200, permission=p.ASSET_WRITE)
async def api_asset_move(request: Request, tag: FromPath[str],
                         data: JSONBody[Any]) -> AssetDocument:
    body = body_of(data)
    return asset_document(await assets.move_asset(
        tag, body, version_of(body), request.user.actor, request.user.scope))


@api_post("/assets/{tag:str}/status", status_code=200, permission=p.ASSET_WRITE)
async def api_asset_status(request: Request, tag: FromPath[str],
                           data: JSONBody[Any]) -> AssetDocument:
    body = body_of(data)
    return asset_document(await assets.change_status(
        tag, body.get("status"), version_of(body), request.user.actor, request.user.scope))


@api_get("/assets/{tag:str}/history", permission=p.FLEET_READ)
async def api_asset_history(request: Request, tag: FromPath[str]) -> list[HistoryEntry]:
    await assets.get_asset(tag, request.user.scope)
    return jsonable(await assets.history(tag, request.user.scope))


@api_get("/sites", permission=p.FLEET_READ)
async def api_sites(request: Request) -> SiteList:
    return page_of(request, [site_document(s) for s in await sites.list_sites(request.user.scope)],
                   "code")


@api_get("/sites/{code:str}", permission=p.FLEET_READ)
async def api_site(request: Request, code: FromPath[str]) -> SiteDocument:
    return site_document(await sites.get_site(code, request.user.scope))


@api_post("/sites", permission=p.SITE_WRITE)
async def api_site_create(request: Request, data: JSONBody[Any]) -> SiteDocument:
    return site_document(await sites.create_site(body_of(data), request.user.actor))


@api_patch("/sites/{code:str}", permission=p.SITE_WRITE)
async def api_site_update(request: Request, code: FromPath[str],
                          data: JSONBody[Any]) -> SiteDocument:
    body = body_of(data)
    return site_document(await sites.update_site(code, body, version_of(body, required=True),
                                                 request.user.actor, request.user.scope,
                                                 partial=True))


@api_get("/categories", permission=p.FLEET_READ)
async def api_categories(request: Request) -> CategoryList:
    return page_of(request, [category_document(c)
                             for c in await catalog.list_categories(request.user.scope)], "code")


@api_get("/models", permission=p.FLEET_READ)
async def api_models(request: Request) -> ModelList:
    return page_of(request, [model_document(m)
                             for m in await catalog.list_models(request.user.scope)], "id")


api_router = Router(path="/api/v1", route_handlers=[
    api_assets, api_asset, api_asset_create, api_asset_update, api_asset_move,
    api_asset_status, api_asset_history, api_sites, api_site, api_site_create,
    api_site_update, api_categories, api_models, *resource_routes,
], tags=["api"], include_in_schema=True)
