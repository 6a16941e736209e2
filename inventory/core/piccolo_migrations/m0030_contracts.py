"""Contracts (with their members and shares, and attached documents), purchases and their
lines, and each asset's contract and purchase."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    BigInt,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-02T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contracts, members, documents, purchases and lines; assets' contract and purchase"


def _id_only(name: str, tablename: str) -> type[Table]:
    """The referenced tables as this migration knows them (frozen: only their id)."""
    return type(name, (Table,), {"id": Serial(null=False, primary_key=True, unique=False,
                                              index=False, index_method=IndexMethod.btree,
                                              choices=None, db_column_name="id",
                                              secret=False)},
                tablename=tablename, schema=None)


Organisation = _id_only("Organisation", "organisation")
Category = _id_only("Category", "category")
Contract = _id_only("Contract", "contract")
Purchase = _id_only("Purchase", "purchase")


def _params(**extra):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
              "secret": False}
    params.update(extra)
    return params


def _reference(table, *, on_delete, null, index=True):
    return _params(references=table, on_delete=on_delete, on_update=OnUpdate.cascade,
                   target_column=None, null=null, index=index)


TABLES = [
    ("Contract", "contract", [
        ("reference", Varchar, _params(length=64, default="", unique=True, index=True)),
        ("title", Varchar, _params(length=200, default="")),
        ("kind", Varchar, _params(length=20, default="marche")),
        ("supplier", Varchar, _params(length=200, default="")),
        ("starts_on", Date, _params(default=None, null=True)),
        ("ends_on", Date, _params(default=None, null=True, index=True)),
        ("warranty_months", Integer, _params(default=None, null=True)),
        ("maintenance_terms", Text, _params(default="")),
        ("renewal_on", Date, _params(default=None, null=True, index=True)),
        ("amount_cents", BigInt, _params(default=0)),
        ("share_mode", Varchar, _params(length=10, default="percent")),
        ("owner", ForeignKey, _reference(Organisation, on_delete=OnDelete.restrict,
                                         null=False)),
        ("notes", Text, _params(default="")),
        ("version", Integer, _params(default=1)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
    ]),
    ("ContractMember", "contract_member", [
        ("contract", ForeignKey, _reference(Contract, on_delete=OnDelete.cascade, null=False)),
        ("organisation", ForeignKey, _reference(Organisation, on_delete=OnDelete.restrict,
                                                null=False)),
        ("share", BigInt, _params(default=0)),
    ]),
    ("ContractDocument", "contract_document", [
        ("contract", ForeignKey, _reference(Contract, on_delete=OnDelete.cascade, null=False)),
        ("filename", Varchar, _params(length=200, default="")),
        ("stored_as", Varchar, _params(length=100, default="")),
        ("media_type", Varchar, _params(length=40, default="")),
        ("size", BigInt, _params(default=0)),
        ("uploaded_at", Timestamptz, _params(default=TimestamptzNow())),
        ("uploaded_by", Varchar, _params(length=254, default="")),
    ]),
    ("Purchase", "purchase", [
        ("contract", ForeignKey, _reference(Contract, on_delete=OnDelete.restrict, null=False)),
        ("reference", Varchar, _params(length=64, default="")),
        ("ordered_on", Date, _params(default=None, null=True)),
        ("notes", Text, _params(default="")),
        ("version", Integer, _params(default=1)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
    ]),
    ("PurchaseLine", "purchase_line", [
        ("purchase", ForeignKey, _reference(Purchase, on_delete=OnDelete.cascade, null=False)),
        ("position", Integer, _params(default=0)),
        ("description", Varchar, _params(length=300, default="")),
        ("category", ForeignKey, _reference(Category, on_delete=OnDelete.restrict, null=True,
                                            index=False)),
        ("quantity", Integer, _params(default=1)),
        ("unit_price_cents", BigInt, _params(default=0)),
    ]),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    def add(class_name, tablename, name, column_class, params):
        manager.add_column(table_class_name=class_name, tablename=tablename,
                           column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)

    for class_name, tablename, columns in TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            add(class_name, tablename, name, column_class, params)

    add("Asset", "asset", "contract", ForeignKey,
        _reference(Contract, on_delete=OnDelete.set_null, null=True))
    add("Asset", "asset", "purchase", ForeignKey,
        _reference(Purchase, on_delete=OnDelete.set_null, null=True))
    return manager
