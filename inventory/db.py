"""Database engine set-up: one engine per process, chosen by INVENTORY_DATABASE_URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

SQLITE_BUSY_TIMEOUT_S = 10.0


class InventorySQLiteEngine(SQLiteEngine):
    """SQLite with foreign keys (Piccolo sets them), a busy timeout and WAL.

    WAL is a property of the database file, so it is set once when the engine is made;
    the busy timeout is per connection and goes through sqlite3's `timeout` argument.
    """

    def __init__(self, path: str):
        super().__init__(path=path, timeout=SQLITE_BUSY_TIMEOUT_S)

    def prepare_file(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self.path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")

    async def get_connection(self):
        connection = await super().get_connection()
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection


current_url: str | None = None


def engine_from_url(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        return InventorySQLiteEngine(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"Unsupported INVENTORY_DATABASE_URL: {url!r} (use sqlite:/// or postgresql://)")


def configure(url: str) -> Engine:
    """Point Piccolo (tables, migrations) at the database named by `url`."""
    from inventory import piccolo_conf, tables

    global current_url
    current_url = url
    engine = engine_from_url(url)
    if isinstance(engine, InventorySQLiteEngine):
        engine.prepare_file()
    piccolo_conf.DB = engine
    for table in (*tables.ALL_TABLES, Migration):
        table._meta.db = engine
    return engine


def current_engine() -> Engine:
    from inventory import piccolo_conf

    return piccolo_conf.DB


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"
