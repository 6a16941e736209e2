"""Benchmark: the asset page through nginx, one instance against two, on one PostgreSQL.

Issue 17: "the same service with two instances behind a reverse proxy (nginx from Debian's
packages, started by the benchmark) on one PostgreSQL database: the asset page's throughput
at least 1.6x one instance's". On the bench's PostgreSQL demo fleet (--assets, default
100,000; engines.py), this starts two `inventory serve --no-access-log` instances (one
worker each, INVENTORY_TRUSTED_PROXIES=127.0.0.1) and two nginx servers running
deploy/nginx.conf (tests/nginxserver.py): one whose upstream is the first instance only, one
whose upstream is both. It then drives GET /a/{tag} (random tags, signed in as the demo
administrator) with 16 keep-alive connections (run.py's closed-loop load), alternating

  direct    straight to the first instance (no proxy: what nginx costs)
  one       nginx -> the first instance
  two       nginx -> both instances (round robin)

in rounds (the order rotates each round), and prints the median of the rounds with the
CPU used by the instances, nginx and PostgreSQL. The second instance idles while the others
are measured. Figures only, nothing asserted.

On a machine with fewer cores than processes (instances + nginx + PostgreSQL + the load
generator), a second instance has no core of its own: the ratio then says how much of the
machine one instance left unused, not how the set-up scales (bench/README.md).

    .venv/bin/python bench/proxy.py [--assets 100000] [--seconds 8] [--warmup 2]
        [--rounds 3] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402  (the PostgreSQL server and the fleets)
import run as bench  # noqa: E402  (server start, sign-in, the closed-loop load)
from engines import BENCH_DIR, ROOT  # noqa: E402

from tests.nginxserver import find_nginx, start_nginx  # noqa: E402

TARGET_TWO_VS_ONE = 1.6
CONFIGS = ("direct", "one", "two")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if find_nginx() is None:
        print("nginx is not installed (apt-get install nginx): the proxy bench is skipped.")
        return 0
    results: dict[str, list] = {name: [] for name in CONFIGS}
    with engines.postgres_if(True) as pg:
        url = engines.prepare_fleets(["postgres"], args.assets, pg)["postgres"]
        tags = engines.read_tags(url)
        env = engines.env_for(url, INVENTORY_TRUSTED_PROXIES="127.0.0.1",
                              INVENTORY_SECRET_KEY="bench-shared-secret-key")
        servers, proxies = [], []
        try:
            for n in (1, 2):
                servers.append(bench.start_server(env, BENCH_DIR / f"proxy-instance{n}.log"))
            ports = [port for _process, port in servers]
            proxies = [start_nginx(ports[:1]), start_nginx(ports)]
            target = {"direct": ports[0], "one": proxies[0].port, "two": proxies[1].port}
            cookie = bench.sign_in(target["two"])  # one session, valid on both instances
            db_pid = bench.postmaster_pid(pg)
            pids = [process.pid for process, _port in servers]
            print(f"PostgreSQL, {args.assets:,} assets; instances on ports {ports}, nginx "
                  f"{proxies[0].port} (one) and {proxies[1].port} (two); "
                  f"{args.concurrency} connections, {args.rounds} rounds of "
                  f"{args.seconds:g} s.", flush=True)
            for round_no in range(args.rounds):
                order = CONFIGS[round_no % 3:] + CONFIGS[:round_no % 3]
                for name in order:
                    cpu0 = {pid: bench.process_cpu_seconds(pid)
                            for pid in [*pids, *(p.process.pid for p in proxies)]}
                    t0 = time.perf_counter()
                    result = bench.run_load(
                        target[name], "asset", tags, concurrency=args.concurrency,
                        warmup=args.warmup, seconds=args.seconds, seed=args.seed,
                        round_no=round_no, server_pid=pids[0], cookie=cookie,
                        engine="postgres", db_pid=db_pid)
                    wall = time.perf_counter() - t0
                    used = {pid: (bench.process_cpu_seconds(pid) - before) / wall * 100
                            for pid, before in cpu0.items()}
                    result.server_cpu = used[pids[0]] + used[pids[1]]
                    result.client_cpu = sum(used[p.process.pid] for p in proxies)  # nginx
                    results[name].append(result)
                    print(f"  round {round_no + 1} {name:6} {result.rps:8.0f} req/s  "
                          f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms  "
                          f"errors {result.errors}", flush=True)
        finally:
            for proxy in proxies:
                proxy.stop()
            for process, _port in servers:
                bench.stop_server(process)
    print()
    print(f"Asset page, PostgreSQL, {args.assets:,} assets, median of {args.rounds} rounds "
          f"(load average {' '.join(os.getloadavg().__str__().strip('()').split(', '))}):")
    print(f"{'':8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'instances CPU %':>17}"
          f"{'nginx CPU %':>13}{'PG CPU %':>10}{'errors':>8}")
    medians = {}
    for name in CONFIGS:
        rows = results[name]
        medians[name] = statistics.median(r.rps for r in rows)
        print(f"{name:8}{medians[name]:9.0f}"
              f"{statistics.median(r.p50_ms for r in rows):9.1f}"
              f"{statistics.median(r.p99_ms for r in rows):9.1f}"
              f"{statistics.median(r.server_cpu for r in rows):17.0f}"
              f"{statistics.median(r.client_cpu for r in rows):13.0f}"
              f"{statistics.median(r.db_cpu for r in rows):10.0f}"
              f"{sum(r.errors for r in rows):8}")
    ratio = medians["two"] / medians["one"] if medians["one"] else float("nan")
    print(f"\ntwo instances / one instance through nginx: {ratio:.2f}x "
          f"(target >= {TARGET_TWO_VS_ONE}x: {'met' if ratio >= TARGET_TWO_VS_ONE else 'not met'}"
          f" on this machine, {os.cpu_count()} cores)")
    print(f"nginx's cost with one instance: {medians['one'] / medians['direct']:.2f}x of direct")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
