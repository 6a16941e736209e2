"""Benchmark: exporting the whole fleet's assets, on SQLite and PostgreSQL side by side
(`make bench`).

On the bench's demo fleet (--assets, default 100,000; see engines.py), for each engine:

  http csv    GET /exports/assets?format=csv as the administrator (the download button),
              from a server of its own (`inventory serve`, one worker): wall time, time to
              the first byte, size, the server's peak resident memory and how much it grew
              (the server runs one worker, in its own process)
  http xlsx   the same as a workbook
  cli csv     `inventory export assets` to a file: wall time and the child's peak resident
              memory (ru_maxrss through wait4)

Issue 17's target: a million rows streamed in under 60 s with flat memory (information only).
Figures only, no pass/fail assertion; REPEAT runs each, the median printed.

    .venv/bin/python bench/export.py [--assets 100000] [--engine both|sqlite|postgres]
        [--repeat 3] [--formats csv,xlsx]
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402  (both engines: the PostgreSQL server and the fleets)
import run as bench  # noqa: E402  (the HTTP bench's server helpers)

REPEAT = 3  # --repeat
FORMATS = ("csv", "xlsx")  # --formats: the downloads measured (a million-row workbook is slow)
TARGET_MILLION_S = 60


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MB (NaN where /proc is missing)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def download(port: int, cookie: str, fmt: str) -> tuple[int, int, float, float]:
    """Status, bytes, seconds to the first byte and to the last."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", f"/exports/assets?format={fmt}", headers={"Cookie": cookie})
    response = conn.getresponse()
    first = response.read(1)
    ttfb = time.perf_counter() - started
    size = len(first) + len(response.read())
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, size, ttfb, elapsed


def cli_export(url: str) -> tuple[float, float, int]:
    """Wall seconds, peak resident MB and bytes of `inventory export assets` to a file."""
    out_path = engines.BENCH_DIR / "export.csv"
    with out_path.open("wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen([str(engines.INVENTORY), "export", "assets"],
                                 env=engines.env_for(url), stdout=out,
                                 stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"`inventory export assets` failed on {url}")
    return wall, usage.ru_maxrss / 1024, out_path.stat().st_size


def measure(kind: str, url: str) -> dict[str, dict]:
    figures: dict[str, dict] = {}
    process, port = bench.start_server(engines.env_for(url),
                                       engines.BENCH_DIR / f"export-server-{kind}.log")
    try:
        cookie = bench.sign_in(port)
        for fmt in FORMATS:
            before = peak_rss_mb(process.pid)
            runs = []
            for _ in range(REPEAT):
                status, size, ttfb, elapsed = download(port, cookie, fmt)
                if status != 200:
                    raise SystemExit(f"the {fmt} export answered {status} on {kind}")
                runs.append((elapsed, ttfb))
            figures[f"http {fmt}"] = {
                "s": statistics.median(r[0] for r in runs),
                "ttfb_s": statistics.median(r[1] for r in runs),
                "mb": size / 1e6, "grew_mb": peak_rss_mb(process.pid) - before,
                "peak_mb": peak_rss_mb(process.pid)}
    finally:
        bench.stop_server(process)
    runs = [cli_export(url) for _ in range(REPEAT)]
    figures["cli csv"] = {"s": statistics.median(r[0] for r in runs),
                          "peak_mb": max(r[1] for r in runs), "mb": runs[0][2] / 1e6}
    return figures


def main(argv: list[str] | None = None) -> int:
    global REPEAT, FORMATS

    def extra(parser):
        parser.add_argument("--repeat", type=int, default=REPEAT, help="runs of each download")
        parser.add_argument("--formats", default=",".join(FORMATS),
                            help="downloads to measure: csv, xlsx or both (default)")

    args, kinds = engines.fleet_arguments(argv, __doc__, 100_000, extra)
    REPEAT = args.repeat
    FORMATS = tuple(f for f in ("csv", "xlsx") if f in args.formats.split(","))
    figures, _ = engines.measure_fleets(kinds, args.assets, measure)
    names = [f"http {fmt}" for fmt in FORMATS] + ["cli csv"]
    engines.print_side_by_side(
        f"Asset export, {args.assets:,} assets (seconds, median of {REPEAT}; MB: size of the "
        "file; ttfb: seconds to the first byte; grew: growth of the server's peak resident "
        "memory; peak: the server's, or the CLI child's, peak resident memory):",
        [(name, {k: f.get(name, {}) for k, f in figures.items()}) for name in names],
        [("s", "s", ".2f", True), ("ttfb_s", "ttfb", ".2f", False), ("mb", "MB", ".1f", False),
         ("grew_mb", "grew", ".0f", False), ("peak_mb", "peak", ".0f", False)])
    for kind, f in figures.items():
        per_million = f["http csv"]["s"] * 1_000_000 / args.assets
        print(f"  {engines.LABELS[kind]}: CSV download at this pace, a million rows would take "
              f"about {per_million:.0f} s (target under {TARGET_MILLION_S} s, measured with "
              "--assets 1000000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
