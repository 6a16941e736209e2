"""Label pages: choose what to print, download the PDF; calibration, offsets, blank tags."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.assets.service import AssetFilter
from inventory.core.errors import ValidationFailed
from inventory.core.i18n import _, ngettext
from inventory.core.parsers import row_number
from inventory.core.settings import Settings
from inventory.labels import service
from inventory.labels.formats import all_formats
from inventory.organisations import service as organisations
from inventory.setup.service import must_confirm_address
from inventory.web.dependencies import Installation
from inventory.web.pages import form_data, form_post, query_string, render


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if isinstance(v, str)}


async def _page(request: Request, public: Settings, status: int = 200, errors=None,
                values=None) -> Template:
    values = values if values is not None else _params(request)
    fmt = values.get("format") or "avery-l7160"
    fmt = fmt if fmt in all_formats() else "avery-l7160"
    return render("labels/index.html", status, formats=all_formats(), values=values,
                  errors=errors or {}, sites=await service.sites_for(request.user.scope),
                  public_url=public.base_url,
                  local_address=await must_confirm_address(public),
                  offset=await service.get_offset(fmt), offset_format=fmt,
                  saved_offsets=await service.saved_offsets(),
                  filter_args=AssetFilter.from_query(values).query_args(page=""))


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}.pdf"', "Cache-Control": "no-store"})


@get("/labels", permission=p.LABEL_PRINT)
async def labels_index(request: Request, installation: Installation) -> Template:
    return await _page(request, installation)


async def _sheet(request: Request, settings: Settings, name: str, select) -> Response:
    """Validate the options, let `select(options)` choose the labels, draw them; any refusal
    comes back on the labels page next to what caused it."""
    values = _params(request)

    async def sheet() -> Response:
        await _check_address_confirmed(settings, values)
        options, fmt = service.clean_options(values, settings)
        contents = await select(values, options)
        return _pdf(await service.render(contents, options, fmt), f"{name}-{fmt.name}")

    return await form_post(sheet(), done=lambda pdf: pdf, invalid=lambda errors: _page(
        request, settings, 400, errors=errors, values=values))


async def _check_address_confirmed(settings, values: dict[str, str]) -> None:
    """Labels pointing at an address phones cannot reach are printed only when asked twice."""
    if await must_confirm_address(settings) and values.get("confirm_local") != "1":
        raise ValidationFailed({"confirm_local": _(
            "Confirm that you want labels pointing at %(address)s, which phones cannot reach.")
            % {"address": settings.base_url}})


@get("/labels/assets.pdf", permission=p.LABEL_PRINT)
async def labels_assets(request: Request, installation: Installation) -> Response:
    base_url = installation.filled_base_url

    async def select(values, options):
        tags, wrong = service.parse_tags(values.get("tags", ""))
        if wrong:
            raise ValidationFailed({"tags": _("These are not tags: %(words)s.")
                                    % {"words": ", ".join(wrong[:5])}})
        contents = await service.asset_contents(AssetFilter.from_query(values),
                                                request.user.scope, options,
                                                base_url=base_url, tags=tuple(tags))
        # A mistyped tag is reported, not silently left out of the sheet.
        missing = service.missing_tags(tags, contents)
        if missing:
            raise ValidationFailed({"tags": ngettext(
                "No asset has this tag (or it is outside the selection): %(tags)s.",
                "No asset has these tags (or they are outside the selection): %(tags)s.",
                len(missing)) % {"tags": ", ".join(missing[:10])}})
        return contents

    return await _sheet(request, installation, "labels", select)


@get("/labels/rooms.pdf", permission=p.LABEL_PRINT)
async def labels_rooms(request: Request, installation: Installation) -> Response:
    base_url = installation.filled_base_url

    async def select(values, options):
        room = values.get("room", "")
        return await service.room_contents(values.get("site", ""),
                                           row_number(room),
                                           request.user.scope, options, base_url=base_url)

    return await _sheet(request, installation, "rooms", select)


@get("/labels/calibration.pdf", permission=p.LABEL_PRINT)
async def labels_calibration(request: Request, installation: Installation) -> Response:
    values = _params(request)
    fmt = all_formats().get(values.get("format", ""))
    if fmt is None:
        return await _page(request, installation, 400, errors={"format": "?"}, values=values)
    return _pdf(await service.render_calibration(fmt), f"calibration-{fmt.name}")


@post("/labels/offsets", permission=p.ASSET_WRITE)
async def labels_offsets(request: Request, installation: Installation) -> Response:
    data = await form_data(request)
    return await form_post(
        service.set_offset(data.get("format", ""), data, request.user.actor),
        done="/labels" + query_string({"format": data.get("format"), "saved": "1"}),
        invalid=lambda errors: _page(request, installation, 400, errors=errors, values=data))


@post("/labels/blank", permission=p.ASSET_WRITE)
async def labels_blank(request: Request, installation: Installation) -> Response:
    data = await form_data(request)

    async def reserve() -> str:
        await _check_address_confirmed(installation, data)
        service.clean_options(data, installation)
        count = data.get("count", "")
        return await service.reserve_blank_tags(
            int(count) if count.strip().isdigit() else 0, request.user.actor,
            prefix=await organisations.reader_prefix(request.user.scope,
                                                     installation.tag_prefix or ""),
            digits=installation.tag_digits)

    return await form_post(
        reserve(),
        done=lambda batch: f"/labels/blank/{batch}" + query_string(
            {"format": data.get("format"), "skip": data.get("skip"),
             "confirm_local": data.get("confirm_local")}),
        invalid=lambda errors: _page(request, installation, 400, errors=errors, values=data))


@get("/labels/blank/{batch:str}", permission=p.ASSET_WRITE)
async def labels_blank_pdf(request: Request, batch: FromPath[str],
                           installation: Installation) -> Response:
    base_url = installation.filled_base_url

    async def select(values, options):
        return await service.blank_contents(batch, options, base_url=base_url)

    return await _sheet(request, installation, "blank", select)


label_routes = [labels_index, labels_assets, labels_rooms, labels_calibration, labels_offsets,
                labels_blank, labels_blank_pdf]
