"""Benchmark: importing a 50,000-row inventory file with `inventory import` (`make bench`).

Targets (imports issue): under 30 s and under 300 MB of peak memory for 50,000 rows. The
file is generated in French Excel style (Windows-1252, semicolons, day-first dates, decimal
commas) against the demo commune's sites, categories and models, half the rows with a tag
and half without (matched by serial number and model), with some rooms that do not exist
yet. Each run is a separate `inventory import` process; its wall time and peak resident
memory (ru_maxrss of that child) are printed. Figures only, no pass/fail assertion.

Runs: a dry run, the import itself, then the same file again (every row unchanged); then the
same 50,000 rows as an XLSX workbook (a title row above the header, as offices write them),
checked and imported through the same path into a fresh database. Last, the latency of saves
made by someone else while a 50,000-row dry run reads the file (target: under 100 ms at the
median; printed, not asserted): the dry run holds no write lock.

`--updates`: a file of changes instead (issue 17). The generated file is imported into a fresh
demo commune, then the same rows again with every supplier changed, one row in ten moved to
another room and one in ten of those in service put in stock: every row an update (one, two
or three audit records). Each of the two imports is timed; the second is the figure.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402  (both engines: the PostgreSQL server and fresh databases)

ROOT = engines.ROOT
BENCH_DIR = engines.BENCH_DIR
INVENTORY = str(engines.INVENTORY)
TARGET_S = 30
TARGET_MB = 300
TARGET_SAVE_MS = 100

HEADER = ["Numéro d'inventaire", "Type", "Fabricant", "Modèle", "Numéro de série", "Site",
          "Salle", "Statut", "Date d'achat", "Prix d'achat", "Fin de garantie", "Fournisseur",
          "Bon de commande", "Commentaire"]
STATUSES = ["En service"] * 17 + ["En stock", "En panne", "Réformé"]


def _env(url: str) -> dict[str, str]:
    return engines.env_for(url, INVENTORY_LANGUAGE="en")


def build_database(kind: str, name: str, pg) -> str:
    """A fresh database holding the demo commune (its default size)."""
    url = engines.fresh_database(kind, name if kind == "sqlite" else name.replace("-", "_"), pg)
    subprocess.run([INVENTORY, "migrate"], env=_env(url), check=True, capture_output=True)
    subprocess.run([INVENTORY, "demo"], env=_env(url), check=True, capture_output=True)
    return url


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """The demo's categories, models and sites; rooms of the demo and new ones."""
    from inventory.demo import commune as demo

    rng = random.Random(seed)
    sites = [code for _kind, _name, code, _n in demo.SCHOOLS]
    rooms = [f"Classe {n}" for n in range(1, 13)] + [f"Salle importée {n}" for n in range(1, 9)]
    with path.open("w", encoding="cp1252", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for n in range(1, rows + 1):
            category = rng.choice(list(demo.MODELS))
            manufacturer, model = rng.choice(demo.MODELS[category])
            purchase = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3500))
            warranty = purchase + dt.timedelta(days=365 * rng.choice([2, 3, 5]))
            euros, cents = rng.randint(100, 4500), rng.choice([0, 50, 90])
            writer.writerow([
                f"IMP-{n:06d}" if n % 2 else "", category, manufacturer, model,
                f"SN{seed}-{n:07d}", rng.choice(sites), rng.choice(rooms), rng.choice(STATUSES),
                purchase.strftime("%d/%m/%Y"), f"{euros:,}".replace(",", " ") + f",{cents:02d} €",
                warranty.strftime("%d/%m/%Y"), rng.choice(demo.SUPPLIERS),
                f"BC-{purchase.year}-{rng.randint(1, 99):03d}",
                "Reprise de l'inventaire papier" if n % 7 == 0 else ""])


def changed_copy(source: Path, target: Path) -> None:
    """`source`'s rows, each one changed (see the module's docstring, `--updates`)."""
    rooms = ("Classe 1", "Classe 2")
    with source.open(encoding="cp1252", newline="") as f, \
            target.open("w", encoding="cp1252", newline="") as out:
        reader = csv.reader(f, delimiter=";")
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(next(reader))
        for n, row in enumerate(reader, 1):
            row[11] += " (repris)"  # Fournisseur
            if n % 10 == 3:  # Salle: a move
                row[6] = rooms[0] if row[6] != rooms[0] else rooms[1]
            if n % 10 == 7 and row[7] == "En service":  # Statut
                row[7] = "En stock"
            writer.writerow(row)


