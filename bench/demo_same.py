"""Is the demo still the same fleet? A digest of every table the demo writes.

Builds `build_demo(N)` into a fresh SQLite file (or the empty database `--url` names) with the
clock frozen (the service's clock and the columns' "now" defaults), then prints one SHA-256
per table over its rows in id order (every column, ids included) and one over them all. Run
it from two checkouts (`PYTHONPATH=/path/to/other/checkout`) and compare: a change meant to
make the build faster must print the same digests. Up to 100,000 devices the demo is the
commune alone (the fleet benchmarks have compared for months); beyond, the région.

    PYTHONPATH=. .venv/bin/python bench/demo_same.py --assets 3000 [--url URL] [--rows TABLE]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

MOMENT = dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=3000)
    parser.add_argument("--url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--rows", help="also print every row of this table (to diff)")
    args = parser.parse_args(argv)

    from piccolo.columns.defaults import timestamp, timestamptz

    # The columns' own "now" defaults (record(), Fault(...)) read the same frozen moment.
    timestamptz.TimestamptzNow.python = lambda self: MOMENT  # type: ignore[method-assign]
    timestamp.TimestampNow.python = lambda self: MOMENT.replace(tzinfo=None)  # type: ignore[method-assign]

    from inventory.core import clock, db, migrations
    from inventory.demo import commune

    folder = tempfile.mkdtemp(prefix="demo-same-")
    url = args.url or f"sqlite:///{Path(folder) / 'demo.db'}"
    os.environ["INVENTORY_DATA_DIR"] = folder
    db.configure(url)

    async def build() -> dict[str, list[tuple]]:
        engine = db.current_engine()
        await db.start_pool(engine, size=2)
        try:
            await migrations.migrate()
            with clock.frozen(MOMENT):
                await commune.build_demo(args.assets)
            tables = [t._meta.tablename for t in _tables()]
            dumped = {}
            for name in tables:
                rows = await db.fetch_all(f"SELECT * FROM {name} ORDER BY 1")
                dumped[name] = [tuple(_plain(row[k]) for k in sorted(row)) for row in rows]
            return dumped
        finally:
            await db.close_pool(engine)

    dumped = asyncio.run(build())
    everything = hashlib.sha256()
    for name, rows in dumped.items():
        if not rows:
            continue
        text = json.dumps(rows, ensure_ascii=False, default=str)
        everything.update(name.encode() + text.encode())
        print(f"{name:28} {len(rows):>9} rows  {hashlib.sha256(text.encode()).hexdigest()[:16]}")
        if args.rows == name:
            for row in rows:
                print("   ", row)
    print(f"{'all':28} {'':>14}  {everything.hexdigest()[:16]}")
    return 0


def _tables():
    from inventory.core import tables

    # The installation's organisation is written by a migration (m0025), at the time it runs.
    return [t for t in tables.ALL_TABLES if t._meta.tablename not in ("organisation",)]


def _plain(value):
    """Values as both engines read them back, for one digest: JSON columns as structures."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


if __name__ == "__main__":
    sys.exit(main())
