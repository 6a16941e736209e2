"""Preventive maintenance: tasks, the daily job that creates due items, completing them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from inventory.accounts.scope import Scope
from inventory.assets import service as assets
from inventory.core import audit, clock
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import Asset, Category, MaintenanceItem, MaintenanceTask
from inventory.interventions import service as interventions
from inventory.maintenance import schedule


async def list_tasks() -> list[dict[str, Any]]:
    return await MaintenanceTask.select(
        *MaintenanceTask.all_columns(), MaintenanceTask.category.name.as_alias("category_name"),
        MaintenanceTask.asset.tag.as_alias("asset_tag")).order_by(MaintenanceTask.name).run()


async def create_task(raw: Mapping[str, Any], actor: Actor | str) -> dict[str, Any]:
    c = Collector()
    c.field("name", v.text, raw.get("name"), required=True, max_length=200)
    c.field("interval_days", v.integer, raw.get("interval_days"), required=True, minimum=1,
            maximum=3650)
    # The first occurrence counts from this day (today unless chosen), not from each
    # device's purchase.
    starts_on = c.field("starts_on", v.date, raw.get("starts_on"))
    if starts_on is not None and not dt.date(2000, 1, 1) <= starts_on <= \
            clock.today() + dt.timedelta(days=3650):
        c.error("starts_on", _("Choose a day between 2000 and ten years from now."))
    category_code = (raw.get("category") or "").strip().upper()
    tag = (raw.get("asset") or "").strip().upper()
    values: dict[str, Any] = {}
    if bool(category_code) == bool(tag):
        c.error("category", _("Choose a category, or give one asset's tag."))
    elif category_code:
        category = await Category.select(Category.id).where(
            Category.code == category_code).first().run()
        if category is None:
            c.error("category", _("Choose one of the proposed values."))
        else:
            values["category"] = category["id"]
    else:
        asset = await Asset.select(Asset.id).where(Asset.tag == tag).first().run()
        if asset is None:
            c.error("asset", _("No asset has this tag."))
        else:
            values["asset"] = asset["id"]
    c.raise_if_any()
    start = c.values.get("starts_on") or clock.today()
    async with audit.atomic():
        row = (await MaintenanceTask.insert(MaintenanceTask(
            name=c.values["name"], interval_days=c.values["interval_days"], starts_on=start,
            **values)).returning(MaintenanceTask.id).run())[0]
        await audit.record(actor=actor, entity="maintenance", entity_key=str(row["id"]),
                           action="create", changes={"name": [None, c.values["name"]],
                                                     "starts_on": [None, start.isoformat()]})
    return row


async def create_due_items(today: dt.date) -> int:
    """The daily job: one item per (task, asset) that falls due within the week and has
    none open. Idempotent: running it again, on any instance, adds nothing."""
    created = 0
    for task in await MaintenanceTask.select().where(MaintenanceTask.active == True).run():  # noqa: E712
        targets = Asset.select(Asset.id, Asset.commissioning_date, Asset.purchase_date).where(
            Asset.status != "retired")
        targets = (targets.where(Asset.id == task["asset"]) if task["asset"]
                   else targets.where(Asset.category == task["category"]))
        rows = await targets.run()
        last_done = {r["asset"]: r["last"] for r in await MaintenanceItem.raw(
            "SELECT asset, MAX(done_on) AS last FROM maintenance_item WHERE task = {} "
            "AND done_on IS NOT NULL GROUP BY asset", task["id"]).run()}
        open_items = {r["asset"] for r in await MaintenanceItem.select(MaintenanceItem.asset).where(
            (MaintenanceItem.task == task["id"]) & MaintenanceItem.done_on.is_null()).run()}
        new = []
        for asset in rows:
            last = last_done.get(asset["id"])
            if isinstance(last, str):
                last = dt.date.fromisoformat(last)
            task_start = task["starts_on"]
            if isinstance(task_start, str):
                task_start = dt.date.fromisoformat(task_start)
            due = schedule.next_due(last, asset["commissioning_date"] or asset["purchase_date"],
                                    task["interval_days"], today, task_start)
            if schedule.should_create(due, today, asset["id"] in open_items):
                new.append((schedule.item_key(task["id"], asset["id"], due), asset["id"], due))
        for start in range(0, len(new), 500):
            batch = new[start:start + 500]
            placeholders = ", ".join("({}, {}, {}, {}, NULL, '')" for _ in batch)
            args = [x for key, asset_id, due in batch for x in (key, task["id"], asset_id, due)]
            inserted = await MaintenanceItem.raw(
                "INSERT INTO maintenance_item (key, task, asset, due_on, done_on, done_by) "
                f"VALUES {placeholders} ON CONFLICT (key) DO NOTHING RETURNING id", *args).run()
            created += len(inserted)
    return created


async def due(scope: Scope, today: dt.date, limit: int = 500) -> list[dict[str, Any]]:
    in_scope, args = scope.sql("asset.site")
    return await MaintenanceItem.raw(
        "SELECT maintenance_item.id, maintenance_item.due_on, maintenance_task.name AS task_name, "
        "asset.tag, category.name AS category_name, asset.site AS site, site.code AS site_code, "
        "site.name AS site_name, room.name AS room_name FROM maintenance_item "
        "JOIN maintenance_task ON maintenance_task.id = maintenance_item.task "
        "JOIN asset ON asset.id = maintenance_item.asset "
        "JOIN category ON category.id = asset.category JOIN site ON site.id = asset.site "
        "LEFT JOIN room ON room.id = asset.room "
        f"WHERE maintenance_item.done_on IS NULL AND maintenance_item.due_on <= {{}} AND {in_scope} "
        "ORDER BY site.name, maintenance_item.due_on, asset.tag LIMIT {}",
        today + dt.timedelta(days=schedule.LOOK_AHEAD_DAYS), *args, limit).run()


async def catch_up(site_code: str, raw: Mapping[str, Any], actor: Actor | str,
                   scope: Scope) -> int:
    """Every late item of one site done at once (the technician went round the school):
    each logs its intervention and schedules its next occurrence, as one by one would,
    in one transaction. Returns how many were done."""
    today = clock.today()
    items = [item for item in await due(scope, today, limit=5000)
             if item["site_code"] == (site_code or "").upper()
             and schedule.late(_as_date(item["due_on"]), today)]
    if not items:
        raise ValidationFailed({"item": _("Nothing is late at this site.")})
    actor = audit.as_actor(actor)
    async with audit.atomic():
        for item in items:
            await _complete(item["id"], raw, actor, scope, today)
    return len(items)


def _as_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


async def complete(item_id: int, raw: Mapping[str, Any], actor: Actor | str, scope: Scope) -> None:
    """Done: an intervention is logged, and the next occurrence is scheduled at once."""
    async with audit.atomic():
        await _complete(item_id, raw, audit.as_actor(actor), scope, clock.today())


async def _complete(item_id: int, raw: Mapping[str, Any], actor: Actor, scope: Scope,
                    today: dt.date) -> None:
    item = await MaintenanceItem.select(
        *MaintenanceItem.all_columns(), MaintenanceItem.task.name.as_alias("task_name"),
        MaintenanceItem.task.interval_days.as_alias("interval_days"),
        MaintenanceItem.asset.tag.as_alias("tag"),
    ).where(MaintenanceItem.id == item_id).first().run()
    if item is None:
        raise NotFound(str(item_id))
    await assets.get_asset(item["tag"], scope)  # out of scope: as if it did not exist
    if item["done_on"] is not None:
        raise ValidationFailed({"item": _("This work is already done.")})
    notes = (raw.get("notes") or "").strip()
    await interventions.log(item["tag"], {"kind": "preventive", "notes": f"{item['task_name']}"
                                          + (f": {notes}" if notes else ""),
                                          "minutes_spent": raw.get("minutes_spent") or "0"},
                            actor, scope)
    # Inside the caller's transaction.
    await MaintenanceItem.update({MaintenanceItem.done_on: today,
                                  MaintenanceItem.done_by: actor.label}).where(
        MaintenanceItem.id == item_id).run()
    following = today + dt.timedelta(days=item["interval_days"])
    await MaintenanceItem.raw(
        "INSERT INTO maintenance_item (key, task, asset, due_on, done_on, done_by) "
        "VALUES ({}, {}, {}, {}, NULL, '') ON CONFLICT (key) DO NOTHING",
        schedule.item_key(item["task"], item["asset"], following), item["task"],
        item["asset"], following).run()
