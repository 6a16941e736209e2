"""The asset tally's key, the triggers that log every change to an asset's counted values,
and the tally of the assets that exist.

Each engine logs changes in the transaction that writes the asset, whoever writes it (pages,
API, import, demo, command line): SQLite with a row trigger per event; PostgreSQL with a
statement trigger per event reading the statement's transition tables (one grouped insert
for a bulk insert of 1,000 rows, not 1,000). An update that leaves the counted values as
they were logs nothing. Changes are appended, not added to the tally's rows: two
transactions writing devices of the same group never wait for each other, however long
one of them lasts (an import). Plain SQL, no application code."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-02T16:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "asset tally: key, change triggers, first counts"

GROUP = "site, category, model, status, eol_year"
KEY = f"CREATE UNIQUE INDEX IF NOT EXISTS asset_tally_key ON asset_tally ({GROUP})"


def _values(row: str) -> str:
    return (f"{row}.site, {row}.category, COALESCE({row}.model, 0), {row}.status, "
            f"COALESCE({row}.eol_year, 0)")


_LOG = f"INSERT INTO asset_tally_change ({GROUP}, delta) "
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS asset_tally_insert AFTER INSERT ON asset BEGIN "
    f"{_LOG}VALUES ({_values('new')}, 1); END",
    "CREATE TRIGGER IF NOT EXISTS asset_tally_delete AFTER DELETE ON asset BEGIN "
    f"{_LOG}VALUES ({_values('old')}, -1); END",
    "CREATE TRIGGER IF NOT EXISTS asset_tally_update AFTER UPDATE OF "
    f"{GROUP} ON asset WHEN old.site IS NOT new.site OR old.category IS NOT new.category "
    "OR old.model IS NOT new.model OR old.status IS NOT new.status "
    "OR old.eol_year IS NOT new.eol_year BEGIN "
    f"{_LOG}VALUES ({_values('old')}, -1); {_LOG}VALUES ({_values('new')}, 1); END",
)


def _grouped(source: str, sign: str) -> str:
    return (f"SELECT {_values('r')}, {sign}COUNT(*) FROM {source} r "
            "GROUP BY 1, 2, 3, 4, 5")


def _pg_function(name: str, body: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body}; RETURN NULL; END $$")


POSTGRES_FUNCTIONS = (
    _pg_function("asset_tally_insert", _LOG + _grouped("new_rows", "")),
    _pg_function("asset_tally_delete", _LOG + _grouped("old_rows", "-")),
    # The rows before and after, netted: an update of a note logs nothing.
    _pg_function("asset_tally_update", _LOG + f"SELECT {GROUP}, SUM(d) FROM ("
                 + _grouped("old_rows", "-").replace("COUNT(*)", "COUNT(*) AS d")
                 + " UNION ALL " + _grouped("new_rows", "").replace("COUNT(*)", "COUNT(*) AS d")
                 + f") AS moved (site, category, model, status, eol_year, d) GROUP BY {GROUP} "
                 "HAVING SUM(d) <> 0"),
)
POSTGRES_TRIGGERS = (
    "CREATE TRIGGER asset_tally_insert AFTER INSERT ON asset REFERENCING NEW TABLE AS "
    "new_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_tally_insert()",
    "CREATE TRIGGER asset_tally_delete AFTER DELETE ON asset REFERENCING OLD TABLE AS "
    "old_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_tally_delete()",
    "CREATE TRIGGER asset_tally_update AFTER UPDATE ON asset REFERENCING OLD TABLE AS "
    "old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_tally_update()",
)
FILL = (f"INSERT INTO asset_tally ({GROUP}, n) SELECT {_values('asset')}, COUNT(*) FROM asset "
        "GROUP BY 1, 2, 3, 4, 5")


async def _sql(sql, *args):
    """Plain SQL (Piccolo's `{}` placeholders) in the migration's transaction."""
    engine = engine_finder()
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def create():
        await _sql(KEY)
        if engine_finder().engine_type == "sqlite":
            for trigger in SQLITE_TRIGGERS:
                await _sql(trigger)
        else:
            for statement in (*POSTGRES_FUNCTIONS, *POSTGRES_TRIGGERS):
                await _sql(statement)
        await _sql("DELETE FROM asset_tally_change")
        await _sql("DELETE FROM asset_tally")
        await _sql(FILL)

    async def drop():
        for event in ("insert", "delete", "update"):
            if engine_finder().engine_type == "sqlite":
                await _sql(f"DROP TRIGGER IF EXISTS asset_tally_{event}")
            else:
                await _sql(f"DROP TRIGGER IF EXISTS asset_tally_{event} ON asset")
                await _sql(f"DROP FUNCTION IF EXISTS asset_tally_{event}()")
        await _sql("DROP INDEX IF EXISTS asset_tally_key")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
