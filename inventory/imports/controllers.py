"""Import pages: upload a file, map its columns, check (dry run), import. Thin: the service
does the work, the same as `inventory import`."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from inventory.accounts import permissions as p
from inventory.fields import FIELD_LABELS
from inventory.i18n import _
from inventory.imports import columns, reading, report_text, service, uploads
from inventory.settings import PROJECT_ROOT
from inventory.setup.service import effective
from inventory.web import render, see_other

EXAMPLE = PROJECT_ROOT / "examples" / "inventaire-exemple.csv"
SAMPLE_ROWS = 3
SHOWN_ROWS = 2000  # rows listed on the report page (counts and errors are always complete)


def _data_dir(request: Request) -> Path:
    return request.app.state.settings.data_dir


async def _importer(request: Request) -> service.Importer:
    user = request.user
    settings = await effective(request.app.state.settings)
    return service.Importer(actor=user.actor, scope=user.scope,
                            may_create_categories=user.can(p.CATALOG_WRITE),
                            prefix=settings.tag_prefix, digits=settings.tag_digits)


@get("/imports", permission=p.IMPORT_RUN)
async def import_index() -> Template:
    return render("imports/index.html", error="",
                  limit_mb=reading.MAX_FILE_BYTES // (1024 * 1024))


@post("/imports", permission=p.IMPORT_RUN,
      request_max_body_size=2 * reading.MAX_FILE_BYTES)
async def import_upload(request: Request) -> Template | Redirect:
    form = await request.form()
    upload = form.get("file")
    limit_mb = reading.MAX_FILE_BYTES // (1024 * 1024)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render("imports/index.html", 400, error=_("Choose a file to import."),
                      limit_mb=limit_mb)
    data = await upload.read()
    try:
        reading.check_size(len(data))
    except reading.FileProblem as problem:
        return render("imports/index.html", 400, error=problem.message, limit_mb=limit_mb)
    upload_id = uploads.save(_data_dir(request), request.user.id, upload.filename, data)
    path, _meta = uploads.load(_data_dir(request), upload_id, request.user.id)
    try:
        reading.inspect(path)
    except reading.FileProblem as problem:
        uploads.discard(_data_dir(request), upload_id)
        return render("imports/index.html", 400, error=problem.message, limit_mb=limit_mb)
    return see_other(f"/imports/{upload_id}")


@get("/imports/example.csv", permission=p.IMPORT_RUN)
async def import_example() -> Response:
    return Response(EXAMPLE.read_bytes(), media_type="text/csv; charset=windows-1252",
                    headers={"content-disposition":
                             f'attachment; filename="{EXAMPLE.name}"'})


def _samples(path: Path, info: reading.TableInfo) -> list[list[str]]:
    try:
        return [cells for _n, cells, _x in itertools.islice(reading.rows(path, info), SAMPLE_ROWS)]
    except reading.FileProblem:
        return []


def _mapping_page(upload_id: str, meta: dict[str, Any], path: Path, mapping: list[str],
                  status: int = 200, report: service.Report | None = None,
                  problem: str = "") -> Template:
    info = reading.inspect(path)
    return render(
        "imports/mapping.html", status, upload_id=upload_id, meta=meta, info=info,
        samples=_samples(path, info), mapping=mapping, fields=columns.FIELDS, report=report,
        problem=problem, shown_rows=SHOWN_ROWS, action_label=report_text.action_label,
        field_label=lambda name: str(FIELD_LABELS.get(name, columns.FIELDS.get(name, name))))


@get("/imports/{upload_id:str}", permission=p.IMPORT_RUN)
async def import_mapping(request: Request, upload_id: FromPath[str]) -> Template:
    path, meta = uploads.load(_data_dir(request), upload_id, request.user.id)
    try:
        info = reading.inspect(path)
    except reading.FileProblem as problem:
        return render("imports/index.html", 400, error=problem.message,
                      limit_mb=reading.MAX_FILE_BYTES // (1024 * 1024))
    return _mapping_page(upload_id, meta, path, columns.guess_mapping(info.header))


@post("/imports/{upload_id:str}", permission=p.IMPORT_RUN)
async def import_run(request: Request, upload_id: FromPath[str]) -> Template | Redirect:
    """Check the file with the chosen mapping (dry run), or import it ("action=import")."""
    path, meta = uploads.load(_data_dir(request), upload_id, request.user.id)
    form = await request.form()
    info = reading.inspect(path)
    mapping = service.mapping_from_form(info.header, form)
    try:
        columns.check_mapping(mapping)
    except columns.MappingProblem as problem:
        return _mapping_page(upload_id, meta, path, mapping, 400, problem=problem.message)
    commit = form.get("action") == "import"
    report = await service.run_import(path, mapping, await _importer(request),
                                        commit=commit)
    if report.committed:
        uploads.finish(_data_dir(request), upload_id, {
            "counts": dict(report.counts), "created": dict(report.created_refs)})
        return see_other(f"/imports/{upload_id}/done")
    return _mapping_page(upload_id, meta, path, mapping, 200 if report.ok else 400,
                         report=report, problem=report.problem)


@get("/imports/{upload_id:str}/done", permission=p.IMPORT_RUN)
async def import_done(request: Request, upload_id: FromPath[str]) -> Template:
    meta = uploads.outcome(_data_dir(request), upload_id, request.user.id)
    return render("imports/done.html", meta=meta, counts=meta["outcome"]["counts"],
                  created=meta["outcome"]["created"])


import_routes = [import_index, import_upload, import_example, import_mapping, import_run,
                 import_done]
