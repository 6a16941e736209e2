"""Audit records and the write transaction every service operation runs in."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from piccolo.engine.sqlite import TransactionType

from inventory.db import current_engine
from inventory.tables import AuditRecord


def atomic():
    """A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so a
    read-then-write never fails half-way with "database is locked"."""
    engine = current_engine()
    if engine.engine_type == "sqlite":
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field of `after` whose value changed."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


async def record(
    *,
    actor: str,
    entity: str,
    entity_key: str,
    action: str,
    changes: Mapping[str, Any],
    site_id: int | None = None,
) -> None:
    await AuditRecord.insert(
        AuditRecord(
            actor=actor,
            entity=entity,
            entity_key=entity_key,
            action=action,
            changes=json.dumps(changes, ensure_ascii=False, default=str),
            site_id=site_id,
        )
    ).run()


async def history(entity: str, entity_key: str, limit: int = 200) -> list[dict[str, Any]]:
    rows = (
        await AuditRecord.select()
        .where((AuditRecord.entity == entity) & (AuditRecord.entity_key == entity_key))
        .order_by(AuditRecord.id, ascending=False)
        .limit(limit)
        .run()
    )
    for row in rows:
        changes = row["changes"]
        row["changes"] = json.loads(changes) if isinstance(changes, str) else changes
    return rows


def created_changes(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [None, _jsonable(v)] for k, v in values.items() if v not in (None, "")}


async def update_versioned(
    table,
    row_id: int,
    expected_version: int | None,
    values: Mapping[str, Any],
    *,
    entity: str,
    entity_key: str,
    action: str,
    actor: str,
    site_id: int | None = None,
) -> dict[str, list[Any]]:
    """Apply `values` to one row if nobody changed it since `expected_version`, and write
    one audit record of what changed. Must run inside atomic(). Returns the changes."""
    from inventory.validation import Conflict, NotFound

    current = await table.select().where(table.id == row_id).first().run()
    if current is None:
        raise NotFound(entity_key)
    if expected_version is not None and current["version"] != expected_version:
        raise Conflict(current)
    changes = diff(current, values)
    if not changes:
        return {}
    update = {**values, "version": current["version"] + 1}
    if "updated_at" in current:
        update["updated_at"] = dt.datetime.now(dt.UTC)
    updated = (
        await table.update(update)
        .where((table.id == row_id) & (table.version == current["version"]))
        .returning(table.id)
        .run()
    )
    if not updated:
        raise Conflict(await table.select().where(table.id == row_id).first().run())
    await record(
        actor=actor, entity=entity, entity_key=entity_key, action=action,
        changes=changes, site_id=site_id,
    )
    return changes
