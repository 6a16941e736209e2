"""Benchmark: 1,000 labels on Avery L7160 (48 pages) from the HTTP endpoint (`make bench`),
on SQLite and PostgreSQL side by side (--engine, --assets; see engines.py).

Target (issue 4): at most 1.5 s end to end on this machine. Also prints how the time splits
between QR computation and PDF drawing, measured in-process on the same 1,000 labels.
Prints figures only; never a pass/fail test.
"""

from __future__ import annotations

import http.client
import io
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402  (both engines: the PostgreSQL server and the fleets)
import run as bench  # noqa: E402  (the HTTP bench's server helpers)

LABELS = 1000
REPEAT = 5


def fetch(port: int, cookie: str, query: str) -> tuple[int, int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", f"/labels/assets.pdf?{query}", headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, len(body), elapsed


def in_process_split(tags: list[str]) -> dict[str, float]:
    from inventory.labels import qr
    from inventory.labels.formats import all_formats
    from inventory.labels.layout import LabelContent
    from inventory.labels.pdf import render_labels

    fmt = all_formats()["avery-l7160"]
    contents = [LabelContent(url=f"http://127.0.0.1:8000/a/{t}", tag=t,
                             lines=("Ordinateur portable Dell Latitude 3540",
                                    "Groupe scolaire Jules-Ferry", "Classe 3",
                                    "Propriété de la commune")) for t in tags]
    qr.qr_matrix.cache_clear()
    started = time.perf_counter()
    for content in contents:
        qr.qr_matrix(content.url)
    qr_s = time.perf_counter() - started
    started = time.perf_counter()  # matrices are cached now: this is layout + drawing
    buffer = io.BytesIO()
    pages = render_labels(fmt, contents, buffer)
    pdf_s = time.perf_counter() - started
    return {"qr_s": qr_s, "pdf_s": pdf_s, "pages": pages, "bytes": len(buffer.getvalue())}


def measure(kind: str, url: str) -> dict[str, float]:
    """Median seconds of the label endpoint on one engine's server (new labels each run)."""
    all_tags = engines.read_tags(url)
    # A fresh set of tags per run: the server caches QR matrices, and reprinting the same
    # labels would time only the PDF drawing.
    runs = max(1, min(REPEAT, len(all_tags) // LABELS - 1))
    batches = [all_tags[i * LABELS:(i + 1) * LABELS] for i in range(runs + 1)]
    process, port = bench.start_server(engines.env_for(url),
                                       engines.BENCH_DIR / f"labels-server-{kind}.log")
    try:
        cookie = bench.sign_in(port)

        def query(batch):
            return urlencode({"format": "avery-l7160", "tags": " ".join(batch)})

        status, size, _ = fetch(port, cookie, query(batches[0]))  # warm-up
        if status != 200:
            raise SystemExit(f"the label endpoint answered {status} on {kind}")
        times = [fetch(port, cookie, query(batch))[2] for batch in batches[1:]]
    finally:
        bench.stop_server(process)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "runs": len(times), "kib": size / 1024}


def main(argv: list[str] | None = None) -> int:
    args, kinds = engines.fleet_arguments(argv, __doc__, 100_000)
    figures, tags = engines.measure_fleets(
        kinds, args.assets, measure, keep=lambda urls: engines.read_tags(urls[kinds[0]])[:LABELS])
    split = in_process_split(tags)
    print(f"\n{LABELS} labels, Avery L7160, {split['pages']} pages, "
          f"{next(iter(figures.values()))['kib']:.0f} KiB PDF, fleet of {args.assets:,} assets")
    engines.print_side_by_side(
        "HTTP end to end, new labels each run (seconds, median; target <= 1.5 s):",
        [("labels", figures)],
        [("median_s", "median s", ".2f", True), ("max_s", "max s", ".2f", False)])
    for kind, f in figures.items():
        print(f"  {engines.LABELS[kind]}: median {f['median_s']:.2f} s over {f['runs']} runs "
              f"(min {f['min_s']:.2f}, max {f['max_s']:.2f})  target <= 1.5 s: "
              f"{'PASS' if f['median_s'] <= 1.5 else 'MISS'}")
    total = split["qr_s"] + split["pdf_s"]
    print(f"In-process split (no database): QR matrices {split['qr_s']:.2f} s "
          f"({split['qr_s'] / total:.0%}), layout and PDF drawing {split['pdf_s']:.2f} s "
          f"({split['pdf_s'] / total:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
