"""Fault pages: report in a few taps, the technicians' queue, a fault and its timeline."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from inventory.accounts import permissions as p
from inventory.accounts import service as accounts
from inventory.assets import service as assets
from inventory.catalog import service as catalog
from inventory.core.errors import NotFound
from inventory.core.parsers import row_number
from inventory.faults import photos, service, symptoms, workflow
from inventory.sites import service as sites
from inventory.web.dependencies import Installation, ProcessSettings
from inventory.web.pages import (
    RowId,
    form_data,
    form_post,
    form_version,
    query_string,
    query_text,
    render,
    see_other,
)


@get("/faults", permission=p.FLEET_READ)
async def faults_index(request: Request) -> Template:
    show_all = request.query_params.get("all") == "1"
    site, category = query_text(request, "site"), query_text(request, "category")
    rows = await service.queue(request.user.scope, site=site, category=category,
                               open_only=not show_all)
    return render("faults/index.html", faults=rows, show_all=show_all,
                  site=site, category=category,
                  sites=await sites.site_choices(request.user.scope), states=workflow.STATES,
                  categories=await catalog.list_categories(request.user.scope),
                  symptom_names=symptoms.all_symptoms())


async def _report_form(request: Request, values: dict, errors: dict, status: int = 200
                       ) -> Template:
    scope = request.user.scope
    asset = room = None
    room_assets: list = []
    if values.get("asset"):
        asset = await assets.get_asset(values["asset"], scope)
    elif (room_id := row_number(values.get("room"))) is not None:
        room = await sites.get_room(room_id, scope)
        page = await assets.list_assets(assets.AssetFilter(site=room["site_code"],
                                                           room=room["id"], status="active",
                                                           sort="category"), scope, 500)
        room_assets = page.rows
    else:
        raise NotFound("nothing to report on")
    choices = symptoms.offered(asset["category_symptoms"]) if asset else \
        symptoms.all_symptoms()
    # Open faults there come first ("same problem: follow it"), unless the person said it
    # is another problem.
    already = [] if values.get("another") or errors else await service.already_reported(
        scope, asset_id=asset["id"] if asset else None, room_id=room["id"] if room else None)
    return render("faults/new.html", status, asset=asset, room=room, room_assets=room_assets,
                  symptoms=choices, values=values, errors=errors, already=already,
                  states=workflow.STATES, symptom_names=symptoms.all_symptoms())


@get("/faults/new", permission=p.FAULT_REPORT)
async def fault_new(request: Request) -> Template:
    values = {k: request.query_params.get(k, "") for k in ("asset", "room", "another")}
    return await _report_form(request, values, {})


@post("/faults/new", permission=p.FAULT_REPORT, request_max_body_size=12 * 1024 * 1024)
async def fault_create(request: Request, installation: Installation) -> Response:
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("photo")
    photo = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    if data.get("device") and data["device"] != "room":
        data["asset"] = data["device"]  # chosen from the room's list
    return await form_post(
        service.report(data, request.user.actor, request.user.scope,
                       base_url=installation.filled_base_url, photo=photo,
                       data_dir=installation.data_dir),
        done=lambda fault: f"/faults/{fault['id']}?reported=1",
        invalid=lambda errors: _report_form(request, data, errors, 400))


async def _show(request: Request, fault_id: int, status: int = 200, **context) -> Template:
    fault = await service.get(fault_id, request.user.scope)
    return render("faults/show.html", status, fault=fault,
                  followers=await service.followers(fault_id),
                  events=await service.timeline(fault_id, request.user.scope),
                  states=workflow.STATES,
                  actions=workflow.available(fault["status"], request.user.role),
                  symptom_names=symptoms.all_symptoms(), **context)


@get("/faults/{fault_id:int}", permission=p.FLEET_READ)
async def fault_show(request: Request, fault_id: RowId) -> Template:
    return await _show(request, fault_id)


@post("/faults/{fault_id:int}/{action:str}", permission=p.FAULT_REPORT)
async def fault_transition(request: Request, fault_id: RowId, action: FromPath[str],
                           installation: Installation) -> Response:
    data = await form_data(request)
    if action == "follow":  # the same problem as one already reported: follow it
        return await form_post(
            service.follow(fault_id, request.user.actor, request.user.scope),
            done=f"/faults/{fault_id}?followed=1",
            invalid=lambda errors: _show(request, fault_id, 400,
                                         action_error=errors.get("action")))
    return await form_post(
        service.transition(fault_id, action, data.get("note", ""), request.user.actor,
                           request.user.role, request.user.scope, form_version(data),
                           base_url=installation.filled_base_url),
        done=f"/faults/{fault_id}",
        invalid=lambda errors: _show(request, fault_id, 400, action_error=errors.get("action"),
                                     note=data.get("note", "")),
        conflict=lambda _row: _show(request, fault_id, 409, conflict=True))


@get("/faults/{fault_id:int}/photo", permission=p.FLEET_READ)
async def fault_photo(request: Request, fault_id: RowId, settings: ProcessSettings) -> Response:
    fault = await service.get(fault_id, request.user.scope)  # scoped like the fault itself
    data = photos.load(settings.data_dir, fault["photo"])
    if data is None:
        raise NotFound(str(fault_id))
    return Response(data, media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400"})


@get("/r/{tag:str}", permission=p.PUBLIC)
async def public_report_form(request: Request, tag: FromPath[str]) -> Template | Redirect:
    """The page a label opens for a visitor without an account (when allowed): what the
    device is and where, and a short form; nothing else about it."""
    if request.scope.get("user"):
        return see_other(f"/a/{tag}")  # staff see the whole page
    if not await accounts.anonymous_reports():
        return see_other("/login" + query_string({"next": f"/a/{tag}", "staff": "1"}))
    if wait := await service.count_public_view(request.client.host if request.client else ""):
        raise HTTPException(status_code=429, headers={"Retry-After": str(wait)})
    device = await service.public_view(tag)
    return render("faults/public.html", device=device, values={}, errors={},
                  symptoms=symptoms.offered(device["category_symptoms"]),
                  sent=request.query_params.get("sent"),
                  already=await service.public_open_faults(device["id"]),
                  states=workflow.STATES, symptom_names=symptoms.all_symptoms())


@post("/r/{tag:str}", permission=p.PUBLIC)
async def public_report(request: Request, tag: FromPath[str],
                        installation: Installation) -> Response:
    if not await accounts.anonymous_reports():
        raise NotFound(tag)
    data = await form_data(request)
    client = request.client.host if request.client else "unknown"

    async def refused(errors: dict[str, str]) -> Template:
        device = await service.public_view(tag)
        status = 429 if "limit" in errors else 400
        return render("faults/public.html", status, device=device, values=data,
                      errors=errors, symptoms=symptoms.offered(device["category_symptoms"]),
                      sent=None, already=[], states=workflow.STATES,
                      symptom_names=symptoms.all_symptoms())

    return await form_post(
        service.report_anonymous(tag, data, client, base_url=installation.filled_base_url),
        done=f"/r/{tag}?sent=1", invalid=refused)


fault_routes = [public_report_form, public_report, faults_index, fault_new, fault_create,
                fault_show, fault_transition, fault_photo]
