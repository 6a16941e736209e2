"""Both engines for the benchmarks: a PostgreSQL server of the bench's own, the same demo
fleet built on SQLite and on PostgreSQL, and EXPLAIN of the queries a page runs.

The PostgreSQL server is started from the machine's binaries the way the tests start theirs
(tests/pgserver.py: as root it runs as the `postgres` user, same settings), but its data
folder is kept under var/bench/pg/ so that a 100,000-asset fleet built once is reused by the
next run, as the SQLite files under var/bench/ are. `--rebuild` (run.py) builds both again.

    sqlite:    var/bench/inventory-{N}.db
    postgres:  database inventory_{N} on the bench's server (var/bench/pg/)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
INVENTORY = BIN / "inventory"
BENCH_DIR = ROOT / "var" / "bench"
PG_DIR = BENCH_DIR / "pg"

ENGINES = ("sqlite", "postgres")
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.pgserver import PostgresServer, _free_port, find_pg_bin  # noqa: E402


def fleet_arguments(argv: list[str] | None, doc: str, default_assets: int = 100_000,
                    extra=None, size: str = "--assets",
                    size_help: str = "size of the demo fleet") -> tuple[argparse.Namespace, list[str]]:
    """The options every fleet benchmark takes (--assets, or the script's `size` option, and
    --engine; `extra(parser)` adds the script's own), parsed: (args, the engines chosen)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(size, type=int, default=default_assets, help=size_help)
    add_engine_argument(parser)
    if extra is not None:
        extra(parser)
    args = parser.parse_args(argv)
    return args, chosen(args.engine)


def add_engine_argument(parser) -> None:
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both",
                        help="database engine(s) to measure (default: both, side by side)")


def chosen(engine: str) -> list[str]:
    return list(ENGINES) if engine == "both" else [engine]


# --------------------------------------------------------------------------- PostgreSQL


class BenchPostgres(PostgresServer):
    """A PostgresServer whose data folder outlives the run (see the module's docstring)."""

    def start(self) -> None:
        data = os.path.join(self.folder, "data")
        if not os.path.exists(os.path.join(data, "PG_VERSION")):
            self.initdb()
        else:
            # A server left running by an interrupted run: stop it first.
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run(os.path.join(self.bin_dir, "pg_ctl"), "-D", data, "status")
                self._run(os.path.join(self.bin_dir, "pg_ctl"), "-D", data, "-m", "fast",
                          "-w", "stop")
        self.launch()

    def stop(self) -> None:  # keeps the data folder
        self._run(os.path.join(self.bin_dir, "pg_ctl"), "-D",
                  os.path.join(self.folder, "data"), "-m", "fast", "-w", "stop")

    def database_exists(self, name: str) -> bool:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                (name,)).fetchone() is not None

    def recreate_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def postgres_if(needed: bool) -> Iterator[BenchPostgres | None]:
    """The bench's PostgreSQL server while the block runs (None when not needed)."""
    if not needed:
        yield None
        return
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql); "
                         "run with --engine sqlite")
    PG_DIR.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(PG_DIR, "postgres", "postgres")
    server = BenchPostgres(bin_dir=bin_dir, folder=str(PG_DIR), port=_free_port(),
                           user="postgres")
    try:
        server.start()
    except subprocess.CalledProcessError as error:
        log = PG_DIR / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise SystemExit(f"PostgreSQL did not start: {error.stderr!r}\n{tail}") from None
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- databases


