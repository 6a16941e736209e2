"""The fleet's counts as the database keeps them (core.tables.AssetTally, m0033): devices per
(site, category, model, status, end-of-life year), so the dashboard's figures read a few
thousand rows instead of counting every device (a région's million devices took 2-3 s).

Every write to an asset appends its change to asset_tally_change in the writing
transaction (triggers); readers add the changes not folded in yet, so the counts are
always those of the committed assets. `fold` moves the changes into the tally: a job every
ten minutes, and bulk creations (the demo, an import) at their end. Readers never fold: on
SQLite a fold waits for the write lock, which an import holds for minutes."""

from __future__ import annotations

from typing import Any

from inventory.accounts.scope import Scope
from inventory.core.audit import atomic
from inventory.core.db import current_engine, fetch_all

GROUP = "site, category, model, status, eol_year"
# The tally with the changes not folded in yet: what the committed assets add up to.
CURRENT = (f"(SELECT {GROUP}, n FROM asset_tally UNION ALL "
           f"SELECT {GROUP}, delta AS n FROM asset_tally_change) AS tally")


async def counts(columns: str, scope: Scope, where: str = "1 = 1", *args: Any
                 ) -> list[dict[str, Any]]:
    """Devices per `columns` (of GROUP) within the scope, where `where` holds (over GROUP's
    columns: `model` and `eol_year` are 0 for none)."""
    in_scope, scope_args = scope.sql("tally.site")
    return await fetch_all(
        f"SELECT {columns}, SUM(n) AS n FROM {CURRENT} WHERE {where} AND {in_scope} "
        f"GROUP BY {columns} HAVING SUM(n) <> 0", *args, *scope_args)


async def fold() -> None:
    """Add the logged changes to the tally and drop them, in one transaction. Groups that
    no longer hold a device are dropped too."""
    upsert = (f" ON CONFLICT ({GROUP}) DO UPDATE SET n = asset_tally.n + excluded.n")
    async with atomic():
        if current_engine().engine_type == "sqlite":
            # SQLite writes one transaction at a time: nothing is logged meanwhile.
            await fetch_all(f"INSERT INTO asset_tally ({GROUP}, n) SELECT {GROUP}, SUM(delta) "
                            f"FROM asset_tally_change WHERE true GROUP BY {GROUP}" + upsert)
            await fetch_all("DELETE FROM asset_tally_change")
        else:
            # The rows deleted are the rows added, whatever other writers log meanwhile.
            # One fold at a time; a fold under way (maybe in an import's long transaction)
            # is not waited for: the changes stay logged, and counted, until the next.
            if not (await fetch_all("SELECT pg_try_advisory_xact_lock(7331) AS locked")
                    )[0]["locked"]:
                return
            await fetch_all(
                f"WITH gone AS (DELETE FROM asset_tally_change RETURNING {GROUP}, delta) "
                f"INSERT INTO asset_tally ({GROUP}, n) SELECT {GROUP}, SUM(delta) FROM gone "
                f"GROUP BY {GROUP} ORDER BY {GROUP}" + upsert)
        await fetch_all("DELETE FROM asset_tally WHERE n = 0")
