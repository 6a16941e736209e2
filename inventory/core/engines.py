"""The database engines: SQLite with a small pool of connections (and the busy timeout),
PostgreSQL through asyncpg, chosen from INVENTORY_DATABASE_URL. Imports nothing of the
application, so the Piccolo configuration can use it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, cast

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory
from piccolo.table import Table

SQLITE_BUSY_TIMEOUT_S = 10.0
# How often SQLite checks a query's time budget on the loop's own connection (in VM steps).
PROGRESS_STEPS = 1000


SQLITE_POOL_SIZE = 4


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
        for _n in range(size):
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

    # The pooled connection stands in for aiosqlite's (it forwards every method).
    async def get_connection(self) -> aiosqlite.Connection | _PooledConnection:  # type: ignore[override]
        if self._pool is None:
            return await self._open()
        return _PooledConnection(await self._pool.get(), self._pool)

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                     query_type: str = "generic",
                                     table: type[Table] | None = None) -> Any:
        if self._pool is None:
            return await super()._run_in_new_connection(query, args, query_type, table)
        return await self._run_pooled(query, args or [])

    async def _run_pooled(self, query: str, args: list | tuple) -> list[dict[str, Any]]:
        pool = self._pool
        assert pool is not None, "only while the pool runs (can_run_pooled)"
        connection = await pool.get()
        try:
            # One trip to the connection's thread (execute + fetch), not three; the rows
            # are dicts (dict_factory), which aiosqlite's annotations cannot know.
            return cast(list[dict[str, Any]], await connection.execute_fetchall(query, args))
        finally:
            pool.put_nowait(connection)

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


def engine_from_url(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        return InventorySQLiteEngine(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"Unsupported INVENTORY_DATABASE_URL: {url!r} (use sqlite:/// or postgresql://)")

