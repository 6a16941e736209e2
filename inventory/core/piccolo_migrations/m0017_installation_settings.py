"""The installation's settings move to the database (set-up page). An installation already
in use keeps what it had: the tag prefix its tags were made with (the one of the longest
tag sequence) is stored as its prefix, so new tags go on with it even when no environment
variable named it (the old default was the demo's BRN); and an installation where someone
has already signed in is not sent through the first-day set-up (its settings page is there).
Display names need no change: an account without one is shown by its email. Plain SQL that
SQLite and PostgreSQL both accept; it changes nothing on a new, empty database."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-01T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "installation settings of existing installations"


async def _sql(sql, *args):
    """Plain SQL (Piccolo's `{}` placeholders) on the engine Piccolo runs this migration
    with, inside its transaction; rows as dicts. No application code: a migration must
    behave the same in a year, whatever the tables become."""
    engine = engine_finder()
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def keep_existing():
        async def missing(key):
            rows = await _sql("SELECT id FROM app_setting WHERE key = {}", key)
            return not rows

        async def put(key, value):
            await _sql("INSERT INTO app_setting (key, value) VALUES ({}, {})", key, value)

        sequences = await _sql(
            "SELECT prefix FROM tag_sequence WHERE last_value > 0 "
            "ORDER BY last_value DESC, prefix LIMIT 1")
        if sequences and await missing("tag_prefix"):
            await put("tag_prefix", sequences[0]["prefix"])
        used = await _sql(
            "SELECT id FROM app_user WHERE last_login_at IS NOT NULL LIMIT 1")
        if used and await missing("setup_done"):
            await put("setup_done", "1")

    manager.add_raw(keep_existing)
    return manager
