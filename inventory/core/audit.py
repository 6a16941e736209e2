"""Audit records and the write transaction every service operation runs in."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import BaseTransaction
from piccolo.engine.sqlite import TransactionType
from piccolo.table import Table

from inventory.core import clock
from inventory.core.db import current_engine, fetch_small, insert_many
from inventory.core.parsers import row_number
from inventory.core.tables import AuditRecord


def atomic() -> BaseTransaction:
    """A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so a
    read-then-write never fails half-way with "database is locked"."""
    engine = current_engine()
    if engine.engine_type == "sqlite":
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def reading() -> BaseTransaction:
    """A read-only transaction, for a long check that reads many rows: one connection and one
    consistent view instead of a connection per query (Piccolo opens one per query outside a
    transaction on SQLite). It takes no write lock: on SQLite it is DEFERRED and, in WAL mode,
    readers never block writers."""
    engine = current_engine()
    if engine.engine_type == "sqlite":
        return engine.transaction(transaction_type=TransactionType.deferred)
    return engine.transaction()



def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _stored(before: Any, after: Any) -> Any:
    """A JSON column read without load_json is its text: compare and record it as the
    structure it holds when the new value is one (else it always "changed", shown raw)."""
    if isinstance(after, dict | list) and isinstance(before, str):
        try:
            return json.loads(before)
        except ValueError:
            return before
    return before


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field of `after` whose value changed."""
    pairs = {key: (_stored(before.get(key), value), value) for key, value in after.items()}
    return {key: [_jsonable(old), _jsonable(new)] for key, (old, new) in pairs.items()
            if old != new}


@dataclass(frozen=True)
class Actor:
    """Who did it: a signed-in account, or a named process ("demo", "cli")."""

    label: str
    user_id: int | None = None


def as_actor(actor: Actor | str) -> Actor:
    return actor if isinstance(actor, Actor) else Actor(label=actor)


async def record(
    *,
    actor: Actor | str,
    entity: str,
    entity_key: str,
    action: str,
    changes: Mapping[str, Any],
    site_id: int | None = None,
) -> None:
    actor = as_actor(actor)
    await AuditRecord.insert(
        AuditRecord(
            actor=actor.label,
            user_id=actor.user_id,
            entity=entity,
            entity_key=entity_key,
            action=action,
            changes=json.dumps(changes, ensure_ascii=False, default=str),
            site_id=site_id,
        )
    ).run()


# What json.dumps(changes, ensure_ascii=False, default=str) gives, with one encoder for every
# record rather than a new one per call (bulk writes make a record per row).
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


def entry(*, actor: Actor | str, entity: str, entity_key: str, action: str,
          changes: Mapping[str, Any] | str, site_id: int | None = None,
          at: dt.datetime | None = None) -> dict[str, Any]:
    """One audit record as a row, for record_many. `changes` may come as its JSON text
    already (created_json)."""
    actor = as_actor(actor)
    return {"at": at or clock.now(), "actor": actor.label, "user_id": actor.user_id,
            "entity": entity, "entity_key": entity_key, "action": action,
            "changes": changes if isinstance(changes, str) else _encode(changes),
            "site_id": site_id}


async def record_many(entries: list[dict[str, Any]]) -> None:
    """Write many audit records (made by entry()) at once: bulk writes record in bulk."""
    await insert_many(AuditRecord, entries)


# What a history shows of a record (the acting account's id is for queries, not for reading).
RECORD_COLUMNS = "SELECT id, entity, entity_key, at, actor, action, changes, site_id FROM audit_record "


async def history(entity: str, entity_key: str, limit: int = 200) -> list[dict[str, Any]]:
    rows = await fetch_small(
        RECORD_COLUMNS + "WHERE entity_key = {} AND entity = {} ORDER BY id DESC LIMIT {}",
        entity_key, entity, limit)
    for row in rows:
        changes = row["changes"]
        row["changes"] = json.loads(changes) if isinstance(changes, str) else changes
    return rows


def created_changes(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [None, _jsonable(v)] for k, v in values.items() if v not in (None, "")}


def created_json(values: Mapping[str, Any], shown: Mapping[str, Any],
                 leave_out: frozenset[str] | set[str] = frozenset()) -> str:
    """The JSON text of created_changes() for `values` whose fields named in `shown` are
    recorded as shown there (names rather than ids) and those in `leave_out` not at all:
    one dict and one encoding per record, for bulk creations (a record per row)."""
    changes = {}
    for k, v in values.items():
        if k in leave_out:
            continue
        if k in shown:
            v = shown[k]
        if v is not None and v != "":  # as created_changes: `v not in (None, "")`
            changes[k] = [None, v.isoformat() if isinstance(v, dt.date) else v]
    return _encode(changes)


