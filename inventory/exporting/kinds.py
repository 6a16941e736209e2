"""What can be exported (assets, faults, interventions, plans), each as rows streamed in
batches from the database within the reader's scope. One path for the pages and the CLI."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from inventory.accounts.scope import Scope
from inventory.core import clock
from inventory.core.i18n import lazy_gettext as L
from inventory.core.tables import Asset
from inventory.exporting import columns as exports

BATCH = 1000
# A streamed CSV's pieces: the download starts at once, and the server holds one piece of
# the file at a time, not the file (a million assets are ~220 MB of CSV).
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class ExportKind:
    name: str
    columns: tuple[exports.Column, ...]
    sheet: Any  # the XLSX sheet's title (translated)
    rows: Callable[[Scope, Mapping[str, Any]], AsyncIterator[list[Any]]]


async def _asset_rows(scope: Scope, params: Mapping[str, Any]) -> AsyncIterator[list[Any]]:
    from inventory.assets.service import AssetFilter, iter_assets_for_export

    async for asset in iter_assets_for_export(scope, f=AssetFilter.from_query(params)):
        yield exports.asset_row(asset)


Row = TypeVar("Row", bound=Mapping[str, Any])


@overload
def _batches(sql: str, scope_column: str, scope: Scope) -> AsyncIterator[dict[str, Any]]: ...
@overload
def _batches(sql: str, scope_column: str, scope: Scope, row: type[Row]) -> AsyncIterator[Row]: ...
async def _batches(sql: str, scope_column: str, scope: Scope,
                   row: Any = None) -> AsyncIterator[Any]:
    """Rows of `sql` (which selects `<table>.id AS id` among its columns) in id order, in
    batches, within the scope. `row`: their TypedDict, for type checkers (as db.fetch_all's)."""
    in_scope, args = scope.sql(scope_column)
    last_id = 0
    while True:
        rows = await Asset.raw(f"{sql} WHERE {in_scope} AND {sql_id(sql)} > {{}} "
                               f"ORDER BY {sql_id(sql)} LIMIT {{}}", *args, last_id, BATCH).run()
        if not rows:
            return
        for found in rows:
            yield found
        last_id = rows[-1]["id"]


def sql_id(sql: str) -> str:
    return sql.split(" FROM ", 1)[1].split()[0] + ".id"


async def _fault_rows(scope: Scope, params: Mapping[str, Any]) -> AsyncIterator[list[Any]]:
    from inventory.faults.rows import FaultRow
    from inventory.faults.service import FAULT_SELECT, as_seen

    async for fault in _batches(FAULT_SELECT, "fault.site", scope, row=FaultRow):
        # A director reads a fault whose device left their school as it stood then.
        yield exports.fault_row(await as_seen(fault, scope))


INTERVENTION_SELECT = (
    "SELECT intervention.*, asset.tag AS tag, site.code AS site_code, room.name AS room_name, "
    "category.code AS category_code FROM intervention "
    "JOIN asset ON asset.id = intervention.asset JOIN site ON site.id = asset.site "
    "LEFT JOIN room ON room.id = asset.room JOIN category ON category.id = asset.category"
)


async def _intervention_rows(scope: Scope, params: Mapping[str, Any]) -> AsyncIterator[list[Any]]:
    async for row in _batches(INTERVENTION_SELECT, "asset.site", scope):
        yield exports.intervention_row(row)


async def _plan_rows(scope: Scope, params: Mapping[str, Any]) -> AsyncIterator[list[Any]]:
    """Every scenario's lines (drafts as computed today, approved ones as frozen)."""
    from inventory.planning import service as planning
    from inventory.planning.exports import line_rows

    names = await planning.names()
    for summary in await planning.list_plans(scope):
        plan = await planning.get_plan(summary["id"], scope)
        result = await planning.computed(plan, clock.today())
        for row in line_rows(result, names):
            yield [plan["id"], plan["name"], plan["status"], *row]


KINDS = {
    "assets": ExportKind("assets", exports.ASSETS, L("Assets"), _asset_rows),
    "faults": ExportKind("faults", exports.FAULTS, L("Faults"), _fault_rows),
    "interventions": ExportKind("interventions", exports.INTERVENTIONS, L("Interventions"),
                                _intervention_rows),
    "plans": ExportKind("plans", exports.PLANS, L("Renewal plans"), _plan_rows),
}


async def write(kind: ExportKind, fmt: str, out, scope: Scope,
                params: Mapping[str, Any] | None = None, *, localised: bool = False) -> int:
    """`localised`: headers and words in the reader's language (the pages), not codes (the
    command line, for scripts)."""
    writer = exports.TableWriter(fmt, kind.columns, out, title=str(kind.sheet),
                                 localised=localised)
    count = 0
    async for row in kind.rows(scope, params or {}):
        writer.append(row)
        count += 1
    writer.finish()
    return count


async def csv_chunks(kind: ExportKind, fmt: str, scope: Scope,
                     params: Mapping[str, Any] | None = None, *, localised: bool = False,
                     chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
    """write()'s CSV ("csv" or "excel-csv") in pieces of about `chunk_bytes`, as the rows
    are read."""
    buffer = io.BytesIO()
    writer = exports.TableWriter(fmt, kind.columns, buffer, title=str(kind.sheet),
                                 localised=localised)
    async for row in kind.rows(scope, params or {}):
        writer.append(row)  # the writer writes through to `buffer`
        if buffer.tell() >= chunk_bytes:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.finish()
    yield buffer.getvalue()
