"""Benchmark: a ten-year renewal plan of 100,000 assets with yearly caps and one coverage
target (`make bench`).

Targets (issue 6): the engine alone in at most 2 s; the page that shows the plan in at most
3 s. Also prints the time to read the fleet from the database, and the in-place update (an
htmx POST that changes a cap and gets the recomputed plan back). Figures only, no pass/fail
test: medians of REPEAT runs on this machine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (the HTTP bench's database and server helpers)

ASSETS = 100_000
YEARS = 10
REPEAT = 5
CAP_EUR = 4_000_000  # binding: a 100,000-device fleet needs more than this most years


def scenario_settings(first_year: int, cap_eur: int) -> dict:
    return {
        "budgets": "one",
        "caps": {"all": {str(y): cap_eur * 100 for y in range(first_year, first_year + YEARS)}},
        "weights": {"age": 10, "faults": 5, "warranty": 3, "criticality": 4, "coverage": 20},
        "lifespans": {},
        "targets": [{"site_kinds": ["elementaire", "groupe_scolaire"], "category": "ENI",
                     "by_year": first_year + 3}],
    }


def in_process(url: str, first_year: int) -> tuple[dict[str, float], int]:
    """Median seconds to read the fleet, and to run the engine alone on it."""
    from inventory.core import db
    from inventory.planning import scenario as sc
    from inventory.planning import service
    from inventory.planning.engine import make_plan

    db.configure(url)
    today = dt.date.today()

    async def load():
        return await service.categories(), await service.fleet(today), await service.classrooms()

    reads, engine = [], []
    for _ in range(REPEAT):
        started = time.perf_counter()
        categories, fleet, rooms = asyncio.run(load())
        reads.append(time.perf_counter() - started)
    scenario = sc.to_engine(first_year, YEARS, scenario_settings(first_year, CAP_EUR), categories,
                            price_year=today.year)
    policies = service.policies(categories)
    for _ in range(REPEAT):
        started = time.perf_counter()
        plan = make_plan(fleet, policies, scenario, rooms)
        engine.append(time.perf_counter() - started)
    print(f"fleet: {len(fleet):,} devices, {len(rooms)} classrooms; plan: {len(plan.lines):,} "
          f"lines, backlog {len(plan.backlog):,} ({plan.backlog_cents / 100:,.0f} EUR)")
    return {"read_s": statistics.median(reads), "engine_s": statistics.median(engine)}, len(fleet)


def create_scenario(port: int, cookie: str, first_year: int) -> tuple[int, str]:
    """Create a draft through the pages, as a planner would; returns its id and CSRF token."""
    token = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
               "x-csrftoken": token}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/plans", headers=headers, body=urlencode(
        {"name": "Bench", "first_year": first_year, "years": YEARS}))
    response = conn.getresponse()
    response.read()
    plan_id = int(response.headers["location"].rsplit("/", 1)[1])
    conn.close()
    return plan_id, token


def form(first_year: int, cap_eur: int, version: int) -> dict[str, str]:
    fields = {"name": "Bench", "first_year": str(first_year), "years": str(YEARS),
              "budgets": "one", "version": str(version), "target_0_kinds": "elementaire",
              "target_0_category": "ENI", "target_0_by_year": str(first_year + 3)}
    fields.update({f"cap_all_{y}": str(cap_eur) for y in range(first_year, first_year + YEARS)})
    return fields


def timed(port: int, method: str, path: str, headers: dict, body: str | None = None
          ) -> tuple[int, float, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, elapsed, data


def main() -> int:
    bench.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db_path = bench.BENCH_DIR / f"inventory-{ASSETS}.db"
    url = bench.database_url(db_path)
    env = {**os.environ, "INVENTORY_DATABASE_URL": url,
           "INVENTORY_DATA_DIR": str(bench.BENCH_DIR), "PYTHONUNBUFFERED": "1"}
    bench.build_database(db_path, ASSETS, env)
    first_year = dt.date.today().year + 1
    process, port = bench.start_server(env, bench.BENCH_DIR / "plan-server.log")
    try:
        split, _fleet = in_process(url, first_year)
        cookie = bench.sign_in(port)
        plan_id, token = create_scenario(port, cookie, first_year)
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
                   "x-csrftoken": token, "hx-request": "true"}
        updates = []
        for i in range(REPEAT):  # change the cap each time, as a planner would
            status, elapsed, _ = timed(port, "POST", f"/plans/{plan_id}", headers,
                                       urlencode(form(first_year, CAP_EUR + i * 1000, i + 1)))
            if status != 200:
                raise SystemExit(f"the in-place update answered {status}")
            updates.append(elapsed)
        pages = []
        for _ in range(REPEAT):
            status, elapsed, body = timed(port, "GET", f"/plans/{plan_id}", {"Cookie": cookie})
            if status != 200:
                raise SystemExit(f"the plan page answered {status}")
            pages.append(elapsed)
    finally:
        bench.stop_server(process)
    page_s, update_s = statistics.median(pages), statistics.median(updates)
    print(f"\nRenewal plan, {ASSETS:,} assets, {YEARS} years, yearly caps, one coverage target "
          f"(median of {REPEAT})")
    print(f"  read the fleet from SQLite   {split['read_s']:6.2f} s")
    print(f"  engine alone                 {split['engine_s']:6.2f} s   target <= 2 s  "
          f"{bench.verdict(split['engine_s'] <= 2)}")
    print(f"  plan page (GET, whole page)  {page_s:6.2f} s   target <= 3 s  "
          f"{bench.verdict(page_s <= 3)}")
    print(f"  change a cap (htmx POST)     {update_s:6.2f} s")
    print(f"  page size {len(body) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
