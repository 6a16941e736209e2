"""Download exports: /exports/{kind}?format=xlsx|csv (and, for assets, the list's filters)."""

from __future__ import annotations

import io

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Stream

from inventory.accounts import permissions as p
from inventory.core import clock
from inventory.exporting import kinds
from inventory.web import compression

MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8"}


@get("/exports/{kind:str}", permission=p.FLEET_READ)
async def export_download(request: Request, kind: FromPath[str]) -> Response | Stream:
    found = kinds.KINDS.get(kind)
    if found is None:
        raise NotFoundException()
    if kind == "plans" and not p.allows(request.user.role, p.PLAN_READ):
        raise PermissionDeniedException()
    fmt = "xlsx" if request.query_params.get("format") == "xlsx" else "csv"
    name = f"{kind}-{clock.today().isoformat()}.{fmt}"
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    # A spreadsheet user gets what French Excel opens as is, in their language; scripts use
    # the CLI (codes) or the API.
    if fmt == "csv":  # streamed as the rows are read: a million rows start at once
        pieces = kinds.csv_chunks(found, "excel-csv", request.user.scope,
                                  request.query_params, localised=True)
        headers["vary"] = "Accept-Encoding"
        if compression.accepts(request.headers.get("accept-encoding", ""), "gzip"):
            # CSV is text: ~5x smaller on the wire, compressed here since the
            # middleware leaves streams alone.
            pieces = compression.gzipped(pieces)
            headers["content-encoding"] = "gzip"
        return Stream(pieces, media_type=MEDIA[fmt], headers=headers)
    out = io.BytesIO()  # a workbook is a zip: written whole, then sent
    await kinds.write(found, "xlsx", out, request.user.scope, request.query_params,
                      localised=True)
    return Response(out.getvalue(), media_type=MEDIA[fmt], headers=headers)


export_routes = [export_download]
