"""Download exports: /exports/{kind}?format=xlsx|csv (and, for assets, the list's filters)."""

from __future__ import annotations

import io

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath

from inventory.accounts import permissions as p
from inventory.core import clock
from inventory.exporting import kinds

MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8"}


@get("/exports/{kind:str}", permission=p.FLEET_READ)
async def export_download(request: Request, kind: FromPath[str]) -> Response:
    found = kinds.KINDS.get(kind)
    if found is None:
        raise NotFoundException()
    if kind == "plans" and not p.allows(request.user.role, p.PLAN_READ):
        raise PermissionDeniedException()
    fmt = "xlsx" if request.query_params.get("format") == "xlsx" else "csv"
    out = io.BytesIO()
    # A spreadsheet user gets what French Excel opens as is, in their language; scripts use
    # the CLI (codes) or the API.
    await kinds.write(found, "xlsx" if fmt == "xlsx" else "excel-csv", out, request.user.scope,
                      request.query_params, localised=True)
    name = f"{kind}-{clock.today().isoformat()}.{fmt}"
    return Response(out.getvalue(), media_type=MEDIA[fmt],
                    headers={"content-disposition": f'attachment; filename="{name}"'})


export_routes = [export_download]
