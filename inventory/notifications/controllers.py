"""The administrators' view of emails that did not go out: failed ones (with a retry) and
uncertain ones (the relay may have delivered them; tried once more on their own)."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.response import Redirect, Template

from inventory.accounts import permissions as p
from inventory.notifications import outbox
from inventory.web.pages import RowId, render, see_other


@get("/admin/outbox", permission=p.USER_ADMIN)
async def outbox_index() -> Template:
    rows = await outbox.troubled()
    return render("notifications/outbox.html", rows=rows,
                  failed=[r for r in rows if r["state"] == outbox.FAILED],
                  uncertain=[r for r in rows if r["state"] == outbox.UNCERTAIN],
                  max_attempts=outbox.MAX_ATTEMPTS)


@post("/admin/outbox/{message_id:int}/retry", permission=p.USER_ADMIN)
async def outbox_retry(request: Request, message_id: RowId) -> Redirect:
    retried = await outbox.retry(message_id, request.user.actor)
    return see_other("/admin/outbox?retried=1" if retried else "/admin/outbox?gone=1")


@post("/admin/outbox/retry-all", permission=p.USER_ADMIN)
async def outbox_retry_all(request: Request) -> Redirect:
    retried = await outbox.retry_all(request.user.actor)
    return see_other(f"/admin/outbox?retried={retried}" if retried else "/admin/outbox?gone=1")


outbox_routes = [outbox_index, outbox_retry, outbox_retry_all]
