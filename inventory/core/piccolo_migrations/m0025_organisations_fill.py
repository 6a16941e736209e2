"""Existing data into a first organisation: its name is the one the set-up saved (else the
environment's INVENTORY_LABEL_OWNER, else "Organisation"), its tag prefix the set-up's;
every site and device becomes its, and every account works for it. A fresh database gets
the organisation too: the set-up page names it. Plain SQL both engines accept."""

import os

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-02T10:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "first organisation owns existing sites, devices and accounts"

FIRST_CODE = "ORG"


async def _sql(sql, *args):
    """Plain SQL (Piccolo's `{}` placeholders) in the migration's transaction; no
    application code, so this behaves the same in a year."""
    engine = engine_finder()
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def _setting(key):
    rows = await _sql("SELECT value FROM app_setting WHERE key = {}", key)
    return rows[0]["value"] if rows and rows[0]["value"] else None


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def fill():
        if await _sql("SELECT id FROM organisation LIMIT 1"):
            return
        name = (await _setting("organisation_name")
                or os.environ.get("INVENTORY_LABEL_OWNER") or "Organisation")[:200]
        prefix = (await _setting("tag_prefix") or "")[:16]
        await _sql("INSERT INTO organisation (code, name, kind, siren, tag_prefix, label_owner,"
                   " version, created_at, updated_at) VALUES ({}, {}, 'commune', NULL, {}, '',"
                   " 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", FIRST_CODE, name, prefix)
        first = (await _sql("SELECT id FROM organisation WHERE code = {}", FIRST_CODE))[0]["id"]
        await _sql("UPDATE site SET owner = {} WHERE owner IS NULL", first)
        await _sql("UPDATE asset SET owner = {} WHERE owner IS NULL", first)
        await _sql('INSERT INTO user_organisation ("user", organisation) '
                   "SELECT id, {} FROM app_user", first)

    async def unfill():
        await _sql("DELETE FROM user_organisation")
        await _sql("UPDATE asset SET owner = NULL")
        await _sql("UPDATE site SET owner = NULL")
        await _sql("DELETE FROM organisation")

    manager.add_raw(fill)
    manager.add_raw_backwards(unfill)
    return manager
