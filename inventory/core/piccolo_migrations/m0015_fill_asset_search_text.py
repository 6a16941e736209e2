"""Fill asset.search_text (added by m0014: Piccolo runs a migration's raw steps before its
column changes, hence a migration of its own) for the assets that exist, 500 rows per
UPDATE. Plain SQL that SQLite and PostgreSQL both accept."""

import unicodedata

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-22T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "fill asset search text"

BATCH = 500
# The searched fields when this migration was written (frozen: a later field must not make
# this migration read a column that does not exist yet).
FIELDS = ("tag", "serial", "holder", "order_ref", "hostname", "ip_address", "mac_address",
          "notes")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})


def fold(text: str) -> str:
    """Searching folds text this way when this migration was written (frozen copy)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


async def _sql(sql, *args):
    """Plain SQL (Piccolo's `{}` placeholders) on the engine Piccolo runs this migration
    with, inside its transaction; rows as dicts. No application code: a migration must
    behave the same in a year, whatever the tables become."""
    engine = engine_finder()
    rows = await engine.run_querystring(QueryString(sql, *args))
    return engine.transform_response_to_dicts(rows) if rows else []


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def fill():
        def search_text(row):
            return "\n".join(fold(str(row[name])) for name in FIELDS if row[name])

        columns = ", ".join(FIELDS)
        last_id = 0
        while True:
            rows = await _sql(f"SELECT id, {columns} FROM asset WHERE id > {{}} "
                              f"ORDER BY id LIMIT {BATCH}", last_id)
            if not rows:
                return
            cases = " ".join("WHEN {} THEN {}" for _ in rows)
            ids = ", ".join("{}" for _ in rows)
            args = [value for row in rows for value in (row["id"], search_text(row))]
            await _sql(f"UPDATE asset SET search_text = CASE id {cases} END "
                       f"WHERE id IN ({ids})", *args, *[row["id"] for row in rows])
            last_id = rows[-1]["id"]

    manager.add_raw(fill)
    return manager
