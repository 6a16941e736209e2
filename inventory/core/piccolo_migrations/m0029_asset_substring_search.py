"""A substring index over asset.search_text on each engine, built on the assets that exist.

A free-text search reads `search_text LIKE '%term%'`: without an index every asset of the
searched sites is read. Both engines index trigrams (three characters in a row), which find
any substring of three characters or more:

- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 or later) over the column,
  "external content" (it keeps the index only; the text stays in asset), kept by triggers in
  the transaction that writes the asset, whoever writes it. `case_sensitive 1`: the column is
  already folded (lower case, no accents). `detail=none`: which assets hold each trigram,
  not where (the search asks for trigrams, then LIKE decides), less than half the size.
- PostgreSQL: the pg_trgm extension (in Debian's postgresql-15 package; postgresql-contrib
  elsewhere) and a GIN index with its trigram operator class, which LIKE uses directly.

Plain SQL, no application code (a migration must behave the same in a year)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-02T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "substring index over the asset search text (FTS5 trigram, pg_trgm)"

NAME = "asset_search"

SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {NAME} USING fts5(search_text, content='asset', "
    "content_rowid='id', tokenize='trigram case_sensitive 1', detail=none)"
)
# An external-content FTS5 table is told what each row held when it changes ('delete' with
# the old text): these triggers do it in the writing transaction.
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS {NAME}_insert AFTER INSERT ON asset BEGIN "
    f"INSERT INTO {NAME} (rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {NAME}_delete AFTER DELETE ON asset BEGIN "
    f"INSERT INTO {NAME} ({NAME}, rowid, search_text) "
    f"VALUES ('delete', old.id, old.search_text); END",
    # Only when the text changes: a move or a change of status leaves the index alone.
    f"CREATE TRIGGER IF NOT EXISTS {NAME}_update AFTER UPDATE OF search_text ON asset "
    "WHEN old.search_text IS NOT new.search_text BEGIN "
    f"INSERT INTO {NAME} ({NAME}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {NAME} (rowid, search_text) VALUES (new.id, new.search_text); END",
)
POSTGRES_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {NAME} ON asset USING gin (search_text gin_trgm_ops)"
)


async def _sql(sql, *args):
    """Plain SQL (Piccolo's `{}` placeholders) on the engine Piccolo runs this migration
    with, inside its transaction; rows as dicts. No application code: a migration must
    behave the same in a year, whatever the tables become."""
    engine = engine_finder()
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def _sqlite_has_trigram() -> bool:
    version = (await _sql("SELECT sqlite_version() AS v"))[0]["v"]
    return tuple(int(part) for part in version.split(".")[:2]) >= (3, 34)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def create_index():
        if engine_finder().engine_type == "sqlite":
            if not await _sqlite_has_trigram():
                raise RuntimeError("SQLite 3.34 or later is needed (FTS5 trigram tokenizer) "
                                   "for the asset search index.")
            await _sql(SQLITE_TABLE)
            for trigger in SQLITE_TRIGGERS:
                await _sql(trigger)
            # Index every asset stored so far (from the content table, in one pass).
            await _sql(f"INSERT INTO {NAME} ({NAME}) VALUES ('rebuild')")
        else:
            available = await _sql(
                "SELECT 1 AS found FROM pg_available_extensions WHERE name = 'pg_trgm'")
            if not available:
                raise RuntimeError(
                    "PostgreSQL's pg_trgm extension is needed for the asset search index "
                    "(Debian: part of the postgresql-15 package; elsewhere: postgresql-contrib).")
            await _sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            await _sql(POSTGRES_INDEX)

    async def drop_index():
        if engine_finder().engine_type == "sqlite":
            for suffix in ("insert", "delete", "update"):
                await _sql(f"DROP TRIGGER IF EXISTS {NAME}_{suffix}")
            await _sql(f"DROP TABLE IF EXISTS {NAME}")
        else:
            await _sql(f"DROP INDEX IF EXISTS {NAME}")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
