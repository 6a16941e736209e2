"""Where each site is (latitude and longitude, WGS 84 degrees; empty until someone enters
them): a technician's fault queue puts the nearest sites first."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import DoublePrecision
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T04:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sites' latitude and longitude"


def _params(**extra):
    params = {"null": True, "default": None, "primary_key": False, "unique": False,
              "index": False, "index_method": IndexMethod.btree, "choices": None,
              "db_column_name": None, "secret": False}
    params.update(extra)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)
    for name in ("latitude", "longitude"):
        manager.add_column(table_class_name="Site", tablename="site", column_name=name,
                           db_column_name=name, column_class_name="DoublePrecision",
                           column_class=DoublePrecision, params=_params(), schema=None)
    return manager
