"""Database engine set-up: one engine per process, chosen by INVENTORY_DATABASE_URL."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory
from piccolo.querystring import QueryString

SQLITE_BUSY_TIMEOUT_S = 10.0
SQLITE_POOL_SIZE = 4
# fetch_bounded: how long a query may hold the event loop before it moves to a pooled
# connection's thread (about what rendering a list page takes), and how often SQLite checks.
LOOP_BUDGET_S = 0.002
PROGRESS_STEPS = 1000


class _PooledConnection:
    """A pooled aiosqlite connection lent to a Piccolo transaction: closing it gives it back."""

    def __init__(self, connection: aiosqlite.Connection, pool: asyncio.Queue):
        self._connection = connection
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    async def close(self) -> None:
        if self._connection.in_transaction:  # never hand back a half-done transaction
            await self._connection.rollback()
        self._pool.put_nowait(self._connection)


class InventorySQLiteEngine(SQLiteEngine):
    """SQLite with foreign keys (Piccolo sets them), a busy timeout, WAL, and a connection
    pool while the service runs.

    Piccolo opens a new aiosqlite connection (a new thread) for every query, which costs
    about 2 ms; the pool keeps a few open for the life of the service. Outside the service
    (command line, tests' own checks) queries still open their own connection.

    While the pool runs, one more plain sqlite3 connection belongs to the event loop's
    thread, for small indexed reads (see fetch_small).
    """

    def __init__(self, path: str):
        super().__init__(path=path, timeout=SQLITE_BUSY_TIMEOUT_S)
        self._pool: asyncio.Queue | None = None
        self._pooled: list[aiosqlite.Connection] = []
        self._loop_connection: sqlite3.Connection | None = None
        self._loop_thread: int | None = None

    def prepare_file(self) -> None:
        """WAL is a property of the database file: set it once."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self.path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def start_connection_pool(self, size: int = SQLITE_POOL_SIZE, **_: Any) -> None:
        if self._pool is not None:
            return
        pool: asyncio.Queue = asyncio.Queue()
        for _ in range(size):
            connection = await self._open()
            self._pooled.append(connection)
            pool.put_nowait(connection)
        # Closed from whichever thread shuts the service down, hence check_same_thread off;
        # it is only ever used on this thread (see run_on_loop_thread).
        loop_connection = sqlite3.connect(**self.connection_kwargs, check_same_thread=False)
        loop_connection.row_factory = dict_factory
        self._loop_connection, self._loop_thread = loop_connection, threading.get_ident()
        self._pool = pool

    async def close_connection_pool(self) -> None:
        pool, self._pool = self._pool, None
        for connection in self._pooled:
            await connection.close()
        self._pooled = []
        if self._loop_connection is not None:
            self._loop_connection.close()
            self._loop_connection = self._loop_thread = None
        del pool

    async def get_connection(self):
        if self._pool is None:
            return await self._open()
        return _PooledConnection(await self._pool.get(), self._pool)

    async def _run_in_new_connection(self, query: str, args: list | None = None,
                                     query_type: str = "generic", table=None):
        if self._pool is None:
            return await super()._run_in_new_connection(query, args, query_type, table)
        return await self._run_pooled(query, args or [])

    async def _run_pooled(self, query: str, args: list | tuple) -> list[dict[str, Any]]:
        connection = await self._pool.get()
        try:
            # One trip to the connection's thread (execute + fetch), not three.
            return await connection.execute_fetchall(query, args)
        finally:
            self._pool.put_nowait(connection)

    def can_run_pooled(self) -> bool:
        """Outside a transaction (which has its own connection) while the pool runs."""
        return self._pool is not None and self.current_transaction.get() is None

    def run_on_loop_thread(self, query: str, args: list | tuple,
                           budget_s: float | None = None) -> list[dict[str, Any]] | None:
        """The rows, or None when this thread has no connection of its own (another
        event loop, as in the test client) and the query must go through the pool.

        With a budget, SQLite abandons the query once it has run that long (checked every
        thousand virtual machine steps), and the answer is None as well."""
        if self._loop_connection is None or threading.get_ident() != self._loop_thread:
            return None
        if budget_s is None:
            return self._loop_connection.execute(query, args).fetchall()
        deadline = time.perf_counter() + budget_s
        self._loop_connection.set_progress_handler(
            lambda: time.perf_counter() > deadline, PROGRESS_STEPS)
        try:
            return self._loop_connection.execute(query, args).fetchall()
        except sqlite3.OperationalError as error:
            if str(error) != "interrupted":
                raise
            return None
        finally:
            self._loop_connection.set_progress_handler(None, 0)


@lru_cache(maxsize=256)
def _sqlite_placeholders(sql: str, count: int) -> str:
    return sql.format(*["?"] * count)


async def fetch_all(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of a raw read query written with Piccolo's `{}` placeholders and plain values
    (str, int, float, date, None), as dicts.

    For the hottest pages: on SQLite with the pool running it skips Piccolo's query
    machinery (building the query string costs more than running the query); otherwise,
    inside a transaction and on PostgreSQL, it goes through Piccolo as any query does."""
    engine = current_engine()
    if isinstance(engine, InventorySQLiteEngine) and engine.can_run_pooled():
        return await engine._run_pooled(_sqlite_placeholders(sql, len(args)), args)
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def fetch_small(sql: str, *args: Any) -> list[dict[str, Any]]:
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


async def fetch_bounded(sql: str, *args: Any, budget_s: float = LOOP_BUDGET_S
                        ) -> list[dict[str, Any]]:
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


current_url: str | None = None


def engine_from_url(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        return InventorySQLiteEngine(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"Unsupported INVENTORY_DATABASE_URL: {url!r} (use sqlite:/// or postgresql://)")


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
    from inventory.core import piccolo_conf, tables

    piccolo_conf.DB = engine
    for table in (*tables.ALL_TABLES, Migration):
        table._meta.db = engine
    return engine


def current_engine() -> Engine:
    from inventory.core import piccolo_conf

    return piccolo_conf.DB


async def start_pool(engine: Engine, size: int) -> None:
    if engine.engine_type == "postgres":
        await engine.start_connection_pool(min_size=min(2, size), max_size=size)
    else:
        await engine.start_connection_pool(size=min(size, SQLITE_POOL_SIZE))


async def close_pool(engine: Engine) -> None:
    await engine.close_connection_pool()
