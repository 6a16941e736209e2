from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import Boolean
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "backup runs (time, size, result, message)"


def _params(**extra):
    params = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(extra)
    return params


COLUMNS = [
    ("started_at", Timestamptz, _params(default=TimestamptzNow())),
    ("finished_at", Timestamptz, _params(default=TimestamptzNow(), index=True)),
    ("trigger", Varchar, _params(length=20, default="")),
    ("ok", Boolean, _params(default=False)),
    ("size", BigInt, _params(default=0)),
    ("archive", Varchar, _params(length=500, default="")),
    ("message", Text, _params(default="")),
]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="inventory", description=DESCRIPTION
    )

    manager.add_table(
        class_name="BackupRun", tablename="backup_run", schema=None, columns=None
    )
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="BackupRun",
            tablename="backup_run",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    return manager
