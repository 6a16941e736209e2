"""An asset's history for the API: audit records newest first, paged by id, in codes (site
and category codes instead of ids, statuses and actions as codes, no translated words)."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from inventory.accounts.scope import Scope
from inventory.api.paging import encode_cursor, int_cursor
from inventory.assets import rules
from inventory.assets.documents import HistoryEntry, HistoryPage
from inventory.core import audit
from inventory.core.db import fetch_small
from inventory.core.tables import Category, Site

_COLUMNS = "SELECT id, at, actor, action, changes, site_id FROM audit_record "
# A device's whole history, for a reader who sees only some sites (the stretches elsewhere
# are folded into one entry before paging): far more than any device gathers.
_WHOLE = 100_000


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
    before = int_cursor(cursor)
    if scope.limited:
        entries = await audit.history("asset", tag, limit=_WHOLE)
        entries = rules.history_for_scope(entries, scope.allows)[0]
        entries = [e for e in entries if not before or e["id"] < before][:limit + 1]
    else:
        entries = await fetch_small(
            _COLUMNS + "WHERE entity_key = {} AND entity = 'asset' "
            + ("AND id < {} " if before else "") + "ORDER BY id DESC LIMIT {}",
            tag, *([before] if before else []), limit + 1)
    more = len(entries) > limit
    entries = entries[:limit]
    for entry in entries:
        if isinstance(entry["changes"], str):
            entry["changes"] = json.loads(entry["changes"])
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
