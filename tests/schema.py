"""Reading a database's schema back (tables, columns, indexes, constraints) with the plain
drivers, in one shape for SQLite and PostgreSQL, so two databases can be compared."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Column:
    name: str
    type: str  # as declared, lower case: "varchar(32)", "integer", "timestamptz"...
    not_null: bool
    default: str | None  # the default's SQL text, normalised (see _default)
    primary_key: bool


@dataclass(frozen=True, order=True, repr=False)
class Index:
    columns: tuple[str, ...]
    unique: bool
    # Named by CREATE INDEX (None for what a UNIQUE or PRIMARY KEY constraint makes, whose
    # name each engine chooses).
    name: str | None
    # "" for a B-tree with the default operator classes; otherwise how it is built:
    # "gin (gin_trgm_ops)" on PostgreSQL, "fts5(...)" for SQLite's full-text table over
    # a column (tables.SubstringIndex).
    method: str = ""

    def __repr__(self) -> str:
        method = f", method={self.method!r}" if self.method else ""
        return (f"Index(columns={self.columns!r}, unique={self.unique!r}, "
                f"name={self.name!r}{method})")


@dataclass(frozen=True, order=True)
class ForeignKey:
    column: str
    references: str  # "table(column)"
    on_delete: str  # "cascade", "restrict", "set null", "no action"...


@dataclass
class Table:
    columns: dict[str, Column] = field(default_factory=dict)
    indexes: set[Index] = field(default_factory=set)
    foreign_keys: set[ForeignKey] = field(default_factory=set)
    triggers: set[str] = field(default_factory=set)  # their names


Schema = dict[str, Table]


def _default(text: str | None) -> str | None:
    """One spelling per default: PostgreSQL adds casts ('x'::character varying), SQLite keeps
    what the DDL said (null, 'x', false)."""
    if text is None:
        return None
    text = re.sub(r"::[a-z ]+(\(\d+\))?$", "", text.strip())
    text = text.lower() if not text.startswith("'") else text
    return None if text == "null" else text


def read(url: str, skip: tuple[str, ...] = ("migration",)) -> Schema:
    """The schema of the database at `url` (sqlite:///... or postgresql://...), without
    the tables named in `skip` (Piccolo's own migration table by default)."""
    if url.startswith("sqlite:///"):
        schema = _read_sqlite(url.removeprefix("sqlite:///"))
    else:
        schema = _read_postgres(url)
    return {name: table for name, table in schema.items() if name not in skip}


def _read_sqlite(path: str) -> Schema:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        schema: Schema = {}
        kinds = {r[1]: r[2] for r in conn.execute("PRAGMA table_list")
                 if r[0] == "main" and not r[1].startswith("sqlite_")}
        names = [name for name, kind in kinds.items() if kind == "table"]
        for name in names:
            table = schema[name] = Table()
            for _, column, type_, not_null, default, pk in conn.execute(
                    f'PRAGMA table_info("{name}")'):
                table.columns[column] = Column(column, type_.lower(), bool(not_null or pk),
                                               _default(default), bool(pk))
            for _, index, unique, origin, _partial in conn.execute(
                    f'PRAGMA index_list("{name}")'):
                columns = tuple(r[2] for r in conn.execute(f'PRAGMA index_info("{index}")'))
                table.indexes.add(Index(columns, bool(unique), index if origin == "c" else None))
            pk = tuple(c.name for c in table.columns.values() if c.primary_key)
            if pk:  # an INTEGER PRIMARY KEY is the rowid: SQLite lists no index for it
                table.indexes.add(Index(pk, True, None))
            for row in conn.execute(f'PRAGMA foreign_key_list("{name}")'):
                _, _, target, column, target_column, _on_update, on_delete, _ = row
                table.foreign_keys.add(
                    ForeignKey(column, f"{target}({target_column})", on_delete.lower()))
        # A full-text table over another table's column (its shadow tables are skipped) is
        # that table's index; a virtual table of its own is a table without columns.
        for name, kind in kinds.items():
            if kind == "virtual":
                sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                                   (name,)).fetchone()[0]
                owner, columns, method = _virtual_table(sql)
                schema.setdefault(owner or name, Table()).indexes.add(
                    Index(columns, False, name, method))
        for name, table_name in conn.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"):
            schema.setdefault(table_name, Table()).triggers.add(name)
        return schema
    finally:
        conn.close()


def _virtual_table(sql: str) -> tuple[str | None, tuple[str, ...], str]:
    """(its content table, its columns, "module(arguments)" without quotes) of a CREATE
    VIRTUAL TABLE statement."""
    match = re.search(r"USING\s+(\w+)\s*\((.*)\)\s*$", sql, re.S | re.I)
    assert match, sql
    spelled, columns, options = [], [], {}
    for argument in match.group(2).split(","):
        key, _, value = (part.strip().strip("'\"") for part in argument.partition("="))
        if value:
            options[key] = value
            spelled.append(f"{key}={value}")
        else:
            columns.append(key)
            spelled.append(key)
    return options.get("content"), tuple(columns), f"{match.group(1).lower()}({', '.join(spelled)})"


_PG_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null",
               "d": "set default"}