def to_xlsx(csv_path: Path, xlsx_path: Path) -> None:
    """The CSV's rows as a workbook written in streaming mode, with a title row first."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Inventaire")
    sheet.append(["Inventaire du matériel (banc d'essai)"])
    with csv_path.open(encoding="cp1252", newline="") as f:
        for row in csv.reader(f, delimiter=";"):
            sheet.append(row)
    book.save(xlsx_path)


async def _saves_during(url: str, path: Path) -> list[float]:
    """Save one asset's notes in a loop (through the assets service, as the pages do) while
    a dry run of `path` runs in another process; the latency of each save, in ms."""
    from inventory.accounts.scope import EVERYTHING
    from inventory.assets import service as assets
    from inventory.core import db
    from inventory.core.tables import Asset

    engine = db.configure(url)
    await db.start_pool(engine, size=2)
    tag = (await Asset.select(Asset.tag).order_by(Asset.id).first().run())["tag"]
    child = subprocess.Popen([INVENTORY, "import", str(path), "--dry-run"], env=_env(url),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latencies: list[float] = []
    try:
        await asyncio.sleep(1.5)  # past the child's start-up, into the reading
        n = 0
        while child.poll() is None:
            started = time.perf_counter()
            await assets.update(tag, {"notes": f"bench save {n}"}, None, "bench", EVERYTHING)
            latencies.append((time.perf_counter() - started) * 1000)
            n += 1
            await asyncio.sleep(0.05)
    finally:
        child.wait()
        await db.close_pool(engine)
    return latencies


def timed_import(url: str, path: Path, *extra: str) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB of that one child, and its last line of output."""
    out_path, err_path = BENCH_DIR / "import.out", BENCH_DIR / "import.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        child = subprocess.Popen([INVENTORY, "import", str(path), *extra], env=_env(url),
                                 stdout=out, stderr=err)
        # wait4 gives this child's own ru_maxrss (kB on Linux); RUSAGE_CHILDREN would give
        # the largest of every child so far.
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        print(err_path.read_text()[-2000:], file=sys.stderr)
    lines = out_path.read_text().strip().splitlines()
    return wall, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def measure(kind: str, pg, csv_path: Path, xlsx_path: Path | None,
            changes_path: Path | None = None) -> dict[str, dict]:
    """Every run; with no workbook (--csv-only), the CSV's dry run and import alone; with a
    file of changes (--updates), the CSV's import then the changes' import."""
    label = engines.LABELS[kind]
    figures: dict[str, dict] = {}
    url = build_database(kind, "import", pg)
    if changes_path is not None:
        for name, path in (("import", csv_path), ("changes", changes_path)):
            wall, peak, last = timed_import(url, path)
            figures[name] = {"s": wall, "mb": peak}
            print(f"  {label:<10} {name:<16} {wall:6.1f} s  {peak:6.0f} MB peak   {last}")
        return figures
    runs = (("dry run", ("--dry-run",)), ("import", ()), ("same file again", ()))
    for name, extra in runs if xlsx_path else runs[:2]:
        wall, peak, last = timed_import(url, csv_path, *extra)
        figures[name] = {"s": wall, "mb": peak}
        print(f"  {label:<10} {name:<16} {wall:6.1f} s  {peak:6.0f} MB peak   {last}")
    if xlsx_path is None:
        return figures
    url = build_database(kind, "import-xlsx", pg)
    for name, extra in (("xlsx dry run", ("--dry-run",)), ("xlsx import", ())):
        wall, peak, last = timed_import(url, xlsx_path, *extra)
        figures[name] = {"s": wall, "mb": peak}
        print(f"  {label:<10} {name:<16} {wall:6.1f} s  {peak:6.0f} MB peak   {last}")
    url = build_database(kind, "import-saves", pg)
    latencies = sorted(asyncio.run(_saves_during(url, csv_path)))
    if latencies:
        figures["saves"] = {
            "n": len(latencies), "median_ms": statistics.median(latencies),
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1 if len(latencies) > 1 else 0],
            "max_ms": latencies[-1]}
    return figures


def main(argv: list[str] | None = None) -> int:
    def extra(parser):
        parser.add_argument("--csv-only", action="store_true",
                            help="the CSV's dry run and import only (issue 17's 500,000 rows)")
        parser.add_argument("--updates", action="store_true",
                            help="import the CSV, then a copy whose every row changes the "
                                 "device (issue 17's file of changes)")

    args, kinds = engines.fleet_arguments(argv, __doc__, 50_000, extra, size="--rows",
                                          size_help="rows of the generated file")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    csv_path = BENCH_DIR / f"import-{args.rows}.csv"
    started = time.perf_counter()
    generate(csv_path, args.rows)
    print(f"Generated {csv_path.relative_to(ROOT)} ({args.rows:,} rows, "
          f"{csv_path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
    xlsx_path: Path | None = None
    changes_path: Path | None = None
    if args.updates:
        changes_path = BENCH_DIR / f"import-{args.rows}-changes.csv"
        changed_copy(csv_path, changes_path)
    elif not args.csv_only:
        xlsx_path = BENCH_DIR / f"import-{args.rows}.xlsx"
        started = time.perf_counter()
        to_xlsx(csv_path, xlsx_path)
        print(f"XLSX {xlsx_path.relative_to(ROOT)} ({xlsx_path.stat().st_size / 1e6:.1f} MB) "
              f"written in {time.perf_counter() - started:.1f} s")
    print(f"Target: under {TARGET_S} s and under {TARGET_MB} MB per run (50,000 rows).")
    figures = {}
    with engines.postgres_if("postgres" in kinds) as pg:
        for kind in kinds:
            figures[kind] = measure(kind, pg, csv_path, xlsx_path, changes_path)
    names = ["dry run", "import", "same file again", "xlsx dry run", "xlsx import"]
    if changes_path is not None:
        names = ["import", "changes"]
    engines.print_side_by_side(
        f"`inventory import` of {args.rows:,} rows (wall seconds, peak resident MB of the "
        "child):", [(name, {k: f.get(name, {}) for k, f in figures.items()}) for name in names],
        [("s", "s", ".1f", True), ("mb", "MB", ".0f", False)])
    if changes_path is not None:
        return 0
    engines.print_side_by_side(
        f"Saves by someone else during a {args.rows:,}-row dry run (ms; target: median under "
        f"{TARGET_SAVE_MS} ms):",
        [("saves", {k: f.get("saves", {}) for k, f in figures.items()})],
        [("median_ms", "median", ".0f", True), ("p95_ms", "p95", ".0f", False),
         ("max_ms", "max", ".0f", False), ("n", "saves", "d", False)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
