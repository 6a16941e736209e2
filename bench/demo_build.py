"""Benchmark: building the demo fleet (`inventory demo --assets N`) on SQLite and PostgreSQL.

Issue 17's targets: a million devices (a région of ~500 lycées and collèges with students'
laptops) built in under 5 minutes on PostgreSQL and under 4 on SQLite, in under 1 GB.
For each engine: an empty database (var/bench/demo-build-{N}.db, database demo_build_{N} on
the bench's PostgreSQL server), `inventory migrate`, then `inventory demo --assets N` timed:
wall clock, the command's CPU time (user + system) and peak resident memory (wait4), and on
PostgreSQL the server's CPU time over the build. On a shared machine the wall clock follows
the load; the CPU times say what the build costs. Figures only, nothing asserted; the
databases are deleted afterwards (--keep keeps them).

    .venv/bin/python bench/demo_build.py [--assets 1000000] [--engine both|sqlite|postgres]
        [--keep]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402
import run as bench  # noqa: E402
from engines import INVENTORY, LABELS, ROOT  # noqa: E402

TARGET_S = {"sqlite": 4 * 60, "postgres": 5 * 60}
TARGET_RSS_MB = 1024


def build(kind: str, assets: int, pg) -> dict:
    name = f"demo-build-{assets}" if kind == "sqlite" else f"demo_build_{assets}"
    url = engines.fresh_database(kind, name, pg)
    env = engines.env_for(url)
    subprocess.run([str(INVENTORY), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    db_pid = bench.postmaster_pid(pg) if kind == "postgres" else None
    db0 = bench.process_cpu_seconds(db_pid) if db_pid else float("nan")
    started = time.perf_counter()
    child = subprocess.Popen([str(INVENTORY), "demo", "--assets", str(assets)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    output = child.stdout.read().decode(errors="replace")
    child.stdout.close()
    if status != 0:
        raise SystemExit(f"inventory demo failed on {LABELS[kind]}:\n{output[-2000:]}")
    db_cpu = bench.process_cpu_seconds(db_pid) - db0 if db_pid else float("nan")
    return {"url": url, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss": usage.ru_maxrss / 1024, "db_cpu": db_cpu,
            "summary": output.splitlines()[0] if output else ""}


def main(argv: list[str] | None = None) -> int:
    def extra(parser):
        parser.add_argument("--keep", action="store_true", help="keep the databases")

    args, kinds = engines.fleet_arguments(argv, __doc__, default_assets=1_000_000, extra=extra)
    results = {}
    with engines.postgres_if("postgres" in kinds) as pg:
        for kind in kinds:
            print(f"{LABELS[kind]}: inventory demo --assets {args.assets:,} ...", flush=True)
            results[kind] = result = build(kind, args.assets, pg)
            print(f"  {result['summary']}", flush=True)
            if not args.keep:
                if kind == "sqlite":
                    for suffix in ("", "-wal", "-shm"):
                        Path(result["url"].removeprefix("sqlite:///") + suffix).unlink(
                            missing_ok=True)
                else:
                    import psycopg

                    with psycopg.connect(pg.url(), autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE "demo_build_{args.assets}" WITH (FORCE)')
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\ninventory demo --assets {args.assets:,} (load average now {load}, "
          f"{os.cpu_count()} cores):")
    print(f"{'':12}{'wall s':>9}{'CPU s':>9}{'DB CPU s':>10}{'peak MB':>9}"
          f"{'target s':>10}{'per 1M, CPU s':>15}")
    for kind, r in results.items():
        scale = 1_000_000 / args.assets
        db_cpu = 0 if r["db_cpu"] != r["db_cpu"] else r["db_cpu"]
        print(f"{LABELS[kind]:12}{r['wall']:9.1f}{r['cpu']:9.1f}"
              f"{r['db_cpu']:10.1f}{r['rss']:9.0f}{TARGET_S[kind]:10}"
              f"{(r['cpu'] + db_cpu) * scale:15.0f}")
    print(f"(targets at 1,000,000: built in under {TARGET_S['sqlite']} s on SQLite and "
          f"{TARGET_S['postgres']} s on PostgreSQL, under {TARGET_RSS_MB} MB; 'per 1M' scales "
          "the CPU seconds of the command and the database server linearly)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
