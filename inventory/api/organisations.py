"""JSON API v1: organisations. Anyone signed in with the fleet's read right lists those they
work for; the installation's administrators create and change them."""

from __future__ import annotations

from litestar import Request
from litestar.params import FromPath, JSONBody

from inventory.accounts import permissions as p
from inventory.api.docs import api_get, api_patch, api_post, guarded, required_version
from inventory.api.paging import Cursor, Limit, page_of
from inventory.organisations import service as organisations
from inventory.organisations.documents import (
    OrganisationDocument,
    OrganisationInput,
    OrganisationList,
)


async def _organisation(request: Request, code: str) -> OrganisationDocument:
    return OrganisationDocument.from_row(
        await organisations.get_organisation(code, request.user.scope))


@api_get("/organisations", permission=p.FLEET_READ)
async def api_organisations(request: Request, limit: Limit = 100,
                            cursor: Cursor = None) -> OrganisationList:
    """The organisations the account works for (every one for the installation's
    administrators), in code order."""
    listed = [OrganisationDocument.from_row(o)
              for o in await organisations.list_organisations(request.user.scope)]
    return OrganisationList(**page_of(listed, "code", limit, cursor))


@api_get("/organisations/{code:str}", permission=p.FLEET_READ)
async def api_organisation(request: Request, code: FromPath[str]) -> OrganisationDocument:
    return await _organisation(request, code)


@api_post("/organisations", permission=p.ORGANISATION_ADMIN)
async def api_organisation_create(request: Request,
                                  data: JSONBody[OrganisationInput]) -> OrganisationDocument:
    return OrganisationDocument.from_row(
        await organisations.create_organisation(data.fields(), request.user.actor))


@api_patch("/organisations/{code:str}", permission=p.ORGANISATION_ADMIN,
           document=OrganisationDocument)
async def api_organisation_update(request: Request, code: FromPath[str],
                                  data: JSONBody[OrganisationInput]) -> OrganisationDocument:
    version = required_version(data)
    return OrganisationDocument.from_row(await guarded(
        organisations.update_organisation(code, data.fields(), version, request.user.actor,
                                          partial=True),
        lambda: _organisation(request, code)))


organisation_routes = [api_organisations, api_organisation, api_organisation_create,
                       api_organisation_update]
