"""Contract pages: the list, a contract with its members' cost report, purchases and
documents, the forms, the CSV report and the documents' downloads (scoped like the
contract)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.catalog import service as catalog
from inventory.contracts import reports, service, shares
from inventory.core.formatters import cents_to_input
from inventory.web.dependencies import ProcessSettings
from inventory.web.pages import RowId, form_data, form_post, form_version, render

MEMBER_ROWS = 6  # member lines a form offers (a groupement rarely has more)
LINE_ROWS = 8


@get("/contracts", permission=p.CONTRACT_READ)
async def contracts_index(request: Request) -> Template:
    rows = await service.list_contracts(request.user.scope)
    return render("contracts/index.html", contracts=rows, kinds=shares.KINDS)


async def _show(request: Request, contract_id: int, status: int = 200,
                **context: Any) -> Template:
    contract, purchases, report = await service.report(contract_id, request.user.scope)
    return render("contracts/show.html", status, contract=contract, purchases=purchases,
                  report=report, kinds=shares.KINDS,
                  shares_of={m["organisation"]: reports.share_text(contract, m["share"])
                             for m in report},
                  documents=await service.list_documents(contract_id), **context)


@get("/contracts/{contract_id:int}", permission=p.CONTRACT_READ)
async def contract_show(request: Request, contract_id: RowId) -> Template:
    return await _show(request, contract_id)


@get("/contracts/{contract_id:int}/report.csv", permission=p.CONTRACT_READ)
async def contract_report_csv(request: Request, contract_id: RowId) -> Response:
    contract, purchases, report = await service.report(contract_id, request.user.scope)
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in contract["reference"])
    return Response(reports.report_csv(contract, purchases, report),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="couts-{name}.csv"'})


def _form_values(data: dict[str, str]) -> dict[str, Any]:
    """The form's fields as the service reads them: member lines into `members`."""
    values: dict[str, Any] = {k: v for k, v in data.items() if not k.startswith("member_")}
    members = []
    for i in range(MEMBER_ROWS * 4):
        org = data.get(f"member_{i}_organisation", "").strip()
        if not org:
            continue
        members.append({"organisation": org, "percent": data.get(f"member_{i}_share", ""),
                        "amount_eur": data.get(f"member_{i}_share", "")})
    values["members"] = members
    return values


def _stored_values(contract: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: contract[k] for k in service.FIELDS}
    values["owner"] = contract["owner_code"]
    values["amount_eur"] = cents_to_input(contract["amount_cents"])
    for i, m in enumerate(contract["members"]):
        values[f"member_{i}_organisation"] = m["organisation_code"]
        values[f"member_{i}_share"] = (shares.bp_input(m["share"]) if contract["share_mode"]
                                       == shares.PERCENT else cents_to_input(m["share"]))
    return values


async def _form(status: int = 200, **context: Any) -> Template:
    organisations = await service.organisations()
    values = context.get("values", {})
    rows = max(MEMBER_ROWS, sum(1 for k in values if k.endswith("_organisation")) + 2)
    return render("contracts/form.html", status, organisations=organisations,
                  kinds=shares.KINDS, modes=shares.SHARE_MODES, member_rows=range(rows),
                  **context)


def _errors(errors: dict[str, str]) -> dict[str, str]:
    """members.N errors shown next to the member line."""
    return {(f"member_{k.split('.')[1]}_share" if k.startswith("members.") else k): v
            for k, v in errors.items()}


@get("/contracts/new", permission=p.CONTRACT_WRITE)
async def contract_new() -> Template:
    return await _form(contract=None, values={"kind": "groupement",
                                              "share_mode": shares.PERCENT}, errors={})


@post("/contracts/new", permission=p.CONTRACT_WRITE)
async def contract_create(request: Request) -> Response:
    data = await form_data(request)
    return await form_post(
        service.create_contract(_form_values(data), request.user.actor, request.user.scope),
        done=lambda row: f"/contracts/{row['id']}",
        invalid=lambda errors: _form(400, contract=None, values=data, errors=_errors(errors)))


