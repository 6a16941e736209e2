"""The process's database engine (one, set by configure/use) and the raw read helpers."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any, TypeVar, overload

from piccolo.apps.migrations.tables import Migration
from piccolo.columns.defaults.base import Default
from piccolo.engine.base import BaseTransaction, Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString
from piccolo.table import Table

from inventory.core import piccolo_conf, tables
from inventory.core.engines import SQLITE_POOL_SIZE, InventorySQLiteEngine, engine_from_url

# fetch_bounded: how long a query may hold the event loop before it moves to a pooled
# connection's thread (about what rendering a list page takes), and how often SQLite checks.
LOOP_BUDGET_S = 0.002

# The rows' declared shape (a TypedDict), for type checkers only: `row=` changes nothing at
# run time, rows are plain dicts either way. Without it, rows are dict[str, Any].
Row = TypeVar("Row", bound=Mapping[str, Any])


@lru_cache(maxsize=256)
def _sqlite_placeholders(sql: str, count: int) -> str:
    return sql.format(*["?"] * count)


@overload
async def fetch_all(sql: str, *args: Any) -> list[dict[str, Any]]: ...
@overload
async def fetch_all(sql: str, *args: Any, row: type[Row]) -> list[Row]: ...
async def fetch_all(sql: str, *args: Any, row: Any = None) -> list[Any]:
    """Rows of a raw read query written with Piccolo's `{}` placeholders and plain values
    (str, int, float, date, None), as dicts.

    For the hottest pages: on SQLite with the pool running it skips Piccolo's query
    machinery (building the query string costs more than running the query); otherwise,
    inside a transaction and on PostgreSQL, it goes through Piccolo as any query does."""
    engine = current_engine()
    if isinstance(engine, InventorySQLiteEngine) and engine.can_run_pooled():
        return await engine._run_pooled(_sqlite_placeholders(sql, len(args)), args)
    if isinstance(engine, PostgresEngine):
        # Straight to asyncpg: Piccolo's QueryString parses the text again on every call.
        numbered = _postgres_placeholders(sql, len(args))
        transaction = engine.current_transaction.get()
        if transaction is not None:
            return [dict(r) for r in await transaction.connection.fetch(numbered, *args)]
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                return [dict(r) for r in await connection.fetch(numbered, *args)]
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def fetch_tuples(sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of a raw read of hundreds of thousands of rows as plain tuples, in the SELECT's
    column order, without fetch_all's per-value work (a dict per row, a Python converter
    per typed value: ~5 s of a million-device plan). SQLite gives dates and times as their
    ISO text; PostgreSQL as date objects. Outside a transaction only."""
    engine = current_engine()
    if engine.current_transaction.get() is None:
        if isinstance(engine, InventorySQLiteEngine):
            return await asyncio.to_thread(_plain_sqlite_rows, engine.path,
                                           _sqlite_placeholders(sql, len(args)), args)
        if isinstance(engine, PostgresEngine) and engine.pool is not None:
            async with engine.pool.acquire() as connection:
                return list(await connection.fetch(_postgres_placeholders(sql, len(args)),
                                                   *args))
    return [tuple(row.values()) for row in await fetch_all(sql, *args)]


