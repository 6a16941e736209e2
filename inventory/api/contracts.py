"""JSON API v1: contracts (with their members' shares) and purchases. Thin handlers over
contracts.service, scoped by organisation there."""

from __future__ import annotations

from typing import Annotated

from litestar import Request
from litestar.params import JSONBody, Parameter

from inventory.accounts import permissions as p
from inventory.api.docs import api_get, api_patch, api_post, guarded, required_version
from inventory.api.filters import known_contract
from inventory.api.paging import Cursor, Limit, cut_page, int_cursor
from inventory.contracts import service
from inventory.contracts.documents import (
    ContractDocument,
    ContractInput,
    ContractList,
    PurchaseDocument,
    PurchaseInput,
    PurchaseList,
)
from inventory.web.pages import RowId


async def _contract(request: Request, contract_id: int) -> ContractDocument:
    return ContractDocument.of(await service.get_contract(contract_id, request.user.scope))


@api_get("/contracts", permission=p.CONTRACT_READ)
async def api_contracts(request: Request, limit: Limit = 100,
                        cursor: Cursor = None) -> ContractList:
    """Contracts by id: those of the account's organisations, owned or shared."""
    rows = await service.list_contracts(request.user.scope, after_id=int_cursor(cursor),
                                        limit=limit + 1)
    return ContractList(**cut_page(rows, limit, ContractDocument.of))


@api_get("/contracts/{contract_id:int}", permission=p.CONTRACT_READ)
async def api_contract(request: Request, contract_id: RowId) -> ContractDocument:
    return await _contract(request, contract_id)


@api_post("/contracts", permission=p.CONTRACT_WRITE)
async def api_contract_create(request: Request,
                              data: JSONBody[ContractInput]) -> ContractDocument:
    row = await service.create_contract(data.fields(), request.user.actor, request.user.scope)
    return ContractDocument.of(row)


@api_patch("/contracts/{contract_id:int}", permission=p.CONTRACT_WRITE,
           document=ContractDocument)
async def api_contract_update(request: Request, contract_id: RowId,
                              data: JSONBody[ContractInput]) -> ContractDocument:
    version = required_version(data)
    values = {k: v for k, v in data.fields().items() if k != "version"}
    return ContractDocument.of(await guarded(
        service.update_contract(contract_id, values, version, request.user.actor,
                                request.user.scope, partial=True),
        lambda: _contract(request, contract_id)))


async def _purchase(request: Request, purchase_id: int) -> PurchaseDocument:
    return PurchaseDocument.of(await service.get_purchase(purchase_id, request.user.scope))


@api_get("/purchases", permission=p.CONTRACT_READ)
async def api_purchases(
    request: Request,
    contract: Annotated[int | None, Parameter(
        ge=1, le=2_147_483_647, description="A contract's id (one the account sees)")] = None,
    limit: Limit = 100, cursor: Cursor = None,
) -> PurchaseList:
    """Purchases (orders) by id, of the contracts the account sees."""
    await known_contract(request.user.scope, contract)
    rows = await service.list_purchases(request.user.scope, contract_id=contract,
                                        after_id=int_cursor(cursor), limit=limit + 1)
    return PurchaseList(**cut_page(rows, limit, PurchaseDocument.of))


@api_get("/purchases/{purchase_id:int}", permission=p.CONTRACT_READ)
async def api_purchase(request: Request, purchase_id: RowId) -> PurchaseDocument:
    return await _purchase(request, purchase_id)


@api_post("/purchases", permission=p.CONTRACT_WRITE)
async def api_purchase_create(request: Request,
                              data: JSONBody[PurchaseInput]) -> PurchaseDocument:
    row = await service.create_purchase(data.fields(), request.user.actor, request.user.scope)
    return PurchaseDocument.of(row)


@api_patch("/purchases/{purchase_id:int}", permission=p.CONTRACT_WRITE,
           document=PurchaseDocument)
async def api_purchase_update(request: Request, purchase_id: RowId,
                              data: JSONBody[PurchaseInput]) -> PurchaseDocument:
    version = required_version(data)
    values = {k: v for k, v in data.fields().items() if k != "version"}
    return PurchaseDocument.of(await guarded(
        service.update_purchase(purchase_id, values, version, request.user.actor,
                                request.user.scope, partial=True),
        lambda: _purchase(request, purchase_id)))


contract_api_routes = [
    api_contracts, api_contract, api_contract_create, api_contract_update, api_purchases,
    api_purchase, api_purchase_create, api_purchase_update,
]