@get("/contracts/{contract_id:int}/edit", permission=p.CONTRACT_WRITE)
async def contract_edit(request: Request, contract_id: RowId) -> Template:
    contract = await service.get_contract(contract_id, request.user.scope)
    return await _form(contract=contract, values=_stored_values(contract), errors={})


@post("/contracts/{contract_id:int}/edit", permission=p.CONTRACT_WRITE)
async def contract_update(request: Request, contract_id: RowId) -> Response:
    contract = await service.get_contract(contract_id, request.user.scope)
    data = await form_data(request)
    return await form_post(
        service.update_contract(contract_id, _form_values(data), form_version(data),
                                request.user.actor, request.user.scope),
        done=f"/contracts/{contract_id}",
        invalid=lambda errors: _form(400, contract=contract, values=data,
                                     errors=_errors(errors)),
        conflict=lambda current: _form(409, contract=contract, values=data, errors={},
                                       conflict=current))


@post("/contracts/{contract_id:int}/documents", permission=p.CONTRACT_WRITE,
      request_max_body_size=200 * 1024 * 1024)
async def contract_document_upload(request: Request, contract_id: RowId,
                                   settings: ProcessSettings) -> Response:
    form = await request.form()
    upload = form.get("file")
    data, filename = b"", ""
    if isinstance(upload, UploadFile) and upload.filename:
        # Read one byte past the limit: enough to refuse a larger file without keeping it.
        data = await upload.read(settings.document_max_mb * 1024 * 1024 + 1)
        filename = upload.filename
    return await form_post(
        service.add_document(contract_id, filename, data, request.user.actor,
                             request.user.scope, data_dir=settings.data_dir,
                             max_bytes=settings.document_max_mb * 1024 * 1024),
        done=f"/contracts/{contract_id}#documents",
        invalid=lambda errors: _show(request, contract_id, 400, upload_error=errors.get("file")))


@get("/contracts/{contract_id:int}/documents/{document_id:int}", permission=p.CONTRACT_READ)
async def contract_document(request: Request, contract_id: RowId, document_id: RowId,
                            settings: ProcessSettings) -> Response:
    path, row = await service.document(contract_id, document_id, request.user.scope,
                                       settings.data_dir)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in row["filename"])
    return Response(path.read_bytes(), media_type=row["media_type"], headers={
        "Content-Disposition": f'inline; filename="{safe}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox"})


# Purchases

async def _purchase_form(request: Request, status: int = 200, **context: Any) -> Template:
    contracts = await service.list_contracts(request.user.scope)
    categories = await catalog.list_categories(request.user.scope)
    return render("contracts/purchase_form.html", status, contracts=contracts,
                  categories=categories, line_rows=range(LINE_ROWS), **context)


def _purchase_values(data: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in data.items() if not k.startswith("line_")}
    lines = []
    for i in range(LINE_ROWS):
        line = {name: data.get(f"line_{i}_{name}", "").strip()
                for name in ("description", "category", "quantity", "unit_price_eur")}
        if any(line.values()):
            lines.append(line)
    values["lines"] = lines
    return values


def _line_errors(errors: dict[str, str]) -> dict[str, str]:
    return {(f"line_{k.split('.')[1]}" if k.startswith("lines.") else k): v
            for k, v in errors.items()}


@get("/purchases/new", permission=p.CONTRACT_WRITE)
async def purchase_new(request: Request) -> Template:
    return await _purchase_form(request, values={
        "contract": request.query_params.get("contract", "")}, errors={})


@post("/purchases/new", permission=p.CONTRACT_WRITE)
async def purchase_create(request: Request) -> Response:
    data = await form_data(request)
    return await form_post(
        service.create_purchase(_purchase_values(data), request.user.actor,
                                request.user.scope),
        done=lambda row: f"/contracts/{row['contract']}#purchases",
        invalid=lambda errors: _purchase_form(request, 400, values=data,
                                              errors=_line_errors(errors)))


contract_routes = [
    contracts_index, contract_show, contract_report_csv, contract_new, contract_create,
    contract_edit, contract_update, contract_document_upload, contract_document,
    purchase_new, purchase_create,
]
