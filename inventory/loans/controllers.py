"""Loan pages: people (register, page, export, erasure), lending a device from its page (the
scan page's target), the return, the signed receipt, and the emailed link a person opens
without an account to accept."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.accounts import rules as account_rules
from inventory.accounts import service as accounts
from inventory.assets import service as assets
from inventory.core import clock
from inventory.core.errors import NotFound
from inventory.loans import receipt, rules, service
from inventory.organisations import service as organisations
from inventory.web.dependencies import Installation
from inventory.web.pages import RowId, form_data, form_post, form_version, render, see_other


async def _organisation_codes() -> dict[int, dict[str, Any]]:
    return {o["id"]: o for o in await organisations.list_organisations()}


@get("/loans", permission=p.LOAN_MANAGE)
async def loans_index(request: Request) -> Template:
    scope = request.user.scope
    today = clock.today()
    open_loans = await service.list_loans(scope, open_only=True, limit=100_000)
    for loan in open_loans:
        loan["overdue"] = rules.is_overdue(loan, today)
    open_loans.sort(key=lambda loan: (not loan["overdue"], loan["out_on"]))
    return render("loans/index.html", loans=open_loans,
                  overdue=sum(1 for loan in open_loans if loan["overdue"]))


@get("/people", permission=p.LOAN_MANAGE)
async def people_index(request: Request) -> Template:
    return render("loans/people.html", people=await service.list_people(request.user.scope),
                  organisations=await _organisation_codes())


async def _person_form(request: Request, values: dict[str, Any], errors: dict[str, str],
                       person: dict[str, Any] | None = None, status: int = 200) -> Template:
    return render("loans/person_form.html", status, values=values, errors=errors,
                  person=person, organisations=[
                      o for o in await organisations.list_organisations()
                      if request.user.scope.allows_organisation(o["id"])])


def _person_input(request_form: Any, data: dict[str, str]) -> dict[str, Any]:
    return {**data, "organisations": request_form.getall("organisations", [])}


@get("/people/new", permission=p.LOAN_MANAGE)
async def person_new(request: Request) -> Template:
    return await _person_form(request, {}, {})


@post("/people/new", permission=p.LOAN_MANAGE)
async def person_create(request: Request) -> Response:
    form = await request.form()
    data = _person_input(form, await form_data(request))
    return await form_post(
        service.create_person(data, request.user.actor, request.user.scope),
        done=lambda person: f"/people/{person['id']}",
        invalid=lambda errors: _person_form(request, data, errors, status=400))


@get("/people/{person_id:int}", permission=p.LOAN_MANAGE)
async def person_show(request: Request, person_id: RowId) -> Template:
    return await _person_page(request, person_id)


async def _person_page(request: Request, person_id: int, status: int = 200,
                       erase_error: str | None = None) -> Template:
    person = await service.get_person(person_id, request.user.scope)
    loans = await service.person_loans(person_id)
    today = clock.today()
    for loan in loans:
        loan["overdue"] = rules.is_overdue(loan, today)
    return render("loans/person.html", status, person=person, organisations=await _organisation_codes(),
                  holds=[loan for loan in loans if loan["returned_on"] is None],
                  held=[loan for loan in loans if loan["returned_on"] is not None],
                  erase_error=erase_error)


@get("/people/{person_id:int}/edit", permission=p.LOAN_MANAGE)
async def person_edit(request: Request, person_id: RowId) -> Template:
    person = await service.get_person(person_id, request.user.scope)
    if person["anonymised_at"] is not None:
        raise NotFound(str(person_id))
    codes = await _organisation_codes()
    values = {**person, "organisations": [codes[o]["code"] for o in person["organisations"]]}
    return await _person_form(request, values, {}, person)


@post("/people/{person_id:int}/edit", permission=p.LOAN_MANAGE)
async def person_update(request: Request, person_id: RowId) -> Response:
    person = await service.get_person(person_id, request.user.scope)
    form = await request.form()
    data = _person_input(form, await form_data(request))
    return await form_post(
        service.update_person(person_id, data, form_version(data), request.user.actor,
                              request.user.scope),
        done=f"/people/{person_id}",
        invalid=lambda errors: _person_form(request, data, errors, person, 400),
        conflict=lambda _row: _person_form(request, data, {"version": ""}, person, 409))


@get("/people/{person_id:int}/export", permission=p.LOAN_MANAGE)
async def person_export(request: Request, person_id: RowId) -> Response:
    exported = await service.export_person(person_id, request.user.scope)
    return Response(json.dumps(exported, ensure_ascii=False, indent=2),
                    media_type="application/json", headers={
                        "Content-Disposition": f'attachment; filename="person-{person_id}.json"',
                        "Cache-Control": "no-store"})


@post("/people/{person_id:int}/erase", permission=p.LOAN_MANAGE)
async def person_erase(request: Request, person_id: RowId) -> Response:
    def refused(errors: dict[str, str]) -> Any:
        return _person_page(request, person_id, 400,
                            errors.get("person") or next(iter(errors.values())))

    return await form_post(
        service.erase_person(person_id, request.user.actor, request.user.scope),
        done=lambda outcome: f"/people/{person_id}" if outcome == "anonymised"
        else "/people?erased=1", invalid=refused)


# Lending from the device's page


async def _lend_form(request: Request, tag: str, values: dict[str, Any],
                     errors: dict[str, str], status: int = 200) -> Template:
    asset = await assets.get_asset(tag, request.user.scope)
    people = await service.list_people(request.user.scope)
    return render("loans/lend.html", status, asset=asset, values=values, errors=errors,
                  people=[(person["id"], person["name"]) for person in people],
                  current=await service.current_loan(asset["id"]),
                  second=bool(errors.get("person") and values.get("person")
                              and "confirm_second" not in values))


@get("/a/{tag:str}/lend", permission=p.LOAN_MANAGE)
async def lend_form(request: Request, tag: FromPath[str]) -> Template:
    return await _lend_form(request, tag, {"person": request.query_params.get("person", "")},
                            {})


@post("/a/{tag:str}/lend", permission=p.LOAN_MANAGE)
async def lend(request: Request, tag: FromPath[str], installation: Installation) -> Response:
    data = await form_data(request)
    return await form_post(
        service.check_out(tag, data, request.user.actor, request.user.scope,
                          confirm_second=data.get("confirm_second") == "1",
                          base_url=installation.base_url or None),
        done=lambda result: f"/a/{result[0]['asset_tag']}?lent=1",
        invalid=lambda errors: _lend_form(request, tag, data, errors, 400))


@post("/loans/{loan_id:int}/return", permission=p.LOAN_MANAGE)
async def loan_return(request: Request, loan_id: RowId) -> Response:
    data = await form_data(request)
    loan = await service.get_loan(loan_id, request.user.scope)

    async def refused(errors: dict[str, str]) -> Template:
        return await _lend_form(request, loan["asset_tag"], data, errors, 400)

    return await form_post(
        service.check_in(loan_id, data, form_version(data), request.user.actor,
                         request.user.scope),
        done=f"/a/{loan['asset_tag']}?returned=1", invalid=refused,
        conflict=lambda _row: see_other(f"/a/{loan['asset_tag']}/lend"))


@post("/loans/{loan_id:int}/acknowledge", permission=p.LOAN_MANAGE)
async def loan_acknowledge(request: Request, loan_id: RowId) -> Response:
    loan = await service.acknowledge(loan_id, None, request.user.actor, request.user.scope)
    return see_other(f"/a/{loan['asset_tag']}/lend")


@get("/loans/{loan_id:int}/receipt.pdf", permission=p.LOAN_MANAGE)
async def loan_receipt(request: Request, loan_id: RowId,
                       installation: Installation) -> Response:
    loan = await service.get_loan(loan_id, request.user.scope)
    codes = await _organisation_codes()
    pdf = receipt.receipt_pdf(loan, installation.label_owner or "",
                              [codes[o]["name"] for o in loan["organisations"]])
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="loan-{loan_id}.pdf"',
        "Cache-Control": "no-store"})


# The emailed link: no account; throttled per client like the public label pages.


async def _throttle(request: Request) -> None:
    client = request.client.host if request.client else ""
    wait = await accounts.take_attempt(f"loan-link:{client}", account_rules.PUBLIC_VIEW_POLICY,
                                       accounts.now())
    if wait:
        raise HTTPException(status_code=429, headers={"Retry-After": str(wait)})


@get("/loans/acknowledge/{token:str}", permission=p.PUBLIC)
async def acknowledge_page(request: Request, token: FromPath[str]) -> Template:
    await _throttle(request)
    try:
        loan = await service.loan_by_token(token)
    except NotFound:
        return render("loans/acknowledge.html", 404, loan=None, token=token, done=False)
    return render("loans/acknowledge.html", loan=loan, token=token, done=False)


@post("/loans/acknowledge/{token:str}", permission=p.PUBLIC)
async def acknowledge_link(request: Request, token: FromPath[str]) -> Template:
    await _throttle(request)
    try:
        loan = await service.loan_by_token(token)
        await service.acknowledge_by_token(token)
    except NotFound:
        return render("loans/acknowledge.html", 404, loan=None, token=token, done=False)
    return render("loans/acknowledge.html", loan=loan, token=token, done=True)


loan_routes = [loans_index, people_index, person_new, person_create, person_show, person_edit,
               person_update, person_export, person_erase, lend_form, lend, loan_return,
               loan_acknowledge, loan_receipt, acknowledge_page, acknowledge_link]
