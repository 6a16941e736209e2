"""The covering index for searches within a site also holds the tag (SQLite only, as m0016;
written by hand).

A search within a school is counted and paged in one read: its matches' (id, tag) are
gathered once, counted, and the page's 50 rows read by id. With the tag in the index the
matches come from the index alone; without it each match was a trip to its table row
(2,843 matches of "ipad" in a school of 100,000 assets: 4.3 ms for the count and the page,
2.0 ms now)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-03T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the tag in the covering index for searches within a site (SQLite)"

OLD = ("asset_site_search", "asset (site, search_text, model, room)")
NEW = ("asset_site_search_tag", "asset (site, search_text, model, room, tag)")


async def _sql(sql, *args):
    """Plain SQL (Piccolo's `{}` placeholders) on the engine Piccolo runs this migration
    with, inside its transaction; rows as dicts. No application code: a migration must
    behave the same in a year, whatever the tables become."""
    engine = engine_finder()
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def _replace(drop, create):
    if engine_finder().engine_type == "sqlite":
        await _sql(f"CREATE INDEX IF NOT EXISTS {create[0]} ON {create[1]}")
        await _sql(f"DROP INDEX IF EXISTS {drop[0]}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def add_tag():
        await _replace(OLD, NEW)

    async def remove_tag():
        await _replace(NEW, OLD)

    manager.add_raw(add_tag)
    manager.add_raw_backwards(remove_tag)
    return manager
