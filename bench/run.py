"""HTTP benchmark of the asset page and the filtered asset list, on SQLite and PostgreSQL side
by side (`make bench`).

Builds (or reuses) the same demo fleet (--assets, default 100,000) on SQLite (a file under
var/bench/) and on PostgreSQL (a server of the bench's own, started from the machine's
binaries as the tests start theirs, data kept under var/bench/pg/; see engines.py), starts
one `inventory serve --no-access-log` per engine on a free 127.0.0.1 port, and drives them
from this process (a separate process from the servers) with 16 keep-alive connections: 16
threads, each with its own stdlib `http.client.HTTPConnection`, every thread sending its
next request as soon as the previous response is read (closed loop).

Scenarios, interleaved in rounds (the order of scenarios rotates each round, and within a
scenario the engines take turns going first) so that the noise of a shared machine hits
them alike; the printed figure is the median of the rounds:

  healthz      GET /healthz
  asset        GET /a/{tag}, tags drawn at random (fixed seed) from every asset
  list         GET /assets?site=S&category=C, random combinations from a fixed list
  list-status  GET /assets?site=S&category=C&status=X
  list-search  GET /assets?site=S&q=WORD (free-text search)
  dashboard    GET / (the administrator's dashboard), one request at a time: the target is
               a person's wait for it (issue 17: under 300 ms at a million devices), not a
               throughput

It prints one table per engine, then both side by side with the ratio PostgreSQL/SQLite, the
targets (information only), and the query plans of the hot pages (explain.py).

Any answer other than 200 (or a connection error) counts as an error and is reported.
Timings are printed, never asserted: the exit code is 0 unless a database cannot be built
or a server does not start.

    .venv/bin/python bench/run.py [--engine both|sqlite|postgres] [--assets 100000]
        [--seconds 10] [--warmup 2] [--rounds 3] [--workers 1] [--rebuild] [--no-explain]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402  (both engines: the PostgreSQL server, the fleets, side by side)
from engines import BENCH_DIR, INVENTORY, ROOT  # noqa: E402,F401

# Targets (information only, never a failure). Earlier issue (per engine):
TARGET_ASSET_RATIO = 0.40   # asset page throughput >= 40% of /healthz throughput
TARGET_ASSET_P99_MS = 25.0  # asset page p99 < 25 ms
TARGET_LIST_P95_MS = 60.0   # filtered list page p95 < 60 ms
# Issue 17 (production scale):
TARGET_PG_ASSET_VS_SQLITE = 0.80  # PostgreSQL's asset page >= 80% of SQLite's throughput
TARGET_PG_ASSET_VS_HEALTHZ = 0.60  # ... and >= 60% of PostgreSQL's own /healthz
TARGET_LIST_P99_MS = 40.0   # filtered list p99 < 40 ms on both engines
TARGET_DASHBOARD_P95_MS = 300.0  # the dashboard in under 300 ms (1,000,000 assets)
TARGET_SEARCH_P99_MS = 50.0  # search p99 < 50 ms on both engines (100,000 assets)

LIST_SITES = ["GS-FERRY", "GS-JAURES", "GS-PASTEUR", "EE-CURIE", "EE-TILLEULS", "EM-FONTAINE",
              "MAIRIE"]
LIST_CATEGORIES = ["TNI", "VPI", "ENI", "PC-PORT", "TABLETTE", "SWITCH"]
LIST_STATUSES = ["in_service", "faulty", "retired", "in_stock"]
SEARCH_WORDS = ["Latitude", "ipad", "Classe 3", "Epson", "BRN-0012", "ThinkPad"]

SCENARIOS = ["healthz", "asset", "list", "list-status", "list-search", "dashboard"]
ONE_AT_A_TIME = {"dashboard"}  # measured with one connection, whatever --concurrency says


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_once(port: int, path: str, timeout: float = 2.0, cookie: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def sign_in(port: int) -> str:
    """Sign in as the demo administrator the way a browser does (CSRF cookie and form field);
    returns the Cookie header the load generator sends with every request."""
    from inventory.accounts.service import DEMO_ACCOUNTS, DEMO_PASSWORD

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        page = response.read().decode()
        csrf_cookie = next(c.split(";")[0] for c in response.headers.get_all("set-cookie")
                           if c.startswith("csrftoken="))
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
        body = urlencode({"_csrf_token": token, "email": DEMO_ACCOUNTS[0][0],
                          "password": DEMO_PASSWORD, "next": "/"})
        conn.request("POST", "/login", body=body, headers={
            "Cookie": csrf_cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        session = next(c.split(";")[0] for c in response.headers.get_all("set-cookie") or []
                       if c.startswith("session="))
    except (StopIteration, AttributeError) as error:
        raise SystemExit(f"could not sign in to the benchmark server: {error!r}") from None
    finally:
        conn.close()
    return f"{session}; {csrf_cookie}"


def start_server(env: dict[str, str], log_path: Path, workers: int = 1
                 ) -> tuple[subprocess.Popen, int]:
    # A reused database may predate newer migrations: bring it up to date first.
    subprocess.run([str(INVENTORY), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    # No recurring jobs: they all run as the service starts (a backup of the whole fleet,
    # every saved plan recomputed), which would land in the first measured runs and fill
    # var/bench/backups/. The bench measures the pages.
    env = {"INVENTORY_SCHEDULER": "0", **env}
    port = free_port()
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [str(INVENTORY), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
         "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 90  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            status, _body = get_once(port, "/healthz")
            if status == 200:
                return process, port
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(process)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise SystemExit(f"the server did not answer /healthz on port {port}; its log:\n{tail}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --------------------------------------------------------------------------- load


def path_maker(scenario: str, tags: list[str]):
    """A function rng -> request path for `scenario`."""
    if scenario == "healthz":
        return lambda rng: "/healthz"
    if scenario == "asset":
        return lambda rng: "/a/" + rng.choice(tags)
    if scenario == "list":
        return lambda rng: "/assets?" + urlencode(
            {"site": rng.choice(LIST_SITES), "category": rng.choice(LIST_CATEGORIES)})
    if scenario == "list-status":
        return lambda rng: "/assets?" + urlencode(
            {"site": rng.choice(LIST_SITES), "category": rng.choice(LIST_CATEGORIES),
             "status": rng.choice(LIST_STATUSES)})
    if scenario == "list-search":
        return lambda rng: "/assets?" + urlencode(
            {"site": rng.choice(LIST_SITES), "q": rng.choice(SEARCH_WORDS)})
    if scenario == "dashboard":
        return lambda rng: "/"
    raise ValueError(scenario)


@dataclass
class Result:
    engine: str
    scenario: str
    round: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    client_cpu: float = float("nan")  # load generator CPU, % of one core
    server_cpu: float = float("nan")  # server process CPU (all its threads), % of one core
    db_cpu: float = float("nan")  # PostgreSQL server (postmaster and backends), % of one core
    error_samples: list[str] = field(default_factory=list)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its worker processes (all threads), the
    running ones and those that have ended, from /proc; NaN elsewhere."""
    def stat(p: int) -> list[str]:
        return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()

    try:
        pids = [pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError):
                    if int(stat(int(entry.name))[1]) == pid:
                        pids.append(int(entry.name))
        total = 0
        for p in pids:
            with contextlib.suppress(OSError):
                fields = stat(p)
                total += int(fields[11]) + int(fields[12])
                if p == pid:  # and its workers that have ended (a backend whose client left)
                    total += int(fields[13]) + int(fields[14])
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def run_load(port: int, scenario: str, tags: list[str], *, concurrency: int, warmup: float,
             seconds: float, seed: int, round_no: int, server_pid: int,
             cookie: str = "", engine: str = "sqlite", db_pid: int | None = None) -> Result:
    """Closed loop: `concurrency` threads, one keep-alive connection each. Only requests that
    start after the warm-up and finish before the end of the window are counted."""
    make_path = path_maker(scenario, tags)
    start_at = time.perf_counter() + 0.05
    measure_from = start_at + warmup
    measure_to = measure_from + seconds
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    samples: list[str] = []
    barrier = threading.Barrier(concurrency)

    def worker(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        own = latencies[i]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        clock = time.perf_counter
        barrier.wait()
        while clock() < start_at:
            time.sleep(0.001)
        while True:
            path = make_path(rng)
            t0 = clock()
            if t0 >= measure_to:
                break
            try:
                conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = conn.getresponse()
                response.read()
                status = response.status
                failure = None if status == 200 else f"{status} {path}"
            except (OSError, http.client.HTTPException) as error:
                failure = f"{type(error).__name__}: {error} ({path})"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            t1 = clock()
            if t0 >= measure_from and t1 <= measure_to:
                if failure is None:
                    own.append(t1 - t0)
                else:
                    errors[i] += 1
                    if len(samples) < 5:
                        samples.append(failure)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    # CPU use over the measured window only (sampled by this thread, which then sleeps).
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    cpu0, server0, wall0 = time.process_time(), process_cpu_seconds(server_pid), time.perf_counter()
    db0 = process_cpu_seconds(db_pid) if db_pid else float("nan")
    time.sleep(max(0.0, measure_to - time.perf_counter()))
    wall = time.perf_counter() - wall0
    client_cpu = (time.process_time() - cpu0) / wall * 100
    server_cpu = (process_cpu_seconds(server_pid) - server0) / wall * 100
    db_cpu = (process_cpu_seconds(db_pid) - db0) / wall * 100 if db_pid else float("nan")
    for t in threads:
        t.join()
    merged = sorted(x * 1000 for own in latencies for x in own)
    n_errors = sum(errors)
    return Result(
        engine=engine, scenario=scenario, round=round_no, seconds=seconds, requests=len(merged) + n_errors,
        errors=n_errors, rps=len(merged) / seconds,
        p50_ms=percentile(merged, 50), p95_ms=percentile(merged, 95),
        p99_ms=percentile(merged, 99), client_cpu=client_cpu, server_cpu=server_cpu,
        db_cpu=db_cpu, error_samples=samples)


# --------------------------------------------------------------------------- report


def machine_facts() -> dict[str, str]:
    facts = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": str(os.cpu_count()),
        "usable_cpus": str(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity")
        else "?",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with contextlib.suppress(OSError):
        facts["loadavg"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    from importlib.metadata import PackageNotFoundError, version
    for package in ("litestar", "piccolo", "uvicorn", "aiosqlite", "asyncpg"):
        with contextlib.suppress(PackageNotFoundError):
            facts[package] = version(package)
    return facts


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def summarise(results: list[Result], engine: str) -> dict[str, dict[str, float]]:
    summary = {}
    for scenario in SCENARIOS:
        rows = [r for r in results if r.scenario == scenario and r.engine == engine]
        if rows:
            summary[scenario] = {
                key: statistics.median(getattr(r, key) for r in rows)
                for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu", "db_cpu",
                            "client_cpu")
            } | {"errors": sum(r.errors for r in rows), "requests": sum(r.requests for r in rows)}
    return summary


def cpu(value: float) -> str:
    return "    -" if value != value else f"{value:4.0f}%"


def print_table(title: str, rows: list[tuple[str, dict]]) -> None:
    print(f"\n{title}")
    print(f"{'scenario':<14}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'errors':>8}{'requests':>10}{'srv cpu':>9}{'db cpu':>8}{'cli cpu':>9}")
    for name, r in rows:
        print(f"{name:<14}{r['rps']:>9.1f}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}"
              f"{r['p99_ms']:>9.2f}{r['errors']:>8}{r['requests']:>10}"
              f"{cpu(r['server_cpu']):>9}{cpu(r['db_cpu']):>8}{cpu(r['client_cpu']):>9}")


def postmaster_pid(pg) -> int | None:
    """The PostgreSQL server's main process (its backends are its children)."""
    if pg is None:
        return None
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((Path(pg.folder) / "data" / "postmaster.pid").read_text().split()[0])
    return None


def healthz_ratios(results: list[Result], summary: dict, engine: str,
                   scenarios: list[str]) -> dict[str, float]:
    ratios = {}
    if "healthz" not in summary or not summary["healthz"]["rps"]:
        return ratios
    base = summary["healthz"]["rps"]
    for scenario in scenarios:
        if scenario == "healthz" or scenario in ONE_AT_A_TIME or scenario not in summary:
            continue
        ratios[scenario] = summary[scenario]["rps"] / base
        per_round = []
        for r in results:
            if r.scenario == scenario and r.engine == engine:
                h = next(x for x in results if x.scenario == "healthz" and x.round == r.round
                         and x.engine == engine)
                per_round.append(f"{r.rps / h.rps:.2f}" if h.rps else "-")
        print(f"  {engines.LABELS[engine]:<11} {scenario:<12}/healthz = {ratios[scenario]:.2f}  "
              f"(per round: {', '.join(per_round)})")
    return ratios


def _set_at(target_assets: int, assets: int) -> str:
    """A note after a target's line when this run's fleet is not the target's."""
    return "" if assets == target_assets else (
        f"  (target set at {target_assets:,} assets; this run: {assets:,})")


def print_targets(summaries: dict[str, dict], ratios: dict[str, dict], assets: int) -> None:
    print("\nTargets (information only, never a failure):")
    lite, pg = summaries.get("sqlite", {}), summaries.get("postgres", {})
    if "asset" in lite and "asset" in pg and lite["asset"]["rps"]:
        share = pg["asset"]["rps"] / lite["asset"]["rps"]
        print(f"  PostgreSQL asset page >= {TARGET_PG_ASSET_VS_SQLITE:.0%} of SQLite's "
              f"throughput: {share:.0%}  {verdict(share >= TARGET_PG_ASSET_VS_SQLITE)}")
    if "asset" in ratios.get("postgres", {}):
        share = ratios["postgres"]["asset"]
        print(f"  PostgreSQL asset page >= {TARGET_PG_ASSET_VS_HEALTHZ:.0%} of its /healthz: "
              f"{share:.0%}  {verdict(share >= TARGET_PG_ASSET_VS_HEALTHZ)}")
    for engine, summary in summaries.items():
        label = engines.LABELS[engine]
        if "list" in summary:
            p99 = summary["list"]["p99_ms"]
            print(f"  {label} list p99 < {TARGET_LIST_P99_MS:g} ms: {p99:.1f} ms  "
                  f"{verdict(p99 < TARGET_LIST_P99_MS)}")
        if "list-search" in summary:
            p99 = summary["list-search"]["p99_ms"]
            print(f"  {label} search p99 < {TARGET_SEARCH_P99_MS:g} ms: {p99:.1f} ms  "
                  f"{verdict(p99 < TARGET_SEARCH_P99_MS)}" + _set_at(100_000, assets))
    for engine, summary in summaries.items():
        if "dashboard" in summary:
            p95 = summary["dashboard"]["p95_ms"]
            print(f"  {engines.LABELS[engine]} dashboard p95 < {TARGET_DASHBOARD_P95_MS:g} ms "
                  f"(one at a time): {p95:.1f} ms  {verdict(p95 < TARGET_DASHBOARD_P95_MS)}"
                  + _set_at(1_000_000, assets))
    for engine, summary in summaries.items():
        label, parts = engines.LABELS[engine], []
        if "asset" in ratios.get(engine, {}):
            parts.append(f"asset/healthz {ratios[engine]['asset']:.0%} (>= "
                         f"{TARGET_ASSET_RATIO:.0%}) "
                         f"{verdict(ratios[engine]['asset'] >= TARGET_ASSET_RATIO)}")
        if "asset" in summary:
            p99 = summary["asset"]["p99_ms"]
            parts.append(f"asset p99 {p99:.1f} ms (< {TARGET_ASSET_P99_MS:g}) "
                         f"{verdict(p99 < TARGET_ASSET_P99_MS)}")
        if "list" in summary:
            p95 = summary["list"]["p95_ms"]
            parts.append(f"list p95 {p95:.1f} ms (< {TARGET_LIST_P95_MS:g}) "
                         f"{verdict(p95 < TARGET_LIST_P95_MS)}")
        if parts:
            print(f"  earlier targets, {label}: " + "; ".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    engines.add_engine_argument(parser)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated subset of " + ",".join(SCENARIOS))
    parser.add_argument("--rebuild", action="store_true", help="rebuild the fleets first")
    parser.add_argument("--workers", type=int, default=1,
                        help="server worker processes (inventory serve --workers)")
    parser.add_argument("--no-explain", dest="explain", action="store_false",
                        help="skip the query plans of the hot pages")
    args = parser.parse_args(argv)
    scenarios = [s for s in SCENARIOS if s in args.scenarios.split(",")]
    kinds = engines.chosen(args.engine)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    facts = machine_facts()
    print("Machine: " + ", ".join(f"{k}={v}" for k, v in facts.items()))
    with contextlib.suppress(OSError, ValueError, IndexError):
        load = float(facts["loadavg"].split()[0])
        if load > (os.cpu_count() or 1):
            print(f"warning: load average {load:g} on {os.cpu_count()} CPUs: other work is "
                  "running, every figure below is noisy")
    results: list[Result] = []
    with engines.postgres_if("postgres" in kinds) as pg:
        if pg is not None:
            facts["postgresql"] = engines.query(pg.url(), "SHOW server_version")[0][0]
            print(f"PostgreSQL {facts['postgresql']} on 127.0.0.1:{pg.port} "
                  f"(data: {pg.folder}; fsync, synchronous_commit and full_page_writes off, "
                  "as in the tests)")
        urls = engines.prepare_fleets(kinds, args.assets, pg, rebuild=args.rebuild)
        tags = {kind: engines.read_tags(url) for kind, url in urls.items()}
        db_pid = postmaster_pid(pg)
        servers: dict[str, tuple[subprocess.Popen, int, Path]] = {}
        try:
            for kind in kinds:
                log_path = BENCH_DIR / f"server-{kind}.log"
                process, port = start_server(engines.env_for(urls[kind]), log_path, args.workers)
                servers[kind] = (process, port, log_path)
                print(f"{engines.LABELS[kind]}: server pid {process.pid} on "
                      f"http://127.0.0.1:{port} (log: {log_path})")
            print(f"{args.workers} worker(s) per server, {args.concurrency} connections, "
                  f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per run, "
                  f"{args.rounds} round(s).")
            cookies = {kind: sign_in(port) for kind, (_p, port, _l) in servers.items()}
            # A quick check that every scenario answers 200 before timing anything.
            for kind, (_process, port, _log) in servers.items():
                for scenario in scenarios:
                    path = path_maker(scenario, tags[kind])(random.Random(0))
                    status, _body = get_once(port, path, timeout=30, cookie=cookies[kind])
                    if status != 200:
                        print(f"warning: {engines.LABELS[kind]} {path} answered {status}; "
                              "its runs will report errors")
            for round_no in range(1, args.rounds + 1):
                shift = (round_no - 1) % len(scenarios)
                order = kinds if round_no % 2 else kinds[::-1]
                for scenario in scenarios[shift:] + scenarios[:shift]:
                    for kind in order:
                        process, port, log_path = servers[kind]
                        result = run_load(
                            port, scenario, tags[kind],
                            concurrency=1 if scenario in ONE_AT_A_TIME else args.concurrency,
                            warmup=args.warmup, seconds=args.seconds,
                            seed=args.seed * 100 + round_no, round_no=round_no,
                            server_pid=process.pid, cookie=cookies[kind], engine=kind,
                            db_pid=db_pid if kind == "postgres" else None)
                        results.append(result)
                        print(f"  round {round_no} {engines.LABELS[kind]:<10} {scenario:<12} "
                              f"{result.rps:8.1f} req/s  p50 {result.p50_ms:7.2f}  "
                              f"p95 {result.p95_ms:7.2f}  p99 {result.p99_ms:7.2f} ms  "
                              f"errors {result.errors}", flush=True)
                        for sample in result.error_samples:
                            print(f"    error: {sample}")
                        if process.poll() is not None:
                            raise SystemExit(f"the {kind} server exited (code "
                                             f"{process.returncode}); see {log_path}")
        finally:
            for process, _port, _log in servers.values():
                stop_server(process)

        summaries = {kind: summarise(results, kind) for kind in kinds}
        for kind in kinds:
            print_table(f"{engines.LABELS[kind]}: median of {args.rounds} round(s), "
                        f"{args.concurrency} connections, {args.seconds:g} s each, "
                        f"{args.workers} worker(s):", list(summaries[kind].items()))
        print("(errors and requests: all rounds together; cpu: % of one core, srv = every "
              "process of `inventory serve`, db = the PostgreSQL server's processes, "
              "cli = this load generator)")
        engines.print_side_by_side(
            f"Side by side, {args.assets:,} assets, {args.workers} worker(s), "
            f"{args.concurrency} connections (median of {args.rounds} round(s); "
            "PG/SQLite = ratio of req/s):",
            [(s, {k: summaries[k].get(s, {}) for k in kinds}) for s in scenarios],
            [("rps", "req/s", ".1f", True), ("p99_ms", "p99 ms", ".2f", False)])

        if engines.BUILD_TIMES:
            engines.print_side_by_side(
                f"Demo fleet built by this run (`inventory demo --assets {args.assets}`, wall "
                "seconds; a fleet reused is not timed):",
                [("demo build", {k: {"s": v} for k, v in engines.BUILD_TIMES.items()})],
                [("s", "s", ".1f", True)])
        print("\nThroughput relative to /healthz (median req/s over median req/s):")
        ratios = {kind: healthz_ratios(results, summaries[kind], kind, scenarios)
                  for kind in kinds}
        print_targets(summaries, ratios, args.assets)
        total_errors = sum(r.errors for r in results)
        if total_errors:
            print(f"\n{total_errors} request(s) failed (non-200 or connection error): "
                  "see the per-run lines above.")

        plans = None
        if args.explain:
            import explain

            plans = explain.report(urls)

    with contextlib.suppress(OSError):
        facts["loadavg_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"\nLoad average at the end: {facts['loadavg_end']} (start: {facts.get('loadavg')}); "
              "other work on the machine weighs on every figure.")
    out = BENCH_DIR / f"last-run-{args.workers}w.json"
    out.write_text(json.dumps({
        "machine": facts, "args": vars(args), "demo_build_s": engines.BUILD_TIMES,
        "summary": summaries, "ratios": ratios,
        "rounds": [asdict(r) for r in results], "plans": plans,
    }, indent=2, default=str))
    print(f"\nRaw figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
