"""Asset pages: the list (with its htmx fragment), the asset page and its forms."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from inventory.accounts import permissions as p
from inventory.accounts.scope import Scope
from inventory.assets import service
from inventory.assets.queries import SORT_COLUMNS
from inventory.assets.rules import ACTIVE_STATUSES, STATUSES
from inventory.assets.scanning import scanned_target
from inventory.core.errors import Conflict, NotFound, ValidationFailed
from inventory.faults import service as faults
from inventory.faults import symptoms, workflow
from inventory.interventions import service as interventions
from inventory.labels import service as labels
from inventory.setup.service import effective
from inventory.web.pages import confirmed, form_data, form_version, is_htmx, query_string, render, see_other


def _settings(request: Request):
    return request.app.state.settings


@get("/assets", permission=p.FLEET_READ)
async def assets_index(request: Request) -> Template:
    f = service.AssetFilter.from_query(request.query_params)
    page = await service.list_assets(f, request.user.scope)
    choices = await service.filter_choices(f.site, request.user.scope)
    template = "assets/_list.html" if is_htmx(request) else "assets/index.html"
    # The column headers' links, made here: a template macro that calls functions keeps a
    # reference cycle through the render context (request, rows) alive until a GC pass.
    sort_urls = {key: "/assets" + query_string(f.sort_args(key)) for key in SORT_COLUMNS}
    return render(template, f=f, page=page, choices=choices, statuses=STATUSES,
                  sort_urls=sort_urls, oob=is_htmx(request))


@get("/assets/room-options", permission=p.FLEET_READ)
async def room_options(request: Request) -> Template:
    """htmx: the <option>s of the room select after the site changed."""
    site = request.query_params.get("site", "")
    choices = await service.filter_choices(site, request.user.scope)
    return render("assets/_room_options.html", rooms=choices["rooms"], selected=None)


async def _form(request: Request, template: str, status: int = 200, *, asset=None,
                values: dict[str, Any], errors: dict[str, str], conflict=None) -> Template:
    choices = await service.form_choices(values.get("site") or (asset or {}).get("site_code"),
                                         request.user.scope)
    return render(template, status, asset=asset, values=values, errors=errors, choices=choices,
                  conflict=conflict, statuses=ACTIVE_STATUSES)


@get("/assets/new", permission=p.ASSET_WRITE)
async def asset_new(request: Request) -> Template:
    values = {k: request.query_params.get(k, "") for k in ("site", "room", "category", "replaces")}
    if values["replaces"]:  # a successor starts where its predecessor is
        try:
            old = await service.get_asset(values["replaces"], request.user.scope)
            values.update(site=old["site_code"], room=str(old["room"] or ""),
                          category=old["category_code"], replaces=old["tag"])
        except NotFound:
            pass
    return await _form(request, "assets/form.html", values=values, errors={})


@post("/assets/new", permission=p.ASSET_WRITE)
async def asset_create(request: Request) -> Template | Redirect:
    data = await form_data(request)
    settings = await effective(_settings(request))
    try:
        asset = await service.create(data, request.user.actor, request.user.scope,
                                     prefix=settings.tag_prefix, digits=settings.tag_digits)
    except ValidationFailed as failed:
        template = "assets/blank.html" if data.get("tag") else "assets/form.html"
        return await _form(request, template, 400, values=data, errors=failed.errors)
    return see_other(f"/a/{asset['tag']}")


@get("/a/{tag:str}", permission=p.FLEET_READ)
async def asset_show(request: Request, tag: FromPath[str]) -> Template:
    try:
        asset = await service.get_asset(tag, request.user.scope)
    except NotFound:
        reserved = await labels.reserved_tag(tag)
        if reserved is None:
            raise
        # A blank label printed ahead of time: offer to register the device that wears it.
        values = {"tag": reserved["tag"], "site": request.query_params.get("site", "")}
        return await _form(request, "assets/blank.html", values=values, errors={})
    return await _show(asset, request.user.scope)


async def _show(asset: dict[str, Any], scope: Scope, status: int = 200, **context: Any
                ) -> Template:
    since = await service.in_scope_since(asset["tag"], scope)
    return render("assets/show.html", status, asset=asset,
                  history=await service.history(asset["tag"], scope), statuses=STATUSES,
                  interventions=await interventions.recent(asset["id"], since=since),
                  kinds=interventions.KINDS,
                  open_faults=await faults.for_asset(asset["id"], scope),
                  states=workflow.STATES, symptom_names=symptoms.all_symptoms(), **context)


def _edit_values(asset: dict[str, Any]) -> dict[str, Any]:
    values = dict(asset)
    values["category"] = asset["category_code"]
    values["site"] = asset["site_code"]
    return values


@get("/a/{tag:str}/edit", permission=p.ASSET_WRITE)
async def asset_edit(request: Request, tag: FromPath[str]) -> Template:
    asset = await service.get_asset(tag, request.user.scope)
    return await _form(request, "assets/edit.html", asset=asset, values=_edit_values(asset), errors={})


@post("/a/{tag:str}/edit", permission=p.ASSET_WRITE)
async def asset_update(request: Request, tag: FromPath[str]) -> Template | Redirect:
    asset = await service.get_asset(tag, request.user.scope)
    data = await form_data(request)
    try:
        await service.update(tag, data, form_version(data), request.user.actor,
                             request.user.scope)
    except ValidationFailed as failed:
        return await _form(request, "assets/edit.html", 400, asset=asset, values=data,
                           errors=failed.errors)
    except Conflict:
        current = await service.get_asset(tag, request.user.scope)
        return await _form(request, "assets/edit.html", 409, asset=current, values=data, errors={},
                           conflict=_edit_values(current))
    return see_other(f"/a/{asset['tag']}")


@get("/a/{tag:str}/move", permission=p.ASSET_WRITE)
async def asset_move_form(request: Request, tag: FromPath[str]) -> Template:
    asset = await service.get_asset(tag, request.user.scope)
    site = request.query_params.get("site") or asset["site_code"]
    values = {"site": site, "room": asset["room"] if site == asset["site_code"] else ""}
    return await _form(request, "assets/move.html", asset=asset, values=values, errors={})


@post("/a/{tag:str}/move", permission=p.ASSET_WRITE)
async def asset_move(request: Request, tag: FromPath[str]) -> Template | Redirect:
    asset = await service.get_asset(tag, request.user.scope)
    data = await form_data(request)
    try:
        await service.move_asset(tag, data, form_version(data), request.user.actor,
                                 request.user.scope)
    except ValidationFailed as failed:
        return await _form(request, "assets/move.html", 400, asset=asset, values=data,
                           errors=failed.errors)
    except Conflict:
        current = await service.get_asset(tag, request.user.scope)
        return await _form(request, "assets/move.html", 409, asset=current, values=data, errors={},
                           conflict=current)
    return see_other(f"/a/{asset['tag']}")


@post("/a/{tag:str}/status", permission=p.ASSET_WRITE)
async def asset_status(request: Request, tag: FromPath[str]) -> Template | Redirect:
    asset = await service.get_asset(tag, request.user.scope)
    data = await form_data(request)
    if data.get("status") == "retired" and asset["status"] != "retired" and not confirmed(data):
        # Retiring takes the device off every list: say so and ask first (a page, so it
        # works without JS).
        return render("assets/confirm_retire.html", asset=asset, version=data.get("version", ""))
    try:
        await service.change_status(tag, data.get("status"), form_version(data),
                                     request.user.actor, request.user.scope)
    except ValidationFailed as failed:
        return await _show(asset, request.user.scope, 400, status_error=failed.errors.get("status"))
    except Conflict:
        return await _show(await service.get_asset(tag, request.user.scope), request.user.scope, 409,
                           status_conflict=True)
    return see_other(f"/a/{asset['tag']}")


@post("/a/{tag:str}/seen", permission=p.ASSET_SEEN)
async def asset_seen(request: Request, tag: FromPath[str]) -> Redirect:
    await service.mark_seen(tag, request.user.actor, request.user.scope)
    return see_other(f"/a/{service.rules.normalise_tag(tag)}?seen=1")


@post("/a/{tag:str}/interventions", permission=p.INTERVENTION_LOG)
async def intervention_log(request: Request, tag: FromPath[str]) -> Template | Redirect:
    data = await form_data(request)
    try:
        await interventions.log(tag, data, request.user.actor, request.user.scope)
    except ValidationFailed as failed:
        asset = await service.get_asset(tag, request.user.scope)
        return await _show(asset, request.user.scope, 400, intervention_errors=failed.errors,
                           intervention=data)
    return see_other(f"/a/{service.rules.normalise_tag(tag)}?logged=1#interventions")


@get("/scan", permission=p.FLEET_READ)
async def scan(request: Request) -> Template | Redirect:
    """Scan labels with the phone's camera, or type a tag."""
    typed = (request.query_params.get("tag") or "").strip()
    installation = await effective(_settings(request))
    public = installation.base_url
    if typed:
        kind, value = scanned_target(typed, (str(request.base_url), public))
        if kind == "open":
            return see_other(value)
        if kind == "tag":
            return see_other(f"/a/{value}")
        if kind == "foreign":  # another installation's label: said, never opened as ours
            return render("assets/scan.html", foreign=value, public_url=public,
                          prefix=installation.tag_prefix)
        return see_other("/assets" + query_string({"q": typed}))
    return render("assets/scan.html", public_url=public, prefix=installation.tag_prefix)


asset_routes = [
    assets_index, room_options, asset_new, asset_create, asset_show, asset_edit, asset_update,
    asset_move_form, asset_move, asset_status, asset_seen, intervention_log, scan,
]
