"""Running Piccolo migrations from code (CLI, app start-up, tests) and checking their state."""

from __future__ import annotations

import contextlib
import importlib
import io
import pkgutil
from functools import cache

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

from inventory.core import db, piccolo_migrations


@cache
def known_migration_ids() -> tuple[str, ...]:
    """The migrations shipped with this code (read once: the files do not change while
    the service runs)."""
    ids = []
    for module_info in pkgutil.iter_modules(piccolo_migrations.__path__):
        module = importlib.import_module(f"{piccolo_migrations.__name__}.{module_info.name}")
        ids.append(module.ID)
    return tuple(sorted(ids))


async def applied_migration_ids() -> list[str]:
    # A plain read (/healthz runs it on every probe): on SQLite it stays on the event loop's
    # thread. The table is missing only before the first migration.
    try:
        rows = await db.fetch_small("SELECT name FROM migration WHERE app_name = {}",
                                    "inventory")
    except Exception:
        if await Migration.table_exists().run():
            raise
        return []
    return sorted(r["name"] for r in rows)


async def pending_migration_ids() -> list[str]:
    applied = set(await applied_migration_ids())
    return [m for m in known_migration_ids() if m not in applied]


async def migrate(verbose: bool = False) -> list[str]:
    """Apply what is pending; running it again does nothing. Returns the applied ids."""
    pending = await pending_migration_ids()
    if not pending:
        return []
    output = io.StringIO()
    # Piccolo prints its progress; keep it for the CLI, hide it elsewhere.
    quiet = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(output)
    with quiet:
        result = await run_forwards("inventory")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{output.getvalue()}")
    return pending
