"""The migrations build the schema tables.py declares, on both engines.

An empty database is migrated; another gets the tables straight from tables.py (Piccolo's
own CREATE TABLE, with its indexes) plus the composite indexes tables.py lists; the two
must agree on tables, columns (type, nullability, default), indexes, unique and foreign-key
constraints. Then each column's declaration (null, unique, index, foreign key) is checked
directly against the migrated database, so the comparison cannot pass by both sides
missing the same thing. Last, Piccolo's snapshot of the migrations (what `make migration`
compares the tables with) must agree with tables.py too."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import uuid

import pytest
from piccolo.columns import ForeignKey
from piccolo.table import create_db_tables

from inventory.core import db, migrations, tables
from tests import schema

_n = itertools.count()


def _fresh_url(engine_kind: str, request, tmp_path, label: str) -> str:
    if engine_kind == "sqlite":
        return f"sqlite:///{tmp_path / f'{label}.db'}"
    name = f"schema_{label}_{next(_n)}_{uuid.uuid4().hex[:8]}"
    return request.getfixturevalue("pg_server").create_database(name)


def _build(url: str, step) -> schema.Schema:
    db.configure(url)
    with contextlib.redirect_stdout(io.StringIO()):
        asyncio.run(step())
    return schema.read(url)


def _declared(engine_kind: str, request, tmp_path) -> schema.Schema:
    async def create() -> None:
        await create_db_tables(*tables.ALL_TABLES)

    declared = _build(_fresh_url(engine_kind, request, tmp_path, "declared"), create)
    for index in tables.COMPOSITE_INDEXES:
        if engine_kind in index.engines:
            declared[index.table].indexes.add(
                schema.Index(index.columns, index.unique, index.name))
    for substring in tables.SUBSTRING_INDEXES:
        declared[substring.table].indexes.add(schema.Index(
            (substring.column,), False, substring.name, substring.method(engine_kind)))
        if engine_kind == "sqlite":
            declared[substring.table].triggers.update(substring.triggers)
    for trigger in tables.TRIGGERS:
        declared[trigger.table].triggers.add(trigger.name)
    return declared


@pytest.fixture
def migrated(engine_kind, request, tmp_path) -> schema.Schema:
    return _build(_fresh_url(engine_kind, request, tmp_path, "migrated"), migrations.migrate)


def test_the_migrations_build_what_tables_py_declares(engine_kind, request, tmp_path, migrated):
    assert schema.differences(migrated, _declared(engine_kind, request, tmp_path)) == []


def test_each_column_declaration_is_in_the_migrated_database(migrated):
    assert set(migrated) == {t._meta.tablename for t in tables.ALL_TABLES}
    for table in tables.ALL_TABLES:
        found = migrated[table._meta.tablename]
        name = table._meta.tablename
        for column in table._meta.columns:
            column_name = column._meta.db_column_name
            where = f"{name}.{column_name}"
            assert column_name in found.columns, where
            got = found.columns[column_name]
            assert got.not_null == (not column._meta.null), where
            singles = {i for i in found.indexes if i.columns == (column_name,)}
            assert any(i.unique for i in singles) == (column._meta.unique
                                                      or column._meta.primary_key), where
            assert any(i.name == f"{name}_{column_name}" for i in singles) == column._meta.index, where
            if isinstance(column, ForeignKey):
                target = column._foreign_key_meta.resolved_references._meta.tablename
                action = column._foreign_key_meta.on_delete.value.lower()
                assert schema.ForeignKey(column_name, f"{target}(id)", action) in found.foreign_keys, where
        assert len(found.foreign_keys) == len(table._meta.foreign_key_columns), name
        assert set(found.columns) == {c._meta.db_column_name for c in table._meta.columns}, name


def test_piccolo_s_snapshot_of_the_migrations_matches_tables_py():
    """What `make migration` (piccolo migrations new --auto) would write: nothing. A column
    added by raw SQL alone would show up here (m0024 records m0023's)."""
    from piccolo.apps.migrations.commands.new import AutoMigrationManager
    from piccolo.conf.apps import Finder

    async def statements() -> list[str]:
        config = Finder().get_app_config("inventory")
        found = await AutoMigrationManager(auto_input="n").get_alter_statements(config)
        return [line for alter in found for line in alter.statements]

    with contextlib.redirect_stdout(io.StringIO()):
        assert asyncio.run(statements()) == []


def test_differences_name_what_disagrees():
    """The comparison itself: each kind of difference is reported."""
    column = schema.Column("tag", "varchar(32)", True, "''", False)
    base = schema.Table(columns={"tag": column}, indexes={schema.Index(("tag",), True, None)},
                        foreign_keys={schema.ForeignKey("site", "site(id)", "restrict")})
    same = schema.Table(columns=dict(base.columns), indexes=set(base.indexes),
                        foreign_keys=set(base.foreign_keys))
    assert schema.differences({"asset": same}, {"asset": base}) == []

    changed = schema.Table(
        columns={"tag": schema.Column("tag", "varchar(64)", False, "''", False),
                 "extra": column},
        indexes={schema.Index(("tag",), False, "asset_tag")},
        foreign_keys={schema.ForeignKey("site", "site(id)", "cascade")})
    found = schema.differences({"asset": changed, "other": same}, {"asset": base, "gone": base})
    assert found == [
        "table gone: missing",
        "table other: not declared",
        "asset.extra: not declared",
        "asset.tag: type is 'varchar(64)', declared 'varchar(32)'",
        "asset.tag: not_null is False, declared True",
        "asset: index missing: Index(columns=('tag',), unique=True, name=None)",
        "asset: index not declared: Index(columns=('tag',), unique=False, name='asset_tag')",
        "asset: foreign key missing: ForeignKey(column='site', references='site(id)', "
        "on_delete='restrict')",
        "asset: foreign key not declared: ForeignKey(column='site', references='site(id)', "
        "on_delete='cascade')",
    ]


def test_defaults_are_compared_in_one_spelling():
    assert schema._default("''::character varying") == "''"
    assert schema._default("'{}'::json") == "'{}'"
    assert schema._default("NULL") is None
    assert schema._default("CURRENT_TIMESTAMP") == "current_timestamp"
    assert schema._default("'Pending'") == "'Pending'"


def test_no_migration_imports_application_code():
    """A migration must behave the same in a year: it may import Piccolo and the standard
    library, never the application (whose tables and helpers will have changed)."""
    import ast
    from pathlib import Path

    from inventory.core import piccolo_migrations

    folder = Path(piccolo_migrations.__path__[0])
    files = sorted(folder.glob("m*.py"))
    assert len(files) == len(migrations.known_migration_ids())
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else ["(relative)"]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ("inventory", "(relative)"), (path.name, name)


def test_differences_name_an_index_built_another_way_and_a_missing_trigger():
    """A substring index (tables.SubstringIndex) is compared with how it is built, and the
    triggers that keep SQLite's full-text table current are compared by name."""
    trigram = schema.Index(("search_text",), False, "asset_search", "gin (gin_trgm_ops)")
    plain = schema.Index(("search_text",), False, "asset_search")
    found = schema.differences(
        {"asset": schema.Table(indexes={plain})},
        {"asset": schema.Table(indexes={trigram}, triggers={"asset_search_update"})})
    assert found == [
        "asset: index missing: Index(columns=('search_text',), unique=False, "
        "name='asset_search', method='gin (gin_trgm_ops)')",
        "asset: index not declared: Index(columns=('search_text',), unique=False, "
        "name='asset_search')",
        "asset: trigger missing: asset_search_update",
    ]
