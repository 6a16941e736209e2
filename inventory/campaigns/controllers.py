"""Inventory audit pages: a phone-first flow, room by room."""

from __future__ import annotations

import io

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest

from inventory.accounts import permissions as p
from inventory.campaigns import rules, service
from inventory.core.i18n import _
from inventory.core.parsers import row_number
from inventory.exporting.columns import write_csv
from inventory.sites import service as sites
from inventory.web.dependencies import Installation
from inventory.web.htmx import vary_on_htmx, wants_fragment
from inventory.web.pages import RowId, confirmed, form_data, form_post, query_string, render, see_other


@get("/sites/{code:str}/inventory", permission=p.ASSET_SEEN)
async def campaigns_index(request: Request, code: FromPath[str]) -> Template:
    site = await sites.get_site(code, request.user.scope)
    return render("campaigns/index.html", site=site,
                  campaigns=await service.list_for_site(site["id"]))


@post("/sites/{code:str}/inventory", permission=p.ASSET_SEEN)
async def campaign_start(request: Request, code: FromPath[str]) -> Redirect:
    campaign_id = await service.start(code, request.user.actor, request.user.scope)
    return see_other(f"/inventory/{campaign_id}")


async def _page(request: Request, campaign_id: int, status: int = 200, errors=None,
                installation: Installation | None = None) -> Template:
    campaign = await service.get(campaign_id, request.user.scope)
    room_id = row_number(request.query_params.get("room", ""))
    last = request.query_params.get("last")
    return render("campaigns/show.html", status, campaign=campaign,
                  rooms=await sites.list_rooms(campaign["site"]),
                  room_id=room_id,
                  checks=await service.checks(campaign_id),
                  expected_here=(await service.expected_in_room(campaign_id, room_id)
                                 if room_id else []),
                  summary=await service.summary_of(campaign_id),
                  expected=await service.expected_count(campaign["site"]),
                  last=last, last_result=request.query_params.get("result"),
                  last_check=await service.check_of(campaign_id, last) if last else None,
                  public_url=installation.base_url if installation else "",
                  errors=errors or {}, results=rules)


@get("/inventory/{campaign_id:int}", permission=p.ASSET_SEEN)
async def campaign_show(request: Request, campaign_id: RowId,
                        installation: Installation) -> Template:
    return await _page(request, campaign_id, installation=installation)


async def _check_line(request: HTMXRequest, campaign_id: int, tag: str,
                      room_id: int | None) -> Template:
    """The answer to audit.js (the camera's scans): the record's line of the list."""
    return vary_on_htmx(render(
        "campaigns/_check.html", c=await service.check_of(campaign_id, tag),
        campaign=await service.get(campaign_id, request.user.scope), room_id=room_id,
        results=rules))


def _refused(errors: dict[str, str]) -> Response:
    """A scan sent by audit.js and refused: the messages as a line of text."""
    return vary_on_htmx(Response(" ".join(errors.values()), status_code=400,
                                 media_type="text/plain; charset=utf-8"))


@post("/inventory/{campaign_id:int}/check", permission=p.ASSET_SEEN)
async def campaign_check(request: HTMXRequest, campaign_id: RowId) -> Response:
    data = await form_data(request)
    room_id = row_number(data.get("room", ""))
    tag = data.get("tag", "").strip().upper()
    action = service.check(campaign_id, data.get("tag", ""), room_id, request.user.actor,
                           request.user.scope)
    if wants_fragment(request):
        return await form_post(
            action, done=lambda _result: _check_line(request, campaign_id, tag, room_id),
            invalid=_refused)
    return await form_post(
        action,
        done=lambda result: f"/inventory/{campaign_id}" + query_string(
            {"room": room_id or "", "last": tag, "result": result}),
        invalid=lambda errors: _page(request, campaign_id, 400, errors=errors))


@post("/inventory/{campaign_id:int}/move", permission=p.ASSET_WRITE)
async def campaign_move(request: HTMXRequest, campaign_id: RowId) -> Response:
    data = await form_data(request)
    action = service.move_here(campaign_id, data.get("tag", ""), request.user.actor,
                               request.user.scope)
    if wants_fragment(request):
        return await form_post(
            action, done=lambda _result: _check_line(request, campaign_id, data.get("tag", ""),
                                                     row_number(data.get("room", ""))),
            invalid=_refused)
    return await form_post(
        action,
        done=f"/inventory/{campaign_id}" + query_string({"room": data.get("room", "")}),
        invalid=lambda errors: _page(request, campaign_id, 400, errors=errors))


@post("/inventory/{campaign_id:int}/close", permission=p.ASSET_SEEN)
async def campaign_close(request: Request, campaign_id: RowId) -> Response:
    if not confirmed(await form_data(request)):
        return await _page(request, campaign_id, 400, errors={
            "confirm": _("Tick the box to confirm: closing cannot be undone.")})
    return await form_post(
        service.close(campaign_id, request.user.actor, request.user.scope),
        done=f"/inventory/{campaign_id}",
        invalid=lambda errors: _page(request, campaign_id, 400, errors=errors))


@get("/inventory/{campaign_id:int}/report.csv", permission=p.ASSET_SEEN)
async def campaign_report(request: Request, campaign_id: RowId) -> Response:
    campaign = await service.get(campaign_id, request.user.scope)
    out = io.StringIO()
    write_csv(service.REPORT_COLUMNS, service.report_rows(await service.checks(campaign_id)), out)
    # A byte-order mark so French Excel opens the accents right.
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition":
            f'attachment; filename="inventaire-{campaign["site_code"]}-{campaign_id}.csv"'})


campaign_routes = [campaigns_index, campaign_start, campaign_show, campaign_check, campaign_move,
                   campaign_close, campaign_report]
