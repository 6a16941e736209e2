"""People who hold devices, loans (check-out, acknowledgment, check-in) and the
organisations people belong to and loans serve."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-02T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "people, loans and their organisations"


def _id_only(name: str, tablename: str) -> type[Table]:
    """A referenced table as this migration knows it (frozen: only its id)."""
    return type(name, (Table,), {"id": Serial(null=False, primary_key=True, unique=False,
                                              index=False, index_method=IndexMethod.btree,
                                              choices=None, db_column_name="id",
                                              secret=False)},
                tablename=tablename, schema=None)


def _params(**extra):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
              "secret": False}
    params.update(extra)
    return params


def _reference(table, on_delete):
    return (ForeignKey, _params(references=table, on_delete=on_delete,
                                on_update=OnUpdate.cascade, target_column=None, index=True))


Organisation = _id_only("Organisation", "organisation")
Asset = _id_only("Asset", "asset")
Person = _id_only("Person", "person")
Loan = _id_only("Loan", "loan")
_STAMPS = [("version", Integer, _params(default=1)),
           ("created_at", Timestamptz, _params(default=TimestamptzNow())),
           ("updated_at", Timestamptz, _params(default=TimestamptzNow()))]

TABLES = [
    ("Person", "person", [
        ("name", Varchar, _params(length=200, default="")),
        ("mandates", Text, _params(default="")),
        ("email", Varchar, _params(length=254, default="")),
        ("anonymised_at", Timestamptz, _params(default=None, null=True)),
        *_STAMPS]),
    ("PersonOrganisation", "person_organisation", [
        ("person", *_reference(Person, OnDelete.cascade)),
        ("organisation", *_reference(Organisation, OnDelete.cascade))]),
    ("Loan", "loan", [
        ("asset", *_reference(Asset, OnDelete.restrict)),
        ("person", *_reference(Person, OnDelete.restrict)),
        ("out_on", Date, _params(default=DateNow())),
        ("out_condition", Varchar, _params(length=200, default="")),
        ("accessories", Text, _params(default="")),
        ("due_on", Date, _params(default=None, null=True, index=True)),
        ("for_term", Boolean, _params(default=False)),
        ("acknowledged_at", Timestamptz, _params(default=None, null=True)),
        ("acknowledge_token_hash", Varchar, _params(length=64, default="", index=True)),
        ("acknowledge_expires_at", Timestamptz, _params(default=None, null=True)),
        ("returned_on", Date, _params(default=None, null=True, index=True)),
        ("return_condition", Varchar, _params(length=200, default="")),
        ("missing_accessories", Text, _params(default="")),
        ("reminded_on", Date, _params(default=None, null=True)),
        ("notes", Text, _params(default="")),
        ("created_by", Varchar, _params(length=200, default="")),
        *_STAMPS]),
    ("LoanOrganisation", "loan_organisation", [
        ("loan", *_reference(Loan, OnDelete.cascade)),
        ("organisation", *_reference(Organisation, OnDelete.cascade))]),
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