def _read_postgres(url: str) -> Schema:
    import psycopg

    with psycopg.connect(url) as conn:
        schema: Schema = {}
        for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"):
            schema[name] = Table()
        for table, column, type_, length, nullable, default in conn.execute(
                "SELECT table_name, column_name, data_type, character_maximum_length, "
                "is_nullable, column_default FROM information_schema.columns "
                "WHERE table_schema = 'public'"):
            if table not in schema:
                continue
            type_ = {"character varying": "varchar", "timestamp with time zone": "timestamptz"
                     }.get(type_, type_)
            if length is not None:
                type_ = f"{type_}({length})"
            schema[table].columns[column] = Column(column, type_, nullable == "NO",
                                                   _default(default), False)
        # Indexes, with the constraint that made each one, if any.
        for table, index, unique, primary, columns, constraint, method, classes in conn.execute(
                "SELECT t.relname, i.relname, x.indisunique, x.indisprimary, "
                "  ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(n, o) "
                "        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n "
                "        ORDER BY k.o), "
                "  c.conname, am.amname, "
                # The operator classes that are not their type's default (gin_trgm_ops).
                "  ARRAY(SELECT oc.opcname FROM unnest(x.indclass) WITH ORDINALITY k(c, o) "
                "        JOIN pg_opclass oc ON oc.oid = k.c WHERE NOT oc.opcdefault "
                "        ORDER BY k.o) "
                "FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam "
                "JOIN pg_namespace s ON s.oid = t.relnamespace AND s.nspname = 'public' "
                "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.contype IN ('u', 'p')"):
            if table not in schema:
                continue
            how = "" if method == "btree" and not classes else (
                f"{method} ({', '.join(classes)})" if classes else method)
            schema[table].indexes.add(
                Index(tuple(columns), bool(unique), None if constraint else index, how))
            if primary:
                for column in columns:
                    old = schema[table].columns[column]
                    schema[table].columns[column] = Column(
                        old.name, old.type, old.not_null, old.default, True)
        for table, column, target, target_column, action in conn.execute(
                "SELECT t.relname, a.attname, r.relname, ra.attname, c.confdeltype "
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                "JOIN pg_class r ON r.oid = c.confrelid "
                "JOIN pg_namespace s ON s.oid = t.relnamespace AND s.nspname = 'public' "
                "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1] "
                "JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = c.confkey[1] "
                "WHERE c.contype = 'f'"):
            if table in schema:
                schema[table].foreign_keys.add(
                    ForeignKey(column, f"{target}({target_column})", _PG_ACTIONS[action]))
        for name, table in conn.execute(
                "SELECT g.tgname, t.relname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid "
                "JOIN pg_namespace s ON s.oid = t.relnamespace AND s.nspname = 'public' "
                "WHERE NOT g.tgisinternal"):
            if table in schema:
                schema[table].triggers.add(name)
        return schema


def differences(found: Schema, expected: Schema) -> list[str]:
    """What `found` has that `expected` lacks and the other way round, one line each,
    sorted (empty when the two agree)."""
    lines = []
    for name in sorted(expected.keys() - found.keys()):
        lines.append(f"table {name}: missing")
    for name in sorted(found.keys() - expected.keys()):
        lines.append(f"table {name}: not declared")
    for name in sorted(found.keys() & expected.keys()):
        have, want = found[name], expected[name]
        for column in sorted(want.columns.keys() - have.columns.keys()):
            lines.append(f"{name}.{column}: missing")
        for column in sorted(have.columns.keys() - want.columns.keys()):
            lines.append(f"{name}.{column}: not declared")
        for column in sorted(have.columns.keys() & want.columns.keys()):
            a, b = have.columns[column], want.columns[column]
            for part in ("type", "not_null", "default", "primary_key"):
                if getattr(a, part) != getattr(b, part):
                    lines.append(f"{name}.{column}: {part} is {getattr(a, part)!r}, "
                                 f"declared {getattr(b, part)!r}")
        for index in sorted(want.indexes - have.indexes, key=repr):
            lines.append(f"{name}: index missing: {index}")
        for index in sorted(have.indexes - want.indexes, key=repr):
            lines.append(f"{name}: index not declared: {index}")
        for key in sorted(want.foreign_keys - have.foreign_keys):
            lines.append(f"{name}: foreign key missing: {key}")
        for key in sorted(have.foreign_keys - want.foreign_keys):
            lines.append(f"{name}: foreign key not declared: {key}")
        for trigger in sorted(want.triggers - have.triggers):
            lines.append(f"{name}: trigger missing: {trigger}")
        for trigger in sorted(have.triggers - want.triggers):
            lines.append(f"{name}: trigger not declared: {trigger}")
    return lines
