"""Audit records as people read them: ids shown by name (sites, rooms, models, categories,
inventory audits, plans), statuses and amounts in words, for the asset's and the site's
histories and the audit log."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from inventory.accounts.permissions import ROLES
from inventory.assets.rules import STATUSES
from inventory.core import db
from inventory.core import parsers as v
from inventory.core.fields import PLAN_STATUSES, present_history
from inventory.core.formatters import format_cents
from inventory.core.i18n import _, get_language
from inventory.core.tables import InventoryCampaign
from inventory.faults.symptoms import all_symptoms
from inventory.faults.workflow import STATES as FAULT_STATES

REFERENCES = ("site", "room", "model", "category")
# Records whose key is a database id (the others are tags, codes or emails).
NAMED_BY_ID = ("room", "model", "plan", "campaign")


# The names of the ids the records hold, by kind: raw reads through an index (the asset page
# shows its history on every visit; Piccolo's query building cost more than the queries),
# all kinds in one round trip.
_NAME_SQL = {
    "site": "SELECT 'site' AS kind, id, name FROM site WHERE id IN ({})",
    "room": "SELECT 'room' AS kind, id, name FROM room WHERE id IN ({})",
    "model": "SELECT 'model' AS kind, id, TRIM(manufacturer || ' ' || name) AS name "
             "FROM equipment_model WHERE id IN ({})",
    "category": "SELECT 'category' AS kind, id, name FROM category WHERE id IN ({})",
    "plan": "SELECT 'plan' AS kind, id, name FROM renewal_plan WHERE id IN ({})",
}


async def _names(wanted: dict[str, set[int]]) -> dict[str, dict[int, str]]:
    names: dict[str, dict[int, str]] = {kind: {} for kind in wanted}
    parts: list[str] = []
    args: list[int] = []
    for kind, ids in wanted.items():
        if ids and kind in _NAME_SQL:
            ordered = sorted(ids)
            parts.append(_NAME_SQL[kind].format(", ".join("{}" for _id in ordered)))
            args.extend(ordered)
    if parts:
        for r in await db.fetch_small(" UNION ALL ".join(parts), *args):
            names[r["kind"]][r["id"]] = r["name"]
    if wanted.get("campaign"):
        names["campaign"] = await _campaign_names(sorted(wanted["campaign"]))
    return names


async def _campaign_names(wanted: list[int]) -> dict[int, str]:
    rows = await InventoryCampaign.select(
        InventoryCampaign.id, InventoryCampaign.started_at,
        InventoryCampaign.site.name.as_alias("site_name")).where(
        InventoryCampaign.id.is_in(wanted))
    from inventory.core.formatters import format_date

    def day(moment: Any) -> Any:
        return moment.date() if isinstance(moment, dt.datetime) else moment

    return {r["id"]: f"{r['site_name']}, {format_date(day(r['started_at']))}" for r in rows}


def _key_id(entry: dict[str, Any]) -> int | None:
    key = str(entry.get("entity_key") or "")
    return int(key) if key.isdigit() and int(key) <= v.INT_MAX else None


async def readable(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace ids by names in the changes, name what each record is about
    (entry["entity_name"]), then add the words of fields and actions (present_history)."""
    wanted: dict[str, set[int]] = {k: set() for k in (*REFERENCES, "plan", "campaign")}
    for entry in entries:
        for field_name, pair in entry["changes"].items():
            if field_name in REFERENCES:
                wanted[field_name].update(x for x in pair if isinstance(x, int))
            elif field_name == "sites":  # an account's sites: lists of ids
                wanted["site"].update(x for value in pair if isinstance(value, list)
                                      for x in value if isinstance(x, int))
        key = _key_id(entry)
        if key is not None and entry["entity"] in NAMED_BY_ID:
            wanted[entry["entity"]].add(key)
    names = await _names(wanted)
    for entry in entries:
        key = _key_id(entry)
        entry["entity_name"] = (names[entry["entity"]].get(key, "")
                                if key and entry["entity"] in NAMED_BY_ID else "")
        for field_name, pair in entry["changes"].items():
            entry["changes"][field_name] = [_value(entry["entity"], field_name, x, names)
                                            for x in pair]
    return present_history(entries)


def _value(entity: str, field_name: str, value: Any, names: dict[str, dict[int, str]]) -> Any:
    if value is None or value == "":
        return None
    if field_name in REFERENCES and isinstance(value, int):
        return names[field_name].get(value, value)
    if field_name == "status":
        words = {"fault": FAULT_STATES, "plan": PLAN_STATUSES}.get(entity, STATUSES)
        return str(words.get(value, value))
    if field_name == "symptom":
        return str(all_symptoms().get(value, value))
    if field_name == "symptoms" and isinstance(value, str):  # a category's: "pen,other"
        known = all_symptoms()
        return ", ".join(str(known.get(code, code)) for code in value.split(",") if code)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field_name == "role":
        return str(ROLES.get(value, value))
    if field_name == "sites" and isinstance(value, list):
        return ", ".join(str(names["site"].get(x, x)) for x in value) or None
    if field_name == "offset" and isinstance(value, str) and get_language() == "fr":
        return re.sub(r"(\d)\.(\d)", r"\1,\2", value)  # "1.5 ; -0.5 mm" as "1,5 ; -0,5 mm"
    if field_name.endswith("_cents") and isinstance(value, int):
        return format_cents(value)
    return value
