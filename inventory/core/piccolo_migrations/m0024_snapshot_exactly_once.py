"""Tell Piccolo's migration snapshot about the columns m0023 added with raw SQL (and the
index it made on outbox.state); the database does not change.

Piccolo rebuilds the schema it believes in from the migrations' add_table/add_column
steps, never from raw SQL: without this, `make migration` (piccolo migrations new --auto)
compared tables.py with a snapshot lacking these eight columns and wrote a migration adding
them again, which fails. The manager is marked fake (Piccolo records it as applied without
running it) and does nothing backwards either: undoing m0023 drops the columns."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "record the columns m0023 added in Piccolo's snapshot"

_COMMON = {"primary_key": False, "unique": False, "index": False,
           "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
           "secret": False}
# As m0023 made them (frozen: tables.py may change later, this record must not).
COLUMNS = (
    ("OutboxMessage", "outbox", "message_id", Varchar, {"length": 254, "default": "",
                                                       "null": False}),
    ("OutboxMessage", "outbox", "state", Varchar, {"length": 16, "default": "pending",
                                                  "null": False, "index": True}),
    ("OutboxMessage", "outbox", "in_data", Boolean, {"default": False, "null": False}),
    ("OutboxMessage", "outbox", "uncertain_since", Timestamptz, {"default": None,
                                                                "null": True}),
    ("JobRun", "job_run", "lease_until", Integer, {"default": 0, "null": False}),
    ("JobRun", "job_run", "done_at", Timestamptz, {"default": None, "null": True}),
    ("JobRun", "job_run", "attempts", Integer, {"default": 1, "null": False}),
    ("JobRun", "job_run", "last_error", Text, {"default": "", "null": False}),
)


class _SnapshotOnly(MigrationManager):
    """Read for the snapshot, never run: the columns exist since m0023."""

    async def run(self, backwards: bool = False) -> None:
        return None


async def forwards():
    manager = _SnapshotOnly(migration_id=ID, app_name="inventory", description=DESCRIPTION,
                            fake=True)
    for class_name, tablename, name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name=class_name, tablename=tablename, column_name=name,
            db_column_name=name, column_class_name=column_class.__name__,
            column_class=column_class, params={**_COMMON, **params}, schema=None)
    return manager
