"""Exactly once (issue 15): the outbox's Message-ID and states, job runs as leases.

Written by hand as plain SQL that SQLite and PostgreSQL both accept (type names as Piccolo
declares them, so SQLite's converters still apply). Piccolo runs raw steps before column
changes, so the columns are added here too, and the existing rows filled in the same step:
sent messages become "sent"; claims taken before leases existed count as done (they were
never retried before either)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-01T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox message id and states, job run leases"

FORWARDS = (
    "ALTER TABLE outbox ADD COLUMN message_id VARCHAR(254) NOT NULL DEFAULT ''",
    "ALTER TABLE outbox ADD COLUMN state VARCHAR(16) NOT NULL DEFAULT 'pending'",
    "ALTER TABLE outbox ADD COLUMN in_data BOOLEAN NOT NULL DEFAULT false",
    "ALTER TABLE outbox ADD COLUMN uncertain_since TIMESTAMPTZ DEFAULT null",
    "UPDATE outbox SET state = 'sent' WHERE sent_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state)",
    "ALTER TABLE job_run ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE job_run ADD COLUMN done_at TIMESTAMPTZ DEFAULT null",
    "ALTER TABLE job_run ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE job_run ADD COLUMN last_error TEXT NOT NULL DEFAULT ''",
    "UPDATE job_run SET done_at = claimed_at",
)

BACKWARDS = (
    "DROP INDEX IF EXISTS outbox_state",
    *(f"ALTER TABLE outbox DROP COLUMN {c}"
      for c in ("message_id", "state", "in_data", "uncertain_since")),
    *(f"ALTER TABLE job_run DROP COLUMN {c}"
      for c in ("lease_until", "done_at", "attempts", "last_error")),
)


async def _sql(sql, *args):
    """Plain SQL (Piccolo's `{}` placeholders) on the engine Piccolo runs this migration
    with, inside its transaction; rows as dicts. No application code: a migration must
    behave the same in a year, whatever the tables become."""
    engine = engine_finder()
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def run(statements):
        for statement in statements:
            await _sql(statement)

    async def forward():
        await run(FORWARDS)

    async def backward():
        await run(BACKWARDS)

    manager.add_raw(forward)
    manager.add_raw_backwards(backward)
    return manager
