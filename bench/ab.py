"""Before/after benchmark of the issue-13 redesign, old and new code measured interleaved.

A shared machine's load comes and goes, so two runs made an hour apart cannot be compared.
This script checks the code from before the redesign out into a temporary git worktree,
builds the same demo fleet with each version's own `inventory demo` (both engines), starts
the four servers (old and new, SQLite and PostgreSQL) at once, and drives them with
run.py's load generator in turns: for every round and scenario, old then new then old then
new... (the order flips each round), so the noise of the rest of the machine falls on both
alike. It prints the median of each (engine, scenario, version) and the ratios new/old.

The scenarios are the HTTP ones that existed before the redesign (healthz, asset, list,
list-status, list-search; see run.py). The old commit defaults to the parent of the first
commit that created `inventory/core/` (the move that started the redesign).

    .venv/bin/python bench/ab.py [--assets 3000] [--seconds 3] [--warmup 1] [--rounds 3]
        [--engine both|sqlite|postgres] [--old COMMIT] [--scenarios healthz,asset,...]

Figures are printed, never asserted; the temporary worktree is removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402
import run  # noqa: E402
from engines import BENCH_DIR, INVENTORY, ROOT  # noqa: E402

VERSIONS = ("old", "new")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def commit_before_redesign() -> str:
    """The parent of the first commit that touched inventory/core (the layers move)."""
    first = git("log", "--format=%H", "--reverse", "--", "inventory/core").splitlines()[0]
    return git("rev-parse", f"{first}^")


@contextlib.contextmanager
def old_checkout(commit: str):
    folder = Path(tempfile.mkdtemp(prefix="inventory-ab-"))
    git("worktree", "add", "--detach", str(folder), commit)
    try:
        yield folder
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            git("worktree", "remove", "--force", str(folder))


def env_of(root: Path, url: str) -> dict[str, str]:
    # PYTHONPATH first: the children import this version's package, not the installed one.
    return {**engines.env_for(url), "PYTHONPATH": str(root),
            "INVENTORY_DATA_DIR": str(BENCH_DIR / "ab")}


def check_version(root: Path) -> None:
    seen = subprocess.run([sys.executable, "-c", "import inventory; print(inventory.__file__)"],
                          env=env_of(root, "sqlite:///unused"), cwd="/", capture_output=True, text=True,
                          check=True).stdout.strip()
    if not seen.startswith(str(root)):
        raise SystemExit(f"the {root} checkout is not the one imported ({seen})")


def build(kind: str, version: str, root: Path, assets: int, pg) -> str:
    name = f"ab-{version}-{assets}" if kind == "sqlite" else f"ab_{version}_{assets}"
    url = (f"sqlite:///{BENCH_DIR / 'ab' / (name + '.db')}" if kind == "sqlite"
           else pg.url(name))
    if engines.is_complete(url, assets):
        print(f"{version} {engines.LABELS[kind]}: reusing its {assets:,}-asset fleet", flush=True)
        return url
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.removeprefix('sqlite:///')}{suffix}").unlink(missing_ok=True)
    else:
        url = pg.recreate_database(name)
    env = env_of(root, url)
    subprocess.run([str(INVENTORY), "migrate"], env=env, cwd=root, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"{version} {engines.LABELS[kind]}: building the demo ({assets:,} assets) ...",
          flush=True)
    subprocess.run([str(INVENTORY), "demo", "--assets", str(assets)], env=env, cwd=root,
                   check=True, stdout=subprocess.DEVNULL)
    if not engines.is_complete(url, assets):
        raise SystemExit(f"{version} {kind}: incomplete demo database")
    return url


def cpu_ms(percent: float, r: run.Result) -> float:
    """Milliseconds of one process's CPU per answered request over the measured window."""
    return percent / 100 * r.seconds * 1000 / r.requests if r.requests else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--old", default=None, help="commit before the redesign")
    parser.add_argument("--scenarios", default=",".join(run.SCENARIOS))
    engines.add_engine_argument(parser)
    args = parser.parse_args(argv)
    scenarios = [s for s in args.scenarios.split(",") if s]
    kinds = engines.chosen(args.engine)
    old_commit = args.old or commit_before_redesign()
    new_commit = git("rev-parse", "HEAD")
    (BENCH_DIR / "ab").mkdir(parents=True, exist_ok=True)
    facts = run.machine_facts()
    print("A/B: old", old_commit[:10], git("log", "-1", "--format=%s", old_commit)[:70])
    print("     new", new_commit[:10], "(this checkout; uncommitted changes included)")
    print("machine:", ", ".join(f"{k}={facts[k]}" for k in
                                ("date", "nproc", "loadavg", "cpu") if k in facts))
    results: list[tuple[str, str, str, run.Result]] = []  # (kind, scenario, version, result)
    with old_checkout(old_commit) as old_root, engines.postgres_if("postgres" in kinds) as pg:
        roots = {"old": old_root, "new": ROOT}
        for root in roots.values():
            check_version(root)
        urls = {(kind, v): build(kind, v, roots[v], args.assets, pg)
                for kind in kinds for v in VERSIONS}
        servers = {}
        try:
            for (kind, v), url in urls.items():
                log = BENCH_DIR / "ab" / f"server-{v}-{kind}.log"
                env = {**env_of(roots[v], url), "INVENTORY_SCHEDULER": "0"}
                process, port = run.start_server(env, log)
                servers[kind, v] = (process, port, run.sign_in(port),
                                    engines.read_tags(url))
            db_pid = run.postmaster_pid(pg)
            for round_no in range(args.rounds):
                shift = round_no % len(scenarios)
                for scenario in scenarios[shift:] + scenarios[:shift]:
                    for kind in kinds:
                        order = VERSIONS if round_no % 2 == 0 else VERSIONS[::-1]
                        for v in order:
                            process, port, cookie, tags = servers[kind, v]
                            r = run.run_load(
                                port, scenario, tags, concurrency=args.concurrency,
                                warmup=args.warmup, seconds=args.seconds, seed=args.seed,
                                round_no=round_no, server_pid=process.pid, cookie=cookie,
                                engine=kind, db_pid=db_pid if kind == "postgres" else None)
                            results.append((kind, scenario, v, r))
                            print(f"round {round_no + 1} {kind:<8} {scenario:<12} {v}: "
                                  f"{r.rps:8.1f} req/s  p50 {r.p50_ms:7.2f} ms  "
                                  f"p99 {r.p99_ms:7.2f} ms  errors {r.errors}  CPU/req: "
                                  f"server {cpu_ms(r.server_cpu, r):.3f} ms, "
                                  f"load generator {cpu_ms(r.client_cpu, r):.3f} ms", flush=True)
        finally:
            for process, *_rest in servers.values():
                run.stop_server(process)
    print(f"\nMedians of {args.rounds} rounds ({args.assets:,} assets, {args.concurrency} "
          f"connections, {args.seconds:g} s per run); ratio = new/old of the medians, "
          "paired = median of each round's new/old")
    print(f"{'engine':<11}{'scenario':<13}{'old req/s':>10}{'new req/s':>10}{'ratio':>7}"
          f"{'paired':>8}{'old p50':>9}{'new p50':>9}{'old p99':>9}{'new p99':>9}{'errors':>7}")
    for kind in kinds:
        for scenario in scenarios:
            med = {}
            for v in VERSIONS:
                rows = [r for k, s, ver, r in results if (k, s, ver) == (kind, scenario, v)]
                med[v] = {key: statistics.median(getattr(r, key) for r in rows)
                          for key in ("rps", "p50_ms", "p99_ms")} | {
                    "errors": sum(r.errors for r in rows)}
            ratio = med["new"]["rps"] / med["old"]["rps"] if med["old"]["rps"] else float("nan")
            # Paired: each round's new/old, old and new measured one after the other.
            by_round = {(ver, r.round): r.rps for k, s, ver, r in results
                        if (k, s) == (kind, scenario)}
            paired = [by_round["new", n] / by_round["old", n] for n in range(args.rounds)
                      if by_round.get(("old", n))]
            pair = statistics.median(paired) if paired else float("nan")
            print(f"{engines.LABELS[kind]:<11}{scenario:<13}{med['old']['rps']:>10.1f}"
                  f"{med['new']['rps']:>10.1f}{ratio:>7.2f}{pair:>8.2f}{med['old']['p50_ms']:>9.2f}"
                  f"{med['new']['p50_ms']:>9.2f}{med['old']['p99_ms']:>9.2f}"
                  f"{med['new']['p99_ms']:>9.2f}"
                  f"{med['old']['errors'] + med['new']['errors']:>7}")
    with contextlib.suppress(OSError):
        print("load average at the end:", " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
