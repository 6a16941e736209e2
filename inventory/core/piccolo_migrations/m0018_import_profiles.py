"""import_profile: named import choices (columns, values, what to create, defaults)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "import profiles"

_COMMON = {"null": False, "primary_key": False, "index_method": IndexMethod.btree,
           "choices": None, "db_column_name": None, "secret": False}
COLUMNS = (
    ("name", Varchar, {"length": 100, "default": "", "unique": True, "index": False}),
    ("body", Text, {"default": "{}", "unique": False, "index": False}),
    ("created_by", Varchar, {"length": 200, "default": "", "unique": False, "index": False}),
    ("updated_at", Timestamptz, {"default": TimestamptzNow(), "unique": False,
                                 "index": False}),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)
    manager.add_table(class_name="ImportProfile", tablename="import_profile", schema=None,
                      columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="ImportProfile", tablename="import_profile", column_name=name,
            db_column_name=name, column_class_name=column_class.__name__,
            column_class=column_class, params={**_COMMON, **params}, schema=None)
    return manager
