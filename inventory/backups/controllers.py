"""The administrator's backup page: the last backup's time, size and result."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from inventory.accounts import permissions as p
from inventory.backups import service
from inventory.backups.display import human_size
from inventory.core.tables import BackupRun
from inventory.web.pages import render


@get("/admin/backups", permission=p.USER_ADMIN)
async def backups_page() -> Template:
    runs = await BackupRun.select().order_by(BackupRun.finished_at, ascending=False).limit(
        20).run()
    return render("backups/index.html", state=await service.status(), runs=runs,
                  size=human_size)


backup_routes = [backups_page]