def _plain_sqlite_rows(path: str, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    # A connection of its own, without the engine's converters and row factory (a reader
    # in WAL mode: writers go on meanwhile).
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


@lru_cache(maxsize=256)
@lru_cache(maxsize=256)
def _postgres_placeholders(sql: str, count: int) -> str:
    return sql.format(*[f"${n}" for n in range(1, count + 1)])


@overload
async def fetch_small(sql: str, *args: Any) -> list[dict[str, Any]]: ...
@overload
async def fetch_small(sql: str, *args: Any, row: type[Row]) -> list[Row]: ...
async def fetch_small(sql: str, *args: Any, row: Any = None) -> list[Any]:
    """As fetch_all, for a read that finds a few rows through an index (a session, one
    asset and its recent records, a small reference table).

    On SQLite it runs on the event loop's own thread: such a query takes tens of
    microseconds, less than the hop to aiosqlite's thread and back, and in WAL mode a
    reader never waits for a writer. Never use it for scans or searches: while it runs,
    every other request waits."""
    engine = current_engine()
    if isinstance(engine, InventorySQLiteEngine) and engine.can_run_pooled():
        rows = engine.run_on_loop_thread(_sqlite_placeholders(sql, len(args)), args)
        if rows is not None:
            return rows
    return await fetch_all(sql, *args)


@overload
async def fetch_bounded(sql: str, *args: Any, budget_s: float = LOOP_BUDGET_S
                        ) -> list[dict[str, Any]]: ...
@overload
async def fetch_bounded(sql: str, *args: Any, budget_s: float = LOOP_BUDGET_S,
                        row: type[Row]) -> list[Row]: ...
async def fetch_bounded(sql: str, *args: Any, budget_s: float = LOOP_BUDGET_S,
                        row: Any = None) -> list[Any]:
    """As fetch_all, for a read that is usually quick but not always (the asset list: a
    filter on site and category walks a short stretch of an index; another sort or a far
    page may read thousands of rows).

    On SQLite it first runs on the event loop's thread, which saves two thread switches,
    each of which waits for the interpreter lock while the loop is busy: with 16 list
    requests in flight that wait was most of their time. A query still running after
    `budget_s` is abandoned and runs again on a pooled connection's thread, so a slow one
    never holds up other requests for longer than that."""
    engine = current_engine()
    if isinstance(engine, InventorySQLiteEngine) and engine.can_run_pooled():
        sql = _sqlite_placeholders(sql, len(args))
        rows = engine.run_on_loop_thread(sql, args, budget_s)
        if rows is not None:
            return rows
        return await engine._run_pooled(sql, args)
    return await fetch_all(sql, *args)


# From this many rows, insert_many on PostgreSQL writes with COPY rather than INSERTs.
COPY_FROM = 200


async def insert_many(table: type[Table], rows: list[dict[str, Any]]) -> None:
    """Multi-row INSERTs of `rows` (dicts with the same keys, column names) into `table`: a
    bulk write costs the database, not Piccolo's per-object machinery. Runs in the caller's
    transaction when there is one: then the rows go straight to the driver on the
    transaction's connection (Piccolo's query string checked every one of the values: most
    of the time of a big import or demo went there); the values are the same either way,
    converted by the driver."""
    if not rows:
        return
    names = list(rows[0])
    quoted = ", ".join(f'"{name}"' for name in names)
    engine = current_engine()
    transaction = engine.current_transaction.get()
    step = max(1, 20_000 // len(names))  # under SQLite's and asyncpg's parameter limits
    if transaction is not None:
        take = itemgetter(*names)  # a tuple of the values, in C (one name: wrapped below)
        records = [(take(row),) for row in rows] if len(names) == 1 else list(map(take, rows))
        # Both engines' transactions hold their driver connection (not on the base class).
        connection = transaction.connection  # type: ignore[attr-defined]
        if not isinstance(engine, PostgresEngine):
            # Statements of many rows, not executemany: SQLite opens a statement journal
            # for each statement that fires a trigger, and the search index's (m0029) then
            # writes its pending trigrams out every time: a row per statement cost five
            # times as much as the rows themselves.
            for start in range(0, len(records), step):
                values = records[start:start + step]
                await connection.execute_fetchall(
                    _sqlite_insert(table._meta.tablename, quoted, len(names), len(values)),
                    list(chain.from_iterable(values)))
            return
        if len(records) >= COPY_FROM:
            # COPY: the rows stream in one statement, with no per-row round of
            # parse/bind/execute; indexes (the search's trigram GIN too) are kept as by
            # INSERT, and in the transaction.
            await connection.copy_records_to_table(
                table._meta.tablename, records=records, columns=names)
            return
        marks = ", ".join(f"${n}" for n in range(1, len(names) + 1))
        await connection.executemany(
            f"INSERT INTO {table._meta.tablename} ({quoted}) VALUES ({marks})", records)
        return
    placeholders = "(" + ", ".join("{}" for _ in names) + ")"
    for start in range(0, len(rows), step):
        chunk = rows[start:start + step]
        args = [row[name] for row in chunk for name in names]
        await table.raw(f"INSERT INTO {table._meta.tablename} ({quoted}) VALUES "
                        + ", ".join(placeholders for _ in chunk), *args).run()


@lru_cache(maxsize=64)
def _sqlite_insert(tablename: str, quoted: str, width: int, count: int) -> str:
    one = "(" + ", ".join("?" for _ in range(width)) + ")"
    return f"INSERT INTO {tablename} ({quoted}) VALUES " + ", ".join(one for _ in range(count))


async def update_many(table: type[Table], names: Sequence[str],
                      rows: Sequence[Sequence[Any]]) -> set[int]:
    """Versioned UPDATEs of many rows of `table` in a few statements, inside the caller's
    transaction: each row is (id, version, *values of `names`), and sets those columns of
    the row with that id if its version is still that one. Returns the ids updated (a row
    changed or deleted meanwhile is missing).

    One statement per slice of rows, the values joined as a table (SQLite: UPDATE ... FROM
    (VALUES ...), SQLite 3.33 and later; PostgreSQL: FROM unnest() of one array per column,
    typed as the columns): a statement per row fired the asset's triggers (the search
    index's, the tally's) statement by statement, and cost a round of parse, bind and
    execute each."""
    if not rows:
        return set()
    engine = current_engine()
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("update_many runs inside a transaction (audit.atomic())")
    connection = transaction.connection  # type: ignore[attr-defined]
    tablename = table._meta.tablename
    width = len(names) + 2
    updated: set[int] = set()
    if isinstance(engine, PostgresEngine):
        sql = _postgres_update(table, tuple(names))
        for start in range(0, len(rows), _PG_UPDATE_ROWS):
            columns = list(zip(*rows[start:start + _PG_UPDATE_ROWS], strict=True))
            updated.update(r[0] for r in await connection.fetch(sql, *map(list, columns)))
        return updated
    step = max(1, 20_000 // width)  # under SQLite's parameter limit
    for start in range(0, len(rows), step):
        chunk = rows[start:start + step]
        found = await connection.execute_fetchall(
            _sqlite_update(tablename, tuple(names), len(chunk)), list(chain.from_iterable(chunk)))
        updated.update(r["id"] if isinstance(r, dict) else r[0] for r in found)
    return updated


# Rows per PostgreSQL UPDATE of update_many (one array parameter per column, so no limit on
# parameters; slices keep each statement's arrays a few MB at most).
_PG_UPDATE_ROWS = 5_000


@lru_cache(maxsize=64)
def _sqlite_update(tablename: str, names: tuple[str, ...], count: int) -> str:
    # A VALUES table's columns are column1, column2...: id, version, then the values.
    sets = ", ".join(f'"{name}" = v.column{n}' for n, name in enumerate(names, 3))
    one = "(" + ", ".join("?" for _ in range(len(names) + 2)) + ")"
    return (f"UPDATE {tablename} SET {sets} FROM (VALUES " + ", ".join(one for _ in range(count))
            + f") AS v WHERE {tablename}.id = v.column1 AND {tablename}.version = v.column2 "
            f"RETURNING {tablename}.id")


@lru_cache(maxsize=64)
def _postgres_update(table: type[Table], names: tuple[str, ...]) -> str:
    tablename = table._meta.tablename
    types = [table._meta.get_column_by_name(name).column_type for name in names]
    arrays = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(
        ["INTEGER", "INTEGER", *types], 1))
    sets = ", ".join(f'"{name}" = v."{name}"' for name in names)
    aliases = ", ".join(f'"{name}"' for name in ("_id", "_version", *names))
    return (f"UPDATE {tablename} SET {sets} FROM unnest({arrays}) AS v({aliases}) "
            f"WHERE {tablename}.id = v._id AND {tablename}.version = v._version "
            f"RETURNING {tablename}.id")


def column_defaults(table: type[Table]) -> dict[str, Any]:
    """Every column but the primary key with the value a new row takes when not given, as
    `table(...)` fills it (a "now" default read now): the base of rows for insert_many."""
    values = {}
    for column in table._meta.columns:
        if column is table._meta.primary_key:
            continue
        value = column.get_default_value()
        values[column._meta.db_column_name] = (
            value.python() if isinstance(value, Default) else value)
    return values


async def taken(table: type[Table], condition: Any, exclude_id: int | None = None) -> bool:
    """Whether a row of `table` other than `exclude_id` (the one being edited) meets
    `condition`: a value that must be unique is already used."""
    query = table.exists().where(condition)
    if exclude_id is not None:
        query = query.where(table._meta.primary_key != exclude_id)
    return await query.run()


async def insert_returning_ids(table: type[Table], rows: list[dict[str, Any]]) -> list[int]:
    """As insert_many, for rows whose new ids the caller needs: multi-row INSERTs (in
    slices under the engines' parameter limits) that return the ids, in the order of `rows`.
    Neither engine promises the order in which RETURNING gives its rows, but both number
    the rows of one INSERT in the order of its VALUES (one statement, ids taken one after
    the other), so each slice's ids, sorted, are the rows' ids in order."""
    if not rows:
        return []
    names = list(rows[0])
    quoted = ", ".join(f'"{name}"' for name in names)
    engine = current_engine()
    transaction = engine.current_transaction.get()
    postgres = isinstance(engine, PostgresEngine)
    take = itemgetter(*names)
    sql = f"INSERT INTO {table._meta.tablename} ({quoted}) VALUES "
    ids: list[int] = []
    step = max(1, 20_000 // len(names))
    for start in range(0, len(rows), step):
        chunk = rows[start:start + step]
        args: list[Any] = []
        for row in chunk:
            args.extend(take(row) if len(names) > 1 else (take(row),))
        if transaction is None:  # through Piccolo, which opens a connection
            marks = "(" + ", ".join("{}" for _ in names) + ")"
            found = await table.raw(sql + ", ".join(marks for _ in chunk) + " RETURNING id",
                                    *args).run()
            ids.extend(sorted(row["id"] for row in found))
            continue
        width = len(names)
        if postgres:
            values = ", ".join("(" + ", ".join(f"${n * width + k}" for k in range(1, width + 1))
                               + ")" for n in range(len(chunk)))
            found = await transaction.connection.fetch(  # type: ignore[attr-defined]
                sql + values + " RETURNING id", *args)
        else:
            marks = "(" + ", ".join("?" for _ in names) + ")"
            found = await transaction.connection.execute_fetchall(  # type: ignore[attr-defined]
                sql + ", ".join(marks for _ in chunk) + " RETURNING id", args)
            found = [row if isinstance(row, dict) else {"id": row[0]} for row in found]
        ids.extend(sorted(row["id"] for row in found))
    return ids


current_url: str | None = None


def configure(url: str) -> Engine:
    """Point Piccolo (tables, migrations) at the database named by `url`."""
    global current_url
    current_url = url
    engine = engine_from_url(url)
    if isinstance(engine, InventorySQLiteEngine):
        engine.prepare_file()
    return use(engine)


def use(engine: Engine) -> Engine:
    """Make `engine` the one every table and migration goes through."""

    piccolo_conf.DB = engine
    for table in (*tables.ALL_TABLES, Migration):
        table._meta.db = engine
    return engine


def current_engine() -> Engine[BaseTransaction]:

    return piccolo_conf.DB


async def _keep_session(_connection: Any) -> None:
    """asyncpg's reset on giving a connection back, minus the reset query.

    By default the pool sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL;` after every query run outside a transaction: a second round trip per query.
    The service changes no session state (no SET, LISTEN, cursor or session-level advisory
    lock; the tally's lock is a transaction's), and asyncpg still rolls back a transaction
    left open before calling this."""


async def start_pool(engine: Engine, size: int) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=min(2, size), max_size=size,
                                           reset=_keep_session)
    elif isinstance(engine, InventorySQLiteEngine):
        await engine.start_connection_pool(size=min(size, SQLITE_POOL_SIZE))
    else:
        await engine.start_connection_pool()


async def close_pool(engine: Engine) -> None:
    await engine.close_connection_pool()
