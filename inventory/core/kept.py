"""Small reference tables that pages read on every view (a région's ~500 sites, the
categories), kept per process and database until they change.

Only for tables whose rows are never deleted and whose every update raises `version`: then
a table's row count, sum of versions and highest id change with any committed write. One
read gives those marks for every table asked; only the tables whose mark moved are read
again. The marks are read before the rows, so a write committed in between is seen on the
next call. Never a time-based cache: behind a proxy, another instance would show stale
names."""

from __future__ import annotations

from typing import Any

from inventory.core import db

# (database url, table) -> (its mark when read, its rows)
_kept: dict[tuple[str | None, str], tuple[tuple[Any, ...], list[dict[str, Any]]]] = {}


def marks_sql(tables: tuple[str, ...]) -> str:
    """One row: n<i>, v<i>, m<i> (count, sum of versions, highest id) of each table."""
    return "SELECT " + ", ".join(
        f"(SELECT COUNT(*) FROM {t}) AS n{i}, (SELECT SUM(version) FROM {t}) AS v{i}, "
        f"(SELECT MAX(id) FROM {t}) AS m{i}" for i, t in enumerate(tables))


async def rows(*reads: tuple[str, str]) -> list[list[dict[str, Any]]]:
    """For each (table, its SELECT), the rows, read again only if the table changed. The
    rows are shared: callers must not change them."""
    tables = tuple(table for table, _sql in reads)
    found = (await db.fetch_small(marks_sql(tables)))[0]
    answer = []
    for i, (table, sql) in enumerate(reads):
        mark = (found[f"n{i}"], found[f"v{i}"], found[f"m{i}"])
        key = (db.current_url, table)
        kept = _kept.get(key)
        if kept is None or kept[0] != mark:
            kept = mark, await db.fetch_small(sql)
            _kept[key] = kept
        answer.append(kept[1])
    return answer
