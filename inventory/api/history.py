"""An asset's history for the API: audit records newest first, paged by id, in codes (site
and category codes instead of ids, statuses and actions as codes, no translated words)."""

from __future__ import annotations

from typing import Any

import msgspec

from inventory.accounts.scope import Scope
from inventory.api.paging import encode_cursor, int_cursor
from inventory.assets import service as assets
from inventory.assets.documents import HistoryEntry, HistoryPage
from inventory.core.tables import Category, Site


def coded(changes: dict[str, list[Any]], codes: dict[str, dict[int, str]]) -> dict[str, list[Any]]:
    """Ids of sites and categories as their codes (pure); other values as stored."""
    out = {}
    for name, pair in changes.items():
        if name in codes:
            pair = [codes[name].get(x, x) if isinstance(x, int) and not isinstance(x, bool)
                    else x for x in pair]
        out[name] = list(pair)
    return out


async def history_page(tag: str, scope: Scope, limit: int, cursor: str | None) -> HistoryPage:
    page = await assets.history_entries(tag, scope, limit, int_cursor(cursor))
    entries, more = page.entries, page.more
    codes = await _codes(entries)
    items = [msgspec.convert({"id": e["id"], "at": e["at"], "actor": e["actor"] or "",
                              "action": e["action"], "changes": coded(e["changes"], codes)},
                             HistoryEntry, strict=False) for e in entries]
    return HistoryPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)


async def _codes(entries: list[dict[str, Any]]) -> dict[str, dict[int, str]]:
    wanted: dict[str, set[int]] = {"site": set(), "category": set()}
    for entry in entries:
        for name, ids in wanted.items():
            ids.update(x for x in entry["changes"].get(name, ())
                       if isinstance(x, int) and not isinstance(x, bool))
    codes: dict[str, dict[int, str]] = {"site": {}, "category": {}}
    if wanted["site"]:
        rows = await Site.select(Site.id, Site.code).where(Site.id.is_in(sorted(wanted["site"])))
        codes["site"] = {r["id"]: r["code"] for r in rows}
    if wanted["category"]:
        rows = await Category.select(Category.id, Category.code).where(
            Category.id.is_in(sorted(wanted["category"])))
        codes["category"] = {r["id"]: r["code"] for r in rows}
    return codes
