"""Benchmark: 1,000 labels on Avery L7160 (48 pages) from the HTTP endpoint (`make bench`).

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

import run as bench  # noqa: E402  (the HTTP bench's database and server helpers)

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


def main() -> int:
    import os

    assets = 100_000
    bench.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db_path = bench.BENCH_DIR / f"inventory-{assets}.db"
    env = {**os.environ, "INVENTORY_DATABASE_URL": bench.database_url(db_path),
           "INVENTORY_DATA_DIR": str(bench.BENCH_DIR), "PYTHONUNBUFFERED": "1"}
    bench.build_database(db_path, assets, env)
    all_tags = bench.read_tags(db_path)
    # A fresh set of tags per run: the server caches QR matrices, and reprinting the same
    # labels would time only the PDF drawing.
    batches = [all_tags[i * LABELS:(i + 1) * LABELS] for i in range(REPEAT + 1)]
    tags = batches[1]
    process, port = bench.start_server(env, bench.BENCH_DIR / "labels-server.log")
    try:
        cookie = bench.sign_in(port)
        def query(batch):
            return urlencode({"format": "avery-l7160", "tags": " ".join(batch)})

        status, size, _ = fetch(port, cookie, query(batches[0]))  # warm-up
        if status != 200:
            print(f"the label endpoint answered {status}")
            return 1
        times = [fetch(port, cookie, query(batch))[2] for batch in batches[1:]]
    finally:
        bench.stop_server(process)
    split = in_process_split(tags)
    median = statistics.median(times)
    print(f"{LABELS} labels, Avery L7160, {split['pages']} pages, {size / 1024:.0f} KiB PDF")
    print(f"HTTP end to end (new labels each run): median {median:.2f} s over {REPEAT} runs "
          f"(min {min(times):.2f}, max {max(times):.2f})  target <= 1.5 s: "
          f"{'PASS' if median <= 1.5 else 'MISS'}")
    total = split["qr_s"] + split["pdf_s"]
    print(f"In-process split: QR matrices {split['qr_s']:.2f} s ({split['qr_s'] / total:.0%}), "
          f"layout and PDF drawing {split['pdf_s']:.2f} s ({split['pdf_s'] / total:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
