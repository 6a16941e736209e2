"""Asset pages: the list (with its htmx fragment), the asset page and its forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest

from inventory.accounts import permissions as p
from inventory.accounts.scope import Scope
from inventory.accounts.service import CurrentUser
from inventory.assets import service
from inventory.assets.queries import SORT_COLUMNS, AssetRow
from inventory.assets.rules import ACTIVE_STATUSES, STATUSES
from inventory.assets.scanning import scanned_target, typed_number
from inventory.contracts import service as contracts
from inventory.core.errors import NotFound
from inventory.core.i18n import _
from inventory.core.parsers import row_number
from inventory.faults import service as faults
from inventory.faults import symptoms, workflow
from inventory.interventions import service as interventions
from inventory.labels import service as labels
from inventory.loans import service as loans
from inventory.organisations import service as organisations
from inventory.web.dependencies import Installation
from inventory.web.htmx import page_or_fragment, wants_fragment
from inventory.web.pages import confirmed, form_data, form_post, form_version, query_string, render, see_other


@get("/assets", permission=p.FLEET_READ)
async def assets_index(request: HTMXRequest) -> Template:
    f = service.AssetFilter.from_query(request.query_params)
    page = await service.list_assets(f, request.user.scope)
    choices = await service.filter_choices(f.site, request.user.scope)
    # The column headers' links, made here: a template macro that calls functions keeps a
    # reference cycle through the render context (request, rows) alive until a GC pass.
    sort_urls = {key: "/assets" + query_string(f.sort_args(key)) for key in SORT_COLUMNS}
    return page_or_fragment(request, "assets/index.html", "assets/_list.html", f=f, page=page,
                            choices=choices, statuses=STATUSES, sort_urls=sort_urls,
                            oob=wants_fragment(request))


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
    choices.update(await _link_options(request.user.scope, asset))
    choices["model_categories"] = _model_categories(choices["categories"], values.get("category"))
    return render(template, status, asset=asset, values=values, errors=errors, choices=choices,
                  conflict=conflict, statuses=ACTIVE_STATUSES)


def _model_categories(categories: list[dict[str, Any]], wanted: Any) -> list[dict[str, Any]]:
    """The categories whose models the model select offers: the chosen one's only (what the
    htmx /assets/model-options answers), every one, grouped, while none or an unknown one is
    chosen."""
    code = str(wanted or "").strip().upper()
    return [c for c in categories if c["code"] == code] or categories


async def _link_options(scope: Scope, asset: dict[str, Any] | None) -> dict[str, list]:
    """The contract and order choices: those the person sees, and the device's own (kept
    as they are when they belong to contracts the person does not see)."""
    listed, orders = await contracts.link_choices(scope)
    contract_options = [(c["id"], f"{c['reference']} · {c['title']}" if c["title"]
                         else c["reference"]) for c in listed]
    purchase_options = [(o["id"], "{} ({})".format(
        o["reference"] or _("Order %(num)d") % {"num": o["id"]}, o["contract_reference"]))
        for o in orders]
    if asset and asset.get("contract") and asset["contract"] not in {c["id"] for c in listed}:
        contract_options.append((asset["contract"],
                                 _("Contract %(ref)s") % {"ref": asset["contract"]}))
    if asset and asset.get("purchase") and asset["purchase"] not in {o["id"] for o in orders}:
        purchase_options.append((asset["purchase"], _("Order %(num)d") % {"num": asset["purchase"]}))
    return {"contracts": contract_options, "purchases": purchase_options}


@get("/assets/model-options", permission=p.FLEET_READ)
async def model_options(request: Request) -> Template:
    """htmx: the <option>s of the model select after the category changed: that category's
    models only (all of them, grouped, for no or an unknown category)."""
    choices = await service.form_choices(None, request.user.scope)
    categories = _model_categories(choices["categories"], request.query_params.get("category"))
    return render("assets/_model_options.html", categories=categories,
                  models=choices["models"], selected=None)


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
async def asset_create(request: Request, installation: Installation) -> Response:
    data = await form_data(request)
    template = "assets/blank.html" if data.get("tag") else "assets/form.html"
    return await form_post(
        service.create(data, request.user.actor, request.user.scope,
                       prefix=installation.filled_tag_prefix, digits=installation.tag_digits),
        done=lambda asset: f"/a/{asset['tag']}",
        invalid=lambda errors: _form(request, template, 400, values=data, errors=errors))


# The asset's page shows its latest changes; years of audits and interventions would make
# it grow without end (and slow on a weak link): the rest is on /a/{tag}/history.
HISTORY_ON_PAGE = 10
HISTORY_PAGE = 50


@get("/a/{tag:str}", permission=p.FLEET_READ)
async def asset_show(request: Request, tag: FromPath[str]) -> Template:
    try:
        asset = await service.get_asset(tag, request.user.scope, for_page=True)
    except NotFound:
        reserved = await labels.reserved_tag(tag)
        if reserved is None:
            raise
        # A blank label printed ahead of time: offer to register the device that wears it.
        values = {"tag": reserved["tag"], "site": request.query_params.get("site", "")}
        return await _form(request, "assets/blank.html", values=values, errors={})
    return await _show(asset, request.user)


async def _show(asset: Mapping[str, Any], user: CurrentUser, status: int = 200, **context: Any
                ) -> Template:
    """The asset's page for `asset`, a detail row (queries.AssetRow) or a conflict's copy."""
    scope = user.scope
    history = await service.history(asset["tag"], scope, HISTORY_ON_PAGE)
    # An installation of one organisation shows none (it looks as before they existed).
    owners = [(o["code"], o["name"]) for o in await organisations.choices(scope)] \
        if user.several_organisations else []
    # Read only what the device has (a row read for_page says; any other row, read it).
    return render("assets/show.html", status, asset=asset, owners=owners,
                  history=history.entries, statuses=STATUSES,
                  interventions=await interventions.recent(
                      asset["id"], since=history.in_scope_since)
                  if asset.get("has_interventions", True) else [],
                  kinds=interventions.KINDS,
                  open_faults=await faults.for_asset(asset["id"], scope)
                  if asset.get("has_faults", True) else [],
                  states=workflow.STATES, symptom_names=symptoms.all_symptoms(),
                  loan=await loans.current_loan(asset["id"])
                  if asset.get("has_loans", True) else None,
                  links=await contracts.links(asset["contract"], asset["purchase"], scope),
                  **context)


@get("/a/{tag:str}/history", permission=p.FLEET_READ)
async def asset_history(request: Request, tag: FromPath[str]) -> Template:
    """The whole history, HISTORY_PAGE records at a time (`?before=<record id>` for older)."""
    asset = await service.get_asset(tag, request.user.scope)
    before = row_number(request.query_params.get("before"))
    page = await service.history(asset["tag"], request.user.scope, HISTORY_PAGE, before)
    return render("assets/history.html", asset=asset, history=page.entries,
                  older=page.entries[-1]["id"] if page.more and page.entries else None,
                  newer=before is not None)


def _edit_values(asset: AssetRow) -> dict[str, Any]:
    values: dict[str, Any] = dict(asset)
    values["category"] = asset["category_code"]
    values["site"] = asset["site_code"]
    return values


@get("/a/{tag:str}/edit", permission=p.ASSET_WRITE)
async def asset_edit(request: Request, tag: FromPath[str]) -> Template:
    asset = await service.get_asset(tag, request.user.scope)
    return await _form(request, "assets/edit.html", asset=asset, values=_edit_values(asset), errors={})


async def _asset_form_post(request: Request, asset: AssetRow, data: dict[str, str],
                           template: str, action, shown=lambda current: current) -> Response:
    """An asset's form posted (edit, move): back to the asset's page, or the form again; over
    an older version, with the asset as stored now (read again for its site's and category's
    codes) next to what the person typed."""

    async def stale(_row) -> Template:
        current = await service.get_asset(asset["tag"], request.user.scope)
        return await _form(request, template, 409, asset=current, values=data, errors={},
                           conflict=shown(current))

    return await form_post(
        action, done=f"/a/{asset['tag']}", conflict=stale,
        invalid=lambda errors: _form(request, template, 400, asset=asset, values=data,
                                     errors=errors))


@post("/a/{tag:str}/edit", permission=p.ASSET_WRITE)
async def asset_update(request: Request, tag: FromPath[str]) -> Response:
    asset = await service.get_asset(tag, request.user.scope)
    data = await form_data(request)
    return await _asset_form_post(request, asset, data, "assets/edit.html", service.update(
        tag, data, form_version(data), request.user.actor, request.user.scope), _edit_values)


@get("/a/{tag:str}/move", permission=p.ASSET_WRITE)
async def asset_move_form(request: Request, tag: FromPath[str]) -> Template:
    asset = await service.get_asset(tag, request.user.scope)
    site = request.query_params.get("site") or asset["site_code"]
    values = {"site": site, "room": asset["room"] if site == asset["site_code"] else ""}
    return await _form(request, "assets/move.html", asset=asset, values=values, errors={})


@post("/a/{tag:str}/move", permission=p.ASSET_WRITE)
async def asset_move(request: Request, tag: FromPath[str]) -> Response:
    asset = await service.get_asset(tag, request.user.scope)
    data = await form_data(request)
    return await _asset_form_post(request, asset, data, "assets/move.html", service.move_asset(
        tag, data, form_version(data), request.user.actor, request.user.scope))


@post("/a/{tag:str}/status", permission=p.ASSET_WRITE)
async def asset_status(request: Request, tag: FromPath[str]) -> Response:
    asset = await service.get_asset(tag, request.user.scope)
    data = await form_data(request)
    if data.get("status") == "retired" and asset["status"] != "retired" and not confirmed(data):
        # Retiring takes the device off every list: say so and ask first (a page, so it
        # works without JS).
        return render("assets/confirm_retire.html", asset=asset, version=data.get("version", ""))

    async def stale(_row) -> Template:
        current = await service.get_asset(tag, request.user.scope)
        return await _show(current, request.user, 409, status_conflict=True)

    return await form_post(
        service.change_status(tag, data.get("status"), form_version(data),
                              request.user.actor, request.user.scope),
        done=f"/a/{asset['tag']}",
        invalid=lambda errors: _show(asset, request.user, 400,
                                     status_error=errors.get("status")),
        conflict=stale)


@post("/a/{tag:str}/seen", permission=p.ASSET_SEEN)
async def asset_seen(request: Request, tag: FromPath[str]) -> Redirect:
    await service.mark_seen(tag, request.user.actor, request.user.scope)
    return see_other(f"/a/{service.rules.normalise_tag(tag)}?seen=1")


@post("/a/{tag:str}/interventions", permission=p.INTERVENTION_LOG)
async def intervention_log(request: Request, tag: FromPath[str]) -> Response:
    data = await form_data(request)

    async def refused(errors: dict[str, str]) -> Template:
        asset = await service.get_asset(tag, request.user.scope)
        return await _show(asset, request.user, 400, intervention_errors=errors,
                           intervention=data)

    return await form_post(
        interventions.log(tag, data, request.user.actor, request.user.scope),
        done=f"/a/{service.rules.normalise_tag(tag)}?logged=1#interventions", invalid=refused)


@get("/scan", permission=p.FLEET_READ)
async def scan(request: Request, installation: Installation) -> Template | Redirect:
    """Scan labels with the phone's camera, or type a tag."""
    typed = (request.query_params.get("tag") or "").strip()
    public = installation.filled_base_url
    # The example in the box: the reader's organisation's prefix. Any prefix typed is
    # looked up (tags_numbered), within what the reader sees.
    prefix = await organisations.reader_prefix(request.user.scope, installation.tag_prefix or "")
    if typed:
        kind, value = scanned_target(typed, (str(request.base_url), public))
        if kind == "open":
            return see_other(value)
        if kind == "foreign":  # another installation's label: said, never opened as ours
            return render("assets/scan.html", foreign=value, public_url=public, prefix=prefix)
        scope = request.user.scope
        if kind == "tag" and await service.tag_exists(value, scope):
            return see_other(f"/a/{value}")
        # A number ("23", "000023", "BRN-23"): the one tag that has it, before any search.
        if number := typed_number(value):
            found = await service.tags_numbered(*number, scope)
            if len(found) == 1:
                return see_other(f"/a/{found[0]}")
        if kind == "tag":
            return see_other(f"/a/{value}")  # unknown: its page says so, with a search box
        return see_other("/assets" + query_string({"q": typed}))
    return render("assets/scan.html", public_url=public, prefix=prefix)


@post("/a/{tag:str}/transfer", permission=p.SITE_WRITE)
async def asset_transfer(request: Request, tag: FromPath[str]) -> Response:
    """Give the device to another organisation (an administrator of both)."""
    data = await form_data(request)
    asset = await service.get_asset(tag, request.user.scope)
    return await form_post(
        service.transfer_asset(tag, data.get("owner", ""), form_version(data),
                               request.user.actor, request.user.scope),
        done=f"/a/{asset['tag']}",
        invalid=lambda errors: _show(asset, request.user, 400,
                                     transfer_error=errors.get("owner")),
        conflict=lambda current: _show(current, request.user, 409, transfer_conflict=True))


asset_routes = [
    assets_index, room_options, model_options, asset_new, asset_create, asset_show, asset_history,
    asset_edit,
    asset_update,
    asset_move_form, asset_move, asset_status, asset_seen, intervention_log, scan,
    asset_transfer,
]
