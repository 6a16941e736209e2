"""Organisations: the table, who owns each site and device, and which organisations each
account works for. m0025_organisations_fill puts existing data in a first organisation
(Piccolo runs a migration's raw steps before its column changes, hence two)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-02T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "organisations, site and asset owners, accounts' organisations"


def _id_only(name: str, tablename: str) -> type[Table]:
    """The referenced tables as this migration knows them (frozen: only their id)."""
    return type(name, (Table,), {"id": Serial(null=False, primary_key=True, unique=False,
                                              index=False, index_method=IndexMethod.btree,
                                              choices=None, db_column_name="id",
                                              secret=False)},
                tablename=tablename, schema=None)


Organisation = _id_only("Organisation", "organisation")
User = _id_only("User", "app_user")


def _params(**extra):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
              "secret": False}
    params.update(extra)
    return params


def _reference(table, *, on_delete, null):
    return _params(references=table, on_delete=on_delete, on_update=OnUpdate.cascade,
                   target_column=None, null=null, index=True)


ORGANISATION_COLUMNS = [
    ("code", Varchar, _params(length=32, default="", unique=True, index=True)),
    ("name", Varchar, _params(length=200, default="")),
    ("kind", Varchar, _params(length=20, default="commune")),
    ("siren", Varchar, _params(length=9, default=None, null=True, unique=True)),
    ("tag_prefix", Varchar, _params(length=16, default="")),
    ("label_owner", Varchar, _params(length=120, default="")),
    ("version", Integer, _params(default=1)),
    ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    def add(class_name, tablename, name, column_class, params):
        manager.add_column(table_class_name=class_name, tablename=tablename,
                           column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)

    manager.add_table(class_name="Organisation", tablename="organisation", schema=None,
                      columns=None)
    for name, column_class, params in ORGANISATION_COLUMNS:
        add("Organisation", "organisation", name, column_class, params)

    for class_name, tablename in (("Site", "site"), ("Asset", "asset")):
        add(class_name, tablename, "owner", ForeignKey,
            _reference(Organisation, on_delete=OnDelete.restrict, null=True))

    manager.add_table(class_name="UserOrganisation", tablename="user_organisation",
                      schema=None, columns=None)
    add("UserOrganisation", "user_organisation", "user", ForeignKey,
        _reference(User, on_delete=OnDelete.cascade, null=False))
    add("UserOrganisation", "user_organisation", "organisation", ForeignKey,
        _reference(Organisation, on_delete=OnDelete.cascade, null=False))
    return manager
