"""Field work (issue 14): the symptoms a category offers (category.symptoms, filled by m0028
with the defaults that lived in code), the day a preventive task starts counting from
(maintenance_task.starts_on) and the people who follow a fault they would have reported
again (fault_follower)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-02T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "category symptoms, task start dates, fault followers"


class Fault(Table, tablename="fault", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


class User(Table, tablename="app_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


def _params(**extra):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
              "secret": False}
    params.update(extra)
    return params


def _foreign(table):
    return _params(references=table, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                   target_column=None, null=True, index=True)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Category", tablename="category", column_name="symptoms",
        db_column_name="symptoms", column_class_name="Text", column_class=Text,
        params=_params(default=""), schema=None)
    manager.add_column(
        table_class_name="MaintenanceTask", tablename="maintenance_task",
        column_name="starts_on", db_column_name="starts_on", column_class_name="Date",
        column_class=Date, params=_params(default=None, null=True), schema=None)
    manager.add_table(class_name="FaultFollower", tablename="fault_follower", schema=None,
                      columns=None)
    for name, column_class, params in (
        ("fault", ForeignKey, _foreign(Fault)),
        ("follower", ForeignKey, _foreign(User)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ):
        manager.add_column(
            table_class_name="FaultFollower", tablename="fault_follower", column_name=name,
            db_column_name=name, column_class_name=column_class.__name__,
            column_class=column_class, params=params, schema=None)
    return manager
