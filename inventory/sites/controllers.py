"""Sites and rooms pages: parse, call the service, render."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.assets import service as assets
from inventory.core import audit
from inventory.history.words import readable
from inventory.organisations import service as organisations
from inventory.sites import service
from inventory.web.pages import RowId, form_data, form_post, form_version, render


@get("/sites", permission=p.FLEET_READ)
async def sites_index(request: Request) -> Template:
    return render("sites/index.html", sites=await service.list_sites(request.user.scope))


async def _owners(request: Request) -> list[tuple[str, str]]:
    """The organisations a site may belong to, when there is a choice to make: those the
    person works for, in an installation of several."""
    if not await organisations.several():
        return []
    return [(o["code"], o["name"]) for o in await organisations.choices(request.user.scope)]


@get("/sites/new", permission=p.SITE_WRITE)
async def site_new(request: Request) -> Template:
    return render("sites/form.html", site=None, values={"kind": "groupe_scolaire"}, errors={},
                  owners=await _owners(request))


@post("/sites/new", permission=p.SITE_WRITE)
async def site_create(request: Request) -> Response:
    data = await form_data(request)
    owners = await _owners(request)
    return await form_post(
        service.create_site(data, request.user.actor, request.user.scope),
        done=lambda site: f"/sites/{site['code']}",
        invalid=lambda errors: render("sites/form.html", 400, site=None, values=data,
                                      errors=errors, owners=owners))


@get("/sites/{code:str}", permission=p.FLEET_READ)
async def site_show(request: Request, code: FromPath[str]) -> Template:
    return await _show(request, await service.get_site(code, request.user.scope))


async def _show(request: Request, site: dict[str, Any], status: int = 200,
                transfer_error: str | None = None, transfer_conflict: bool = False) -> Template:
    rooms = await service.list_rooms(site["id"])
    # Counted as the dashboard and the sites list count: every device not retired.
    total = await assets.count_assets(assets.AssetFilter(site=site["code"], status="active"),
                                      request.user.scope)
    retired = await assets.count_assets(assets.AssetFilter(site=site["code"], status="retired"),
                                        request.user.scope)
    owners = await _owners(request)
    return render("sites/show.html", status, site=site, rooms=rooms, asset_total=total,
                  retired_total=retired, owners=owners, transfer_error=transfer_error,
                  transfer_conflict=transfer_conflict,
                  owner=await organisations.code_of(site["owner"]) if owners else None,
                  history=await readable(await audit.history("site", site["code"], limit=20)))


@get("/sites/{code:str}/edit", permission=p.SITE_WRITE)
async def site_edit(request: Request, code: FromPath[str]) -> Template:
    site = await service.get_site(code, request.user.scope)
    return render("sites/form.html", site=site, values=site, errors={})


@post("/sites/{code:str}/edit", permission=p.SITE_WRITE)
async def site_update(request: Request, code: FromPath[str]) -> Response:
    data = await form_data(request)
    site = await service.get_site(code, request.user.scope)
    return await form_post(
        service.update_site(code, data, form_version(data), request.user.actor,
                            request.user.scope),
        done=lambda saved: f"/sites/{saved['code']}",
        invalid=lambda errors: render("sites/form.html", 400, site=site, values=data,
                                      errors=errors),
        conflict=lambda current: render("sites/form.html", 409, site=current, values=data,
                                        errors={}, conflict=current))


@post("/sites/{code:str}/transfer", permission=p.SITE_WRITE)
async def site_transfer(request: Request, code: FromPath[str]) -> Response:
    """Give the site (and its organisation's devices there) to another organisation."""
    data = await form_data(request)
    site = await service.get_site(code, request.user.scope)
    return await form_post(
        assets.transfer_site(code, data.get("owner", ""), form_version(data),
                             request.user.actor, request.user.scope),
        done=lambda saved: f"/sites/{saved['code']}",
        invalid=lambda errors: _show(request, site, 400, errors.get("owner")),
        conflict=lambda current: _show(request, current, 409, transfer_conflict=True))


@get("/sites/{code:str}/rooms/new", permission=p.ROOM_WRITE)
async def room_new(request: Request, code: FromPath[str]) -> Template:
    site = await service.get_site(code, request.user.scope)
    return render("sites/room_form.html", site=site, room=None, values={"kind": "classroom"},
                  errors={})


@post("/sites/{code:str}/rooms/new", permission=p.ROOM_WRITE)
async def room_create(request: Request, code: FromPath[str]) -> Response:
    site = await service.get_site(code, request.user.scope)
    data = await form_data(request)
    return await form_post(
        service.create_room(code, data, request.user.actor, request.user.scope),
        done=lambda room: f"/rooms/{room['id']}",
        invalid=lambda errors: render("sites/room_form.html", 400, site=site, room=None,
                                      values=data, errors=errors))


@get("/rooms/{room_id:int}", permission=p.FLEET_READ)
async def room_show(request: Request, room_id: RowId) -> Template:
    room = await service.get_room(room_id, request.user.scope)
    page = await assets.list_assets(
        assets.AssetFilter(site=room["site_code"], room=room_id, sort="category"),
        request.user.scope, page_size=500)
    from inventory.campaigns.service import open_for_site

    return render("sites/room.html", room=room, assets=page.rows, total=page.total,
                  campaign=await open_for_site(room["site"]))


@get("/rooms/{room_id:int}/edit", permission=p.ROOM_WRITE)
async def room_edit(request: Request, room_id: RowId) -> Template:
    room = await service.get_room(room_id, request.user.scope)
    return render("sites/room_form.html", site={"code": room["site_code"],
                                                "name": room["site_name"]},
                  room=room, values=room, errors={})


@post("/rooms/{room_id:int}/edit", permission=p.ROOM_WRITE)
async def room_update(request: Request, room_id: RowId) -> Response:
    room = await service.get_room(room_id, request.user.scope)
    site = {"code": room["site_code"], "name": room["site_name"]}
    data = await form_data(request)
    return await form_post(
        service.update_room(room_id, data, form_version(data), request.user.actor,
                            request.user.scope),
        done=f"/rooms/{room_id}",
        invalid=lambda errors: render("sites/room_form.html", 400, site=site, room=room,
                                      values=data, errors=errors),
        conflict=lambda current: render("sites/room_form.html", 409, site=site, room=current,
                                        values=data, errors={}, conflict=current))


site_routes = [
    sites_index, site_new, site_create, site_show, site_edit, site_update, site_transfer,
    room_new, room_create, room_show, room_edit, room_update,
]
