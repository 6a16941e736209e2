"""Idempotency keys of the JSON API (issue 14, offline): the first answer to a write sent
with an `Idempotency-Key`, so a phone's retried send is applied once."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "idempotency keys of the JSON API"


def _params(**extra):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
              "secret": False}
    params.update(extra)
    return params


# Frozen as made here: tables.py may change later, this migration must not.
COLUMNS = [
    ("key", Varchar, _params(length=200, default="", unique=True)),
    ("user_id", Integer, _params(default=0)),
    ("fingerprint", Varchar, _params(length=64, default="")),
    ("status", Integer, _params(default=200)),
    ("answer", Text, _params(default="")),
    ("created_at", Timestamptz, _params(default=TimestamptzNow(), index=True)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)
    manager.add_table(class_name="IdempotentRequest", tablename="idempotent_request",
                      schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="IdempotentRequest", tablename="idempotent_request",
            column_name=name, db_column_name=name, column_class_name=column_class.__name__,
            column_class=column_class, params=params, schema=None)
    return manager
