"""The assets counted per (site, category, model, status, end-of-life year), and the log of
changes to those counts (filled and kept by m0033_asset_tally_fill)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "asset counts for the dashboard, and their changes"


def _params(**extra):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
              "secret": False}
    params.update(extra)
    return params


_GROUP = [("site", Integer, _params(default=0)),
          ("category", Integer, _params(default=0)),
          ("model", Integer, _params(default=0)),
          ("status", Varchar, _params(length=20, default="")),
          ("eol_year", Integer, _params(default=0))]

TABLES = [
    ("AssetTally", "asset_tally", [*_GROUP, ("n", Integer, _params(default=0))]),
    ("AssetTallyChange", "asset_tally_change", [*_GROUP, ("delta", Integer, _params(default=0))]),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)
    for class_name, tablename, columns in TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params, schema=None)
    return manager