def env_for(url: str, **extra: str) -> dict[str, str]:
    # PYTHONPATH: the children run this checkout's code.
    return {**os.environ, "INVENTORY_DATABASE_URL": url, "INVENTORY_DATA_DIR": str(BENCH_DIR),
            "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), **extra}


def query(url: str, sql: str, *args: Any) -> list[tuple]:
    """Rows of a read, on either engine (sql written with `?` placeholders)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return conn.execute(sql, args).fetchall()
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql.replace("?", "%s"), args).fetchall()


def fleet_url(kind: str, assets: int, pg: BenchPostgres | None) -> str:
    if kind == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'inventory-{assets}.db'}"
    return pg.url(f"inventory_{assets}")


def is_complete(url: str, assets: int) -> bool:
    """True when a previous run left a finished demo database of the right size.

    `inventory demo` writes everything in one transaction, so a half-built database has no
    tag_sequence row; the counts guard against a database built with another --assets."""
    try:
        n_assets = query(url, "SELECT count(*) FROM asset")[0][0]
        n_audit = query(url, "SELECT count(*) FROM audit_record")[0][0]
        seq = query(url, "SELECT last_value FROM tag_sequence")
        n_users = query(url, "SELECT count(*) FROM app_user")[0][0]
    except Exception:  # noqa: BLE001 - missing file, database or table: not complete
        return False
    return (n_assets == assets and n_audit >= assets and bool(seq) and seq[0][0] == assets
            and n_users > 0)


def fresh_database(kind: str, name: str, pg: BenchPostgres | None) -> str:
    """An empty database (`name` without suffix); whatever it held is gone."""
    if kind == "sqlite":
        path = BENCH_DIR / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    return pg.recreate_database(name)


def build_fleet(kind: str, assets: int, pg: BenchPostgres | None, rebuild: bool = False
                ) -> tuple[str, float | None]:
    """The demo fleet of `assets` on `kind`, built unless a complete one is there; returns
    its URL and the `inventory demo` wall time (None when reused)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = fleet_url(kind, assets, pg)
    if not rebuild and is_complete(url, assets):
        return url, None
    url = fresh_database(kind, f"inventory-{assets}" if kind == "sqlite"
                         else f"inventory_{assets}", pg)
    env = env_for(url)
    subprocess.run([str(INVENTORY), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"Building the demo fleet ({assets:,} assets) on {LABELS[kind]} ...", flush=True)
    started = time.perf_counter()
    subprocess.run([str(INVENTORY), "demo", "--assets", str(assets)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if not is_complete(url, assets):
        raise SystemExit(f"the {LABELS[kind]} demo database is incomplete after `inventory demo`")
    return url, elapsed


# `inventory demo` wall seconds of the fleets built by this process, by engine.
BUILD_TIMES: dict[str, float] = {}


def prepare_fleets(kinds: list[str], assets: int, pg: BenchPostgres | None,
                   rebuild: bool = False) -> dict[str, str]:
    urls = {}
    for kind in kinds:
        url, built_s = build_fleet(kind, assets, pg, rebuild)
        if built_s is not None:
            BUILD_TIMES[kind] = built_s
        if built_s is None:
            print(f"{LABELS[kind]}: reusing the complete {assets:,}-asset fleet "
                  "(--rebuild to build it again).")
        else:
            print(f"{LABELS[kind]}: demo fleet built, {assets:,} assets in {built_s:.1f} s "
                  "(inventory demo, wall clock).")
        urls[kind] = url
    return urls


def measure_fleets(kinds: list[str], assets: int, measure, keep=None) -> tuple[dict, Any]:
    """`measure(kind, url)` on each chosen engine's fleet of `assets`, PostgreSQL started only
    when chosen: (figures by engine, `keep(urls)` taken while the servers still run)."""
    figures = {}
    with postgres_if("postgres" in kinds) as pg:
        urls = prepare_fleets(kinds, assets, pg)
        for kind, url in urls.items():
            figures[kind] = measure(kind, url)
        kept = keep(urls) if keep is not None else None
    return figures, kept


def read_tags(url: str) -> list[str]:
    return [row[0] for row in query(url, "SELECT tag FROM asset ORDER BY id")]


def engine_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite:") else "postgres"


# --------------------------------------------------------------------------- side by side


def fmt_ratio(pg: float, lite: float) -> str:
    return f"{pg / lite:.2f}" if lite and lite == lite and pg == pg else "-"


def print_side_by_side(title: str, rows: list[tuple[str, dict[str, dict]]],
                       metrics: list[tuple[str, str, str, bool]]) -> None:
    """One table: a row per scenario, SQLite's metrics then PostgreSQL's, and the ratio
    PostgreSQL/SQLite of the metric marked for it. `rows`: (scenario, {engine: {key: value}});
    `metrics`: (key, header, format, is_the_ratio's)."""
    print(f"\n{title}")
    heads = [f"{'PG' if kind == 'postgres' else 'SQLite'} {head}"
             for kind in ENGINES for _key, head, _f, _r in metrics]
    ratio_key = next(key for key, _h, _f, is_ratio in metrics if is_ratio)
    widths = [max(11, len(h) + 2) for h in heads]
    print(f"{'scenario':<16}" + "".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True))
          + f"{'PG/SQLite':>11}")
    for name, by_engine in rows:
        cells = []
        for kind in ENGINES:
            for key, _head, fmt, _r in metrics:
                value = by_engine.get(kind, {}).get(key)
                cells.append("-" if value is None else format(value, fmt))
        lite = by_engine.get("sqlite", {}).get(ratio_key)
        pg = by_engine.get("postgres", {}).get(ratio_key)
        ratio = fmt_ratio(pg, lite) if lite is not None and pg is not None else "-"
        print(f"{name:<16}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))
              + f"{ratio:>11}")
