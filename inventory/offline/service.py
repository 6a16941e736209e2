"""What a phone keeps of a site: its rooms and devices (reads only)."""

from __future__ import annotations

from typing import Any

from inventory.accounts.scope import Scope
from inventory.assets.rules import STATUSES
from inventory.campaigns import service as campaigns
from inventory.core import clock, db
from inventory.offline import rules
from inventory.sites import service as sites


async def kept_site(code: str, scope: Scope) -> dict[str, Any]:
    """The site (404 outside the person's sites), its rooms, and its devices in service
    (retired ones are off every list), with the pages to keep (its inventory audit in
    progress, if any, included)."""
    site = await sites.get_site(code, scope)
    rooms = await sites.list_rooms(site["id"])
    rows = await db.fetch_all(
        "SELECT asset.tag, asset.version, asset.status, asset.room, room.name AS room_name, "
        "category.name AS category_name FROM asset "
        "LEFT JOIN room ON room.id = asset.room "
        "LEFT JOIN category ON category.id = asset.category "
        "WHERE asset.site = {} AND asset.status != 'retired' ORDER BY asset.tag", site["id"])
    audit = await campaigns.open_for_site(site["id"])
    devices = [rules.device_snapshot(row, site["code"], site["name"],
                                     str(STATUSES.get(row["status"], row["status"])))
               for row in rows]
    return {"site": site["code"], "name": site["name"], "kept_at": clock.now().isoformat(),
            "pages": rules.kept_pages(site["code"], [r["id"] for r in rooms],
                                      [d["tag"] for d in devices],
                                      audit["id"] if audit else None),
            "rooms": [{"id": r["id"], "name": r["name"]} for r in rooms], "devices": devices}
