"""Which indexes the hot pages' queries use, on each engine (part of run.py; also runnable).

Each hot page is requested once in this process (Litestar's test client, signed in as the
demo administrator) against the bench's fleet, while every statement sent to the database
driver is recorded (aiosqlite and the loop thread's sqlite3 connection for SQLite, asyncpg
for PostgreSQL). Every distinct read is then explained on its own engine with the same
parameters: `EXPLAIN QUERY PLAN` on SQLite (every line), `EXPLAIN (COSTS OFF)` on PostgreSQL
(the lines that say how a table is read: Seq Scan, Index Scan using ..., Bitmap Index Scan
on ...). A query that used an index and now reads the whole table shows up as SCAN / Seq Scan.

    .venv/bin/python bench/explain.py [--assets 100000] [--engine both]
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402

# (label, path); {tag} is replaced by a tag of the fleet, {part} by part of a serial number.
HOT_PAGES = [
    ("asset page", "/a/{tag}"),
    ("filtered list", "/assets?site=GS-FERRY&category=ENI"),
    ("list + status", "/assets?site=GS-FERRY&category=ENI&status=faulty"),
    ("search in a site", "/assets?site=GS-FERRY&q=Latitude"),
    ("search everywhere", "/assets?q=Latitude"),
    # The assets' own fields through the substring index (m0029): FTS5's trigram table on
    # SQLite (SCAN asset_search VIRTUAL TABLE INDEX 0:M...), the GIN index on PostgreSQL.
    ("search a serial", "/assets?q={part}"),
]

PG_PLAN_LINE = re.compile(r"Scan")
# Reads of a whole small reference table (scans expected): counted, not listed.
REFERENCE_READ = re.compile(
    r"^SELECT [^()]* FROM (equipment_model|room|site|category)( WHERE site = \S+)?"
    r"( ORDER BY \w+)?$")


@contextlib.contextmanager
def recording() -> Iterator[list[tuple[str, tuple]]]:
    """Every statement the drivers are given while the block runs: (sql, parameters)."""
    import aiosqlite
    import asyncpg

    from inventory.core.engines import InventorySQLiteEngine

    seen: list[tuple[str, tuple]] = []
    originals = {
        (aiosqlite.Connection, "execute"): aiosqlite.Connection.execute,
        (aiosqlite.Connection, "execute_fetchall"): aiosqlite.Connection.execute_fetchall,
        (asyncpg.connection.Connection, "fetch"): asyncpg.connection.Connection.fetch,
        (InventorySQLiteEngine, "run_on_loop_thread"): InventorySQLiteEngine.run_on_loop_thread,
    }

    def wrap(original):
        def recorder(self, sql, *args, **kwargs):
            if isinstance(self, asyncpg.connection.Connection):
                seen.append((sql, tuple(args)))
            else:
                seen.append((sql, tuple(args[0] if args and args[0] is not None else ())))
            return original(self, sql, *args, **kwargs)
        return recorder

    for (cls, name), original in originals.items():
        setattr(cls, name, wrap(original))
    try:
        yield seen
    finally:
        for (cls, name), original in originals.items():
            setattr(cls, name, original)


INDEX_NAMES = (
    re.compile(r"USING (?:COVERING )?INDEX (\w+)"),  # SQLite
    re.compile(r"SCAN (\w+) VIRTUAL TABLE INDEX \d+:M"),  # SQLite's FTS5 table, by MATCH
    re.compile(r"Index (?:Only )?Scan(?: Backward)? using (\w+)"),  # PostgreSQL
    re.compile(r"Bitmap Index Scan on (\w+)"),
)
WHOLE_TABLE = (
    re.compile(r"^SCAN (\w+)$"),  # SQLite, no index at all
    re.compile(r"Seq Scan on (\w+)"),  # PostgreSQL
)


def summary(plan_lines: list[str]) -> tuple[list[str], list[str]]:
    """The indexes a page's reads use, and the tables they read whole (in order, once)."""
    indexes: dict[str, None] = {}
    whole: dict[str, None] = {}
    for line in plan_lines:
        for pattern in INDEX_NAMES:
            for name in pattern.findall(line):
                # SQLite's SCAN ... USING INDEX walks the whole index: say so.
                whole_index = line.strip().startswith("SCAN ") and "VIRTUAL TABLE" not in line
                indexes[f"{name} (whole)" if whole_index else name] = None
        for pattern in WHOLE_TABLE:
            for name in pattern.findall(line.strip()):
                whole[name] = None
    return list(indexes), list(whole)


