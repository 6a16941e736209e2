"""The installation's settings move to the database (set-up page). An installation already
in use keeps what it had: the tag prefix its tags were made with (the one of the longest
tag sequence) is stored as its prefix, so new tags go on with it even when no environment
variable named it (the old default was the demo's BRN); and an installation where someone
has already signed in is not sent through the first-day set-up (its settings page is there).
Display names need no change: an account without one is shown by its email. Plain SQL that
SQLite and PostgreSQL both accept; it changes nothing on a new, empty database."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "installation settings of existing installations"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def keep_existing():
        from inventory.core.tables import AppSetting

        async def missing(key):
            rows = await AppSetting.raw("SELECT id FROM app_setting WHERE key = {}", key).run()
            return not rows

        async def put(key, value):
            await AppSetting.raw("INSERT INTO app_setting (key, value) VALUES ({}, {})",
                                 key, value).run()

        sequences = await AppSetting.raw(
            "SELECT prefix FROM tag_sequence WHERE last_value > 0 "
            "ORDER BY last_value DESC, prefix LIMIT 1").run()
        if sequences and await missing("tag_prefix"):
            await put("tag_prefix", sequences[0]["prefix"])
        used = await AppSetting.raw(
            "SELECT id FROM app_user WHERE last_login_at IS NOT NULL LIMIT 1").run()
        if used and await missing("setup_done"):
            await put("setup_done", "1")

    manager.add_raw(keep_existing)
    return manager
