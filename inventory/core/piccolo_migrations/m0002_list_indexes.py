"""Composite indexes for the asset list's common filters (written by hand: Piccolo's table
definitions have no composite indexes). Plain SQL that SQLite and PostgreSQL both accept."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

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


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def create_indexes():
        from inventory.core.tables import Asset

        for name, target in INDEXES.items():
            await Asset.raw(f"CREATE INDEX IF NOT EXISTS {name} ON {target}").run()

    async def drop_indexes():
        from inventory.core.tables import Asset

        for name in INDEXES:
            await Asset.raw(f"DROP INDEX IF EXISTS {name}").run()

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
