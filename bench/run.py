"""HTTP benchmark of the asset page and the filtered asset list (`make bench`).

Builds (or reuses) a 100,000-asset SQLite database under var/bench/, starts ONE
`inventory serve --no-access-log` process on a free 127.0.0.1 port, and drives it from this
process (a separate process from the server) with 16 keep-alive connections: 16 threads,
each with its own stdlib `http.client.HTTPConnection`, every thread sending its next request
as soon as the previous response is read (closed loop).

Scenarios, interleaved in rounds (the order rotates each round) so that the noise of a
shared machine hits them alike; the printed figure is the median of the rounds:

  healthz      GET /healthz
  asset        GET /a/{tag}, tags drawn at random (fixed seed) from every asset
  list         GET /assets?site=S&category=C, random combinations from a fixed list
  list-status  GET /assets?site=S&category=C&status=X
  list-search  GET /assets?site=S&q=WORD (free-text search, LIKE on several columns)

Any answer other than 200 (or a connection error) counts as an error and is reported.
Timings are printed, never asserted: the exit code is 0 unless the database cannot be built
or the server does not start.

    .venv/bin/python bench/run.py [--seconds 10] [--warmup 2] [--rounds 3] [--rebuild]
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

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
INVENTORY = BIN / "inventory"
BENCH_DIR = ROOT / "var" / "bench"

# Targets from the issue (information only).
TARGET_ASSET_RATIO = 0.40   # asset page throughput >= 40% of /healthz throughput
TARGET_ASSET_P99_MS = 25.0  # asset page p99 < 25 ms
TARGET_LIST_P95_MS = 60.0   # filtered list page p95 < 60 ms

LIST_SITES = ["GS-FERRY", "GS-JAURES", "GS-PASTEUR", "EE-CURIE", "EE-TILLEULS", "EM-FONTAINE",
              "MAIRIE"]
LIST_CATEGORIES = ["TNI", "VPI", "ENI", "PC-PORT", "TABLETTE", "SWITCH"]
LIST_STATUSES = ["in_service", "faulty", "retired", "in_stock"]
SEARCH_WORDS = ["Latitude", "ipad", "Classe 3", "Epson", "BRN-0012", "ThinkPad"]

SCENARIOS = ["healthz", "asset", "list", "list-status", "list-search"]


# --------------------------------------------------------------------------- database


def database_url(path: Path) -> str:
    return f"sqlite:///{path}"


def database_is_complete(path: Path, assets: int) -> bool:
    """True when a previous run left a finished demo database of the right size.

    `inventory demo` writes everything in one transaction, so a half-built database has no
    tag_sequence row; the counts guard against a database built with another --assets."""
    if not path.exists():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            n_assets = conn.execute("SELECT count(*) FROM asset").fetchone()[0]
            n_audit = conn.execute("SELECT count(*) FROM audit_record").fetchone()[0]
            seq = conn.execute("SELECT last_value FROM tag_sequence").fetchone()
            n_users = conn.execute("SELECT count(*) FROM app_user").fetchone()[0]
    except sqlite3.Error:
        return False
    return (n_assets == assets and n_audit >= assets and seq is not None and seq[0] == assets
            and n_users > 0)


def build_database(path: Path, assets: int, env: dict[str, str]) -> float | None:
    """Migrate and fill a fresh database; returns the demo build time (s), None if reused."""
    if database_is_complete(path, assets):
        return None
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(INVENTORY), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"Building the demo database ({assets:,} assets) in {path} ...", flush=True)
    started = time.perf_counter()
    subprocess.run([str(INVENTORY), "demo", "--assets", str(assets)], env=env, check=True)
    elapsed = time.perf_counter() - started
    if not database_is_complete(path, assets):
        raise SystemExit("the demo database is incomplete after `inventory demo`")
    return elapsed


def read_tags(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return [row[0] for row in conn.execute("SELECT tag FROM asset ORDER BY id")]


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
    port = free_port()
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [str(INVENTORY), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
         "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 30
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
    raise ValueError(scenario)


@dataclass
class Result:
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
    error_samples: list[str] = field(default_factory=list)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its worker processes (all threads), from
    /proc; NaN elsewhere."""
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
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def run_load(port: int, scenario: str, tags: list[str], *, concurrency: int, warmup: float,
             seconds: float, seed: int, round_no: int, server_pid: int,
             cookie: str = "") -> Result:
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
    time.sleep(max(0.0, measure_to - time.perf_counter()))
    wall = time.perf_counter() - wall0
    client_cpu = (time.process_time() - cpu0) / wall * 100
    server_cpu = (process_cpu_seconds(server_pid) - server0) / wall * 100
    for t in threads:
        t.join()
    merged = sorted(x * 1000 for own in latencies for x in own)
    n_errors = sum(errors)
    return Result(
        scenario=scenario, round=round_no, seconds=seconds, requests=len(merged) + n_errors,
        errors=n_errors, rps=len(merged) / seconds,
        p50_ms=percentile(merged, 50), p95_ms=percentile(merged, 95),
        p99_ms=percentile(merged, 99), client_cpu=client_cpu, server_cpu=server_cpu,
        error_samples=samples)


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
    for package in ("litestar", "piccolo", "uvicorn", "aiosqlite"):
        with contextlib.suppress(PackageNotFoundError):
            facts[package] = version(package)
    return facts


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def summarise(results: list[Result]) -> dict[str, dict[str, float]]:
    summary = {}
    for scenario in SCENARIOS:
        rows = [r for r in results if r.scenario == scenario]
        if rows:
            summary[scenario] = {
                key: statistics.median(getattr(r, key) for r in rows)
                for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu", "client_cpu")
            } | {"errors": sum(r.errors for r in rows), "requests": sum(r.requests for r in rows)}
    return summary