async def update_versioned(
    table: type[Table],
    row_id: int,
    expected_version: int | None,
    values: Mapping[str, Any],
    *,
    entity: str,
    entity_key: str,
    action: str,
    actor: Actor | str,
    site_id: int | None = None,
    derive: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
) -> dict[str, list[Any]]:
    """Apply `values` to one row if nobody changed it since `expected_version`, and write
    one audit record of what changed. Must run inside atomic(). Returns the changes.

    `derive(row)` gives values computed from the row as it will be (such as a search key):
    written with a change and never recorded, since the audit trail shows what people
    changed. It sees the row read here, in the transaction, so a concurrent change of
    another field is not undone."""
    from inventory.core.errors import Conflict, NotFound

    key, version = table._meta.primary_key, table._meta.get_column_by_name("version")
    current = await table.select().where(key == row_id).first().run()
    if current is None:
        raise NotFound(entity_key)
    if expected_version is not None and current["version"] != expected_version:
        raise Conflict(current)
    changes = diff(current, values)
    if not changes:
        return {}
    derived = derive({**current, **values}) if derive is not None else {}
    update = {**values, **derived, "version": current["version"] + 1}
    if "updated_at" in current:
        update["updated_at"] = clock.now()
    updated = (
        # Piccolo asks for dict[Column | str, Any]; dict being invariant, a dict[str, Any]
        # (which it accepts) does not match.
        await table.update(update)  # type: ignore[arg-type]
        .where((key == row_id) & (version == current["version"]))
        .returning(key)
        .run()
    )
    if not updated:
        now = await table.select().where(key == row_id).first().run()
        if now is None:  # deleted meanwhile
            raise NotFound(entity_key)
        raise Conflict(now)
    await record(
        actor=actor, entity=entity, entity_key=entity_key, action=action,
        changes=changes, site_id=site_id,
    )
    return changes


@dataclass(frozen=True)
class AuditFilter:
    entity: str = ""
    action: str = ""
    actor: str = ""
    key: str = ""
    site: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> AuditFilter:
        def get(name: str) -> str:
            value = params.get(name)
            return value.strip()[:100] if isinstance(value, str) else ""

        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(get(name)) if get(name) else None
            except ValueError:
                return None

        site, page = get("site"), get("page")
        return cls(entity=get("entity"), action=get("action"), actor=get("actor"),
                   key=get("key"), site=row_number(site),
                   date_from=day("from"), date_to=day("to"),
                   page=max(1, min(int(page), 100_000)) if page.isdigit() else 1)

    def query_args(self, **overrides: Any) -> dict[str, str]:
        values = {"entity": self.entity, "action": self.action, "actor": self.actor,
                  "key": self.key, "site": self.site or "",
                  "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else "",
                  "page": self.page if self.page > 1 else ""}
        values.update(overrides)
        return {k: str(v) for k, v in values.items() if v not in ("", None)}


async def browse(f: AuditFilter, page_size: int = 50) -> tuple[list[dict[str, Any]], int, int]:
    """Audit records matching `f`, newest first: (rows, total, pages)."""
    query = AuditRecord.select()
    count = AuditRecord.count()
    conditions = []
    if f.entity:
        conditions.append(AuditRecord.entity == f.entity)
    if f.action:
        conditions.append(AuditRecord.action == f.action)
    if f.actor:
        conditions.append(AuditRecord.actor == f.actor.lower())
    if f.key:
        conditions.append(AuditRecord.entity_key == f.key.upper() if "@" not in f.key
                          else AuditRecord.entity_key == f.key.lower())
    if f.site:
        conditions.append(AuditRecord.site_id == f.site)
    if f.date_from:
        conditions.append(AuditRecord.at >= dt.datetime.combine(f.date_from, dt.time(),
                                                                tzinfo=dt.UTC))
    if f.date_to:
        conditions.append(AuditRecord.at < dt.datetime.combine(
            f.date_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC))
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    total = await count.run()
    pages = max(1, -(-total // page_size))
    page = min(f.page, pages)
    rows = await query.order_by(AuditRecord.id, ascending=False).limit(page_size).offset(
        (page - 1) * page_size).run()
    for row in rows:
        changes = row["changes"]
        row["changes"] = json.loads(changes) if isinstance(changes, str) else changes
    return rows, total, pages
