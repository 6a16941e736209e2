"""Organisation pages for the installation's administrators: list, create, edit."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.organisations import rules, service
from inventory.web.pages import form_data, form_post, form_version, render


def _form(status: int = 200, **context: object) -> Template:
    return render("organisations/form.html", status, kinds=rules.KINDS, **context)


@get("/admin/organisations", permission=p.ORGANISATION_ADMIN)
async def organisations_index() -> Template:
    return render("organisations/index.html", organisations=await service.list_organisations(),
                  kinds=rules.KINDS)


@get("/admin/organisations/new", permission=p.ORGANISATION_ADMIN)
async def organisation_new() -> Template:
    return _form(organisation=None, values={"kind": "commune"}, errors={})


@post("/admin/organisations/new", permission=p.ORGANISATION_ADMIN)
async def organisation_create(request: Request) -> Response:
    data = await form_data(request)
    return await form_post(
        service.create_organisation(data, request.user.actor),
        done="/admin/organisations",
        invalid=lambda errors: _form(400, organisation=None, values=data, errors=errors))


@get("/admin/organisations/{code:str}", permission=p.ORGANISATION_ADMIN)
async def organisation_edit(code: FromPath[str]) -> Template:
    organisation = await service.get_organisation(code)
    values = {**organisation, "siren": organisation["siren"] or ""}
    return _form(organisation=organisation, values=values, errors={})


@post("/admin/organisations/{code:str}", permission=p.ORGANISATION_ADMIN)
async def organisation_update(request: Request, code: FromPath[str]) -> Response:
    data = await form_data(request)
    organisation = await service.get_organisation(code)
    return await form_post(
        service.update_organisation(code, data, form_version(data), request.user.actor),
        done="/admin/organisations",
        invalid=lambda errors: _form(400, organisation=organisation, values=data,
                                     errors=errors),
        conflict=lambda current: _form(409, organisation=current, values=data, errors={},
                                       conflict=current))


organisation_routes = [organisations_index, organisation_new, organisation_create,
                       organisation_edit, organisation_update]
