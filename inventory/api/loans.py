"""JSON API v1: people and loans (check-out, check-in, acknowledgment), through the loans
service the pages call, under the same permission (loans.manage) and organisation scope."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated, Any

from litestar import Request
from litestar.params import JSONBody, Parameter

from inventory.accounts import permissions as p
from inventory.api.docs import api_get, api_patch, api_post, guarded, required_version
from inventory.api.paging import Cursor, Limit, cut_page, int_cursor
from inventory.core import clock
from inventory.core.documents import choice
from inventory.loans import service as loans
from inventory.loans.documents import (
    LoanAcknowledge,
    LoanCreate,
    LoanDocument,
    LoanList,
    LoanReturn,
    LoanUpdate,
    PersonDocument,
    PersonInput,
    PersonList,
)
from inventory.organisations import service as organisations
from inventory.web.dependencies import Installation
from inventory.web.pages import RowId

if TYPE_CHECKING:  # built from the rules at import time; its members are text ("open")
    LoanFilter = str
else:
    LoanFilter = choice("LoanFilter", ["open", "all"])


async def _codes() -> dict[int, str]:
    return {o["id"]: o["code"] for o in await organisations.list_organisations()}


async def _person(request: Request, person_id: int) -> PersonDocument:
    return PersonDocument.of(await loans.get_person(person_id, request.user.scope),
                             await _codes())


async def _loan(request: Request, loan_id: int) -> LoanDocument:
    return LoanDocument.of(await loans.get_loan(loan_id, request.user.scope), await _codes(),
                           clock.today())


async def _loan_after(request: Request, loan_id: int, write: Awaitable[Any]) -> LoanDocument:
    """The loan as `write` leaves it (a stale version: 409 with the loan as it is now)."""
    await guarded(write, lambda: _loan(request, loan_id))
    return await _loan(request, loan_id)


@api_get("/people", permission=p.LOAN_MANAGE)
async def api_people(request: Request, limit: Limit = 100,
                     cursor: Cursor = None) -> PersonList:
    """People of the account's organisations, by id (anonymised ones left out)."""
    rows = await loans.list_people(request.user.scope, after_id=int_cursor(cursor),
                                   limit=limit + 1)
    codes = await _codes()
    return PersonList(**cut_page(rows, limit, lambda row: PersonDocument.of(row, codes)))


@api_get("/people/{person_id:int}", permission=p.LOAN_MANAGE)
async def api_person(request: Request, person_id: RowId) -> PersonDocument:
    return await _person(request, person_id)


@api_post("/people", permission=p.LOAN_MANAGE)
async def api_person_create(request: Request, data: JSONBody[PersonInput]) -> PersonDocument:
    row = await loans.create_person(data.fields(), request.user.actor, request.user.scope)
    return PersonDocument.of(row, await _codes())


@api_patch("/people/{person_id:int}", permission=p.LOAN_MANAGE, document=PersonDocument)
async def api_person_update(request: Request, person_id: RowId,
                            data: JSONBody[PersonInput]) -> PersonDocument:
    row = await guarded(loans.update_person(person_id, data.fields(), required_version(data),
                                            request.user.actor, request.user.scope,
                                            partial=True),
                        lambda: _person(request, person_id))
    return PersonDocument.of(row, await _codes())


@api_get("/loans", permission=p.LOAN_MANAGE)
async def api_loans(
    request: Request,
    status: Annotated[LoanFilter, Parameter(
        description="`open` (devices still out) or `all` (the default)")] = "all",
    limit: Limit = 100, cursor: Cursor = None,
) -> LoanList:
    """Loans by id, of devices in the account's sites serving its organisations."""
    rows = await loans.list_loans(request.user.scope, open_only=status == "open",
                                  after_id=int_cursor(cursor), limit=limit + 1)
    codes, today = await _codes(), clock.today()
    return LoanList(**cut_page(rows, limit, lambda row: LoanDocument.of(row, codes, today)))


@api_get("/loans/{loan_id:int}", permission=p.LOAN_MANAGE)
async def api_loan(request: Request, loan_id: RowId) -> LoanDocument:
    return await _loan(request, loan_id)


@api_post("/loans", permission=p.LOAN_MANAGE)
async def api_loan_create(request: Request, data: JSONBody[LoanCreate],
                          installation: Installation) -> LoanDocument:
    """Check a device out. A person with an email is sent the link to acknowledge it (when
    the installation's public address is set)."""
    loan, _token = await loans.check_out(
        data.asset, data.fields(), request.user.actor, request.user.scope,
        confirm_second=bool(data.fields().get("confirm_second")),
        base_url=installation.base_url or None)
    return await _loan(request, loan["id"])


@api_patch("/loans/{loan_id:int}", permission=p.LOAN_MANAGE, document=LoanDocument)
async def api_loan_update(request: Request, loan_id: RowId,
                          data: JSONBody[LoanUpdate]) -> LoanDocument:
    return await _loan_after(request, loan_id, loans.update_loan(
        loan_id, data.fields(), required_version(data), request.user.actor, request.user.scope))


@api_post("/loans/{loan_id:int}/return", status_code=200, permission=p.LOAN_MANAGE,
          document=LoanDocument)
async def api_loan_return(request: Request, loan_id: RowId,
                          data: JSONBody[LoanReturn]) -> LoanDocument:
    """Check the device in."""
    return await _loan_after(request, loan_id, loans.check_in(
        loan_id, data.fields(), data.fields().get("version"), request.user.actor,
        request.user.scope))


@api_post("/loans/{loan_id:int}/acknowledge", status_code=200, permission=p.LOAN_MANAGE,
          document=LoanDocument)
async def api_loan_acknowledge(request: Request, loan_id: RowId,
                               data: JSONBody[LoanAcknowledge]) -> LoanDocument:
    """Record that the signed receipt came back (acknowledged now)."""
    return await _loan_after(request, loan_id, loans.acknowledge(
        loan_id, data.fields().get("version"), request.user.actor, request.user.scope))


loan_api_routes = [api_people, api_person, api_person_create, api_person_update, api_loans,
                   api_loan, api_loan_create, api_loan_update, api_loan_return,
                   api_loan_acknowledge]
