"""Composite indexes for the asset list's common filters (written by hand: Piccolo's table
definitions have no composite indexes). Plain SQL that SQLite and PostgreSQL both accept."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-22T14:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite indexes for the asset list"

INDEXES = {
    # site + category filter, already in tag order for the first page
    "asset_site_category_tag": "asset (site, category, tag)",
    "asset_site_status": "asset (site, status)",
    "asset_category_tag": "asset (category, tag)",
    "room_site_name": "room (site, name)",
    "user_site_user_site": 'user_site ("user", site)',
}


async def _sql(sql, *args):
    """Plain SQL (Piccolo's `{}` placeholders) on the engine Piccolo runs this migration
    with, inside its transaction; rows as dicts. No application code: a migration must
    behave the same in a year, whatever the tables become."""
    engine = engine_finder()
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await _sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await _sql(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