def print_table(title: str, rows: list[tuple[str, dict]]) -> None:
    print(f"\n{title}")
    print(f"{'scenario':<14}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'errors':>8}{'requests':>10}{'srv cpu':>9}{'cli cpu':>9}")
    for name, r in rows:
        print(f"{name:<14}{r['rps']:>9.1f}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}"
              f"{r['p99_ms']:>9.2f}{r['errors']:>8}{r['requests']:>10}"
              f"{r['server_cpu']:>8.0f}%{r['client_cpu']:>8.0f}%")
    print("(errors and requests: all rounds together; cpu: % of one core, "
          "server = every thread of the server process, cli = this load generator)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated subset of " + ",".join(SCENARIOS))
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database first")
    parser.add_argument("--workers", type=int, default=1,
                        help="server worker processes (inventory serve --workers)")
    args = parser.parse_args(argv)
    scenarios = [s for s in SCENARIOS if s in args.scenarios.split(",")]

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db_path = BENCH_DIR / f"inventory-{args.assets}.db"
    env = dict(os.environ)
    env.update({
        "INVENTORY_DATABASE_URL": database_url(db_path),
        "INVENTORY_DATA_DIR": str(BENCH_DIR),
        "PYTHONUNBUFFERED": "1",
    })

    facts = machine_facts()
    print("Machine: " + ", ".join(f"{k}={v}" for k, v in facts.items()))
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    build_s = build_database(db_path, args.assets, env)
    if build_s is None:
        print(f"Reusing the complete {args.assets:,}-asset database {db_path} "
              "(--rebuild to build it again).")
    else:
        print(f"Demo database built: {args.assets:,} assets in {build_s:.1f} s "
              "(inventory demo, wall clock).")
    tags = read_tags(db_path)

    log_path = BENCH_DIR / "server.log"
    process, port = start_server(env, log_path, args.workers)
    print(f"Server pid {process.pid} on http://127.0.0.1:{port} (log: {log_path}); "
          f"{args.concurrency} connections, {args.warmup:g} s warm-up + {args.seconds:g} s "
          f"measured per run, {args.rounds} round(s).")
    results: list[Result] = []
    try:
        cookie = sign_in(port)
        # A quick check that every scenario answers 200 before timing anything.
        for scenario in scenarios:
            path = path_maker(scenario, tags)(random.Random(0))
            status, _body = get_once(port, path, timeout=30, cookie=cookie)
            if status != 200:
                print(f"warning: {path} answered {status}; its runs will report errors")
        for round_no in range(1, args.rounds + 1):
            shift = (round_no - 1) % len(scenarios)
            for scenario in scenarios[shift:] + scenarios[:shift]:
                result = run_load(port, scenario, tags, concurrency=args.concurrency,
                                  warmup=args.warmup, seconds=args.seconds,
                                  seed=args.seed * 100 + round_no, round_no=round_no,
                                  server_pid=process.pid, cookie=cookie)
                results.append(result)
                print(f"  round {round_no} {scenario:<12} {result.rps:8.1f} req/s  "
                      f"p50 {result.p50_ms:7.2f}  p95 {result.p95_ms:7.2f}  "
                      f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}  "
                      f"cpu server {result.server_cpu:3.0f}% client {result.client_cpu:3.0f}%",
                      flush=True)
                for sample in result.error_samples:
                    print(f"    error: {sample}")
                if process.poll() is not None:
                    raise SystemExit(f"the server exited (code {process.returncode}); "
                                     f"see {log_path}")
    finally:
        stop_server(process)

    summary = summarise(results)
    print_table(f"Median of {args.rounds} round(s), {args.concurrency} connections, "
                f"{args.seconds:g} s each:", list(summary.items()))

    print("\nThroughput relative to /healthz (median req/s over median req/s):")
    ratios = {}
    if "healthz" in summary:
        base = summary["healthz"]["rps"]
        for scenario in scenarios:
            if scenario != "healthz" and base > 0:
                ratios[scenario] = summary[scenario]["rps"] / base
                per_round = []
                for r in results:
                    if r.scenario == scenario:
                        h = next(x for x in results if x.scenario == "healthz"
                                 and x.round == r.round)
                        per_round.append(f"{r.rps / h.rps:.2f}" if h.rps else "-")
                print(f"  {scenario:<12}/healthz = {ratios[scenario]:.2f}  "
                      f"(per round: {', '.join(per_round)})")

    print("\nTargets (information only, never a failure):")
    if "asset" in summary and "asset" in ratios:
        print(f"  asset page throughput >= {TARGET_ASSET_RATIO:.0%} of /healthz: "
              f"{ratios['asset']:.0%}  {verdict(ratios['asset'] >= TARGET_ASSET_RATIO)}")
    if "asset" in summary:
        p99 = summary["asset"]["p99_ms"]
        print(f"  asset page p99 < {TARGET_ASSET_P99_MS:g} ms: {p99:.1f} ms  "
              f"{verdict(p99 < TARGET_ASSET_P99_MS)}")
    for scenario in ("list", "list-status", "list-search"):
        if scenario in summary:
            p95 = summary[scenario]["p95_ms"]
            note = "" if scenario == "list" else "  (variant, same bar)"
            print(f"  {scenario} p95 < {TARGET_LIST_P95_MS:g} ms: {p95:.1f} ms  "
                  f"{verdict(p95 < TARGET_LIST_P95_MS)}{note}")
    total_errors = sum(r.errors for r in results)
    if total_errors:
        print(f"\n{total_errors} request(s) failed (non-200 or connection error): "
              "see the per-run lines above.")

    with contextlib.suppress(OSError):
        facts["loadavg_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"\nLoad average at the end: {facts['loadavg_end']} (start: {facts.get('loadavg')}); "
              "other work on the machine weighs on every figure.")
    out = BENCH_DIR / "last-run.json"
    out.write_text(json.dumps({
        "machine": facts, "demo_build_s": build_s, "args": vars(args),
        "summary": summary, "ratios": ratios, "rounds": [asdict(r) for r in results],
    }, indent=2))
    print(f"\nRaw figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
