"""What a phone keeps of a site to work there offline. Pure: no DB, no HTTP.

The pages are the ones a technician opens in the field: the site, its rooms, each device's
page, its move form and its fault report form, each room's fault report form, the site's
inventory audit in progress (its page and each room's), the scan page and the "waiting to
send" page. The service worker shows these kept copies only when the
network fails, and only to the account that kept them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from inventory.core.i18n import LANGUAGES
from inventory.offline.words import script_name

# The static files the kept pages use: the rest of static/ is fetched when a page asks.
STATIC_FILES = ("vendor/pico.min.css", "app.css", "scan.js", "audit.js", "vendor/jsQR.js",
                "vendor/idb.umd.js", "offline-store.js", "offline.js", "offline-boot.js",
                "icon.svg", *(script_name(language) for language in LANGUAGES))


def kept_pages(site_code: str, room_ids: Iterable[int], tags: Iterable[str],
               audit_id: int | None = None) -> list[str]:
    """The addresses kept for one site, in the order they are fetched (most useful first:
    a phone that loses the signal half-way still has the device pages it fetched).
    `audit_id`: the site's inventory audit in progress, kept room by room."""
    code = quote(site_code, safe="")
    pages = ["/scan", "/offline", f"/sites/{code}"]
    rooms = list(room_ids)
    pages += [f"/rooms/{room}" for room in rooms]
    if audit_id is not None:
        pages += [f"/inventory/{audit_id}", *(f"/inventory/{audit_id}?room={r}" for r in rooms)]
    for tag in tags:
        t = quote(tag, safe="")
        pages += [f"/a/{t}", f"/faults/new?asset={t}", f"/a/{t}/move"]
    pages += [f"/faults/new?room={room}" for room in rooms]
    return pages


def device_snapshot(row: Mapping[str, Any], site_code: str, site_name: str,
                    status_label: str) -> dict[str, Any]:
    """What the phone remembers of a device: the version it saw and where it was, shown
    next to the device as it is now if a queued action meets a change made meanwhile."""
    return {"tag": row["tag"], "version": row["version"], "status": row["status"],
            "status_label": status_label, "site": site_code, "site_name": site_name,
            "room": row["room"], "room_name": row["room_name"] or "",
            "category_name": row["category_name"] or ""}