def is_read(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH")


def short_sql(sql: str, width: int = 110) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[:width - 3] + "..."


async def _pg_plans(url: str, statements: list[tuple[str, tuple]]) -> list[list[str]]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        plans = []
        for sql, args in statements:
            try:
                rows = await conn.fetch("EXPLAIN (COSTS OFF) " + sql, *args)
                lines = [r[0] for r in rows]
                plans.append([line.replace("->  ", "").strip() for line in lines
                              if PG_PLAN_LINE.search(line)] or [lines[0].strip()])
            except Exception as error:  # noqa: BLE001 - report, do not stop the bench
                plans.append([f"(EXPLAIN failed: {error})"])
        return plans
    finally:
        await conn.close()


def plans_for(url: str, statements: list[tuple[str, tuple]]) -> list[list[str]]:
    if engines.engine_of(url) == "postgres":
        return asyncio.run(_pg_plans(url, statements))
    path = url.removeprefix("sqlite:///")
    plans = []
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for sql, args in statements:
            try:
                rows = conn.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall()
                plans.append([row[3] for row in rows])
            except sqlite3.Error as error:
                plans.append([f"(EXPLAIN failed: {error})"])
    return plans


def page_statements(url: str, tag: str, part: str = "") -> dict[str, list[tuple[str, tuple]]]:
    """The distinct reads each hot page sends, in order."""
    from litestar.testing import TestClient

    from inventory.accounts.service import DEMO_ACCOUNTS
    from inventory.app import create_app
    from inventory.core.settings import Settings
    from tests.helpers import sign_in

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("piccolo").setLevel(logging.WARNING)
    data_dir = engines.BENCH_DIR / "explain"
    data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(Settings(database_url=url, data_dir=data_dir))
    found: dict[str, list[tuple[str, tuple]]] = {}
    with TestClient(app, base_url="http://testserver.local") as client:
        sign_in(client, DEMO_ACCOUNTS[0][0])
        for label, path in HOT_PAGES:
            path = path.format(tag=tag, part=part)
            client.get(path)  # once unrecorded: caches warm as in the bench
            with recording() as seen:
                response = client.get(path)
            if response.status_code != 200:
                print(f"  warning: {path} answered {response.status_code}")
            distinct: dict[str, tuple] = {}
            for sql, args in seen:
                if is_read(sql) and sql not in distinct:
                    distinct[sql] = args
            found[label] = list(distinct.items())
    return found


def report(urls: dict[str, str]) -> dict[str, Any]:
    """Print, page by page, each read and how each engine runs it; returns the same data."""
    by_engine = {}
    for kind, url in urls.items():
        tag, serial = engines.query(
            url, "SELECT tag, serial FROM asset ORDER BY id LIMIT 1 OFFSET 7")[0]
        pages = page_statements(url, tag, serial[2:8])
        by_engine[kind] = {label: [{"sql": sql, "plan": plan} for (sql, _a), plan
                                   in zip(stmts, plans_for(url, stmts), strict=True)]
                           for label, stmts in pages.items()}
    print("\nQuery plans of the hot pages (EXPLAIN; SQLite: every line of EXPLAIN QUERY PLAN, "
          "PostgreSQL: the lines that read a table or an index):")
    for label, path in HOT_PAGES:
        print(f"\n  {label}: GET {path}")
        for kind, pages in by_engine.items():
            reads = pages.get(label, [])
            listed = [r for r in reads if not REFERENCE_READ.match(" ".join(r["sql"].split()))]
            others = len(reads) - len(listed)
            print(f"    {engines.LABELS[kind]}: {len(reads)} reads"
                  + (f" ({others} of a small reference table not shown)" if others else ""))
            for n, item in enumerate(listed, 1):
                print(f"      {n}. {short_sql(item['sql'])}")
                for line in item["plan"]:
                    print(f"           {line}")
    print("\nIndexes used by each hot page (and tables read whole, reference tables included):")
    for label, _path in HOT_PAGES:
        for kind, pages in by_engine.items():
            lines = [line for item in pages.get(label, []) for line in item["plan"]]
            indexes, whole = summary(lines)
            print(f"  {label:<18} {engines.LABELS[kind]:<11} {', '.join(indexes) or '-'}"
                  + (f"; whole: {', '.join(whole)}" if whole else ""))
    return by_engine


def main(argv: list[str] | None = None) -> int:
    args, kinds = engines.fleet_arguments(argv, __doc__, 100_000)
    with engines.postgres_if("postgres" in kinds) as pg:
        urls = engines.prepare_fleets(kinds, args.assets, pg)
        report(urls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
