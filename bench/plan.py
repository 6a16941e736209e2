"""Benchmark: a ten-year renewal plan of 100,000 assets with yearly caps and one coverage
target (`make bench`).

Targets (issue 6): the engine alone in at most 2 s; the page that shows the plan in at most
3 s. Also prints the time to read the fleet from the database, and the in-place update (an
htmx POST that changes a cap and gets the recomputed plan back). Figures only, no pass/fail
test: medians of REPEAT runs on this machine. SQLite and PostgreSQL side by side (--engine,
--assets: the yearly cap scales with the fleet; see engines.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402  (both engines: the PostgreSQL server and the fleets)
import run as bench  # noqa: E402  (the HTTP bench's server helpers)

ASSETS = 100_000  # the default fleet, and the one CAP_EUR is set for
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


def in_process(url: str, first_year: int, cap_eur: int) -> tuple[dict[str, float], int]:
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
    scenario = sc.to_engine(first_year, YEARS, scenario_settings(first_year, cap_eur), categories,
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


def measure(kind: str, url: str, assets: int) -> dict[str, float]:
    first_year = dt.date.today().year + 1
    process, port = bench.start_server(engines.env_for(url),
                                       engines.BENCH_DIR / f"plan-server-{kind}.log")
    try:
        cap = CAP_EUR * assets // ASSETS  # the yearly cap scales with the fleet
        split, _fleet = in_process(url, first_year, cap)
        cookie = bench.sign_in(port)
        plan_id, token = create_scenario(port, cookie, first_year)
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
                   "x-csrftoken": token, "hx-request": "true"}
        updates = []
        for i in range(REPEAT):  # change the cap each time, as a planner would
            status, elapsed, _ = timed(port, "POST", f"/plans/{plan_id}", headers,
                                       urlencode(form(first_year, cap + i * 1000, i + 1)))
            if status != 200:
                raise SystemExit(f"the in-place update answered {status} on {kind}")
            updates.append(elapsed)
        pages = []
        for _ in range(REPEAT):
            status, elapsed, body = timed(port, "GET", f"/plans/{plan_id}", {"Cookie": cookie})
            if status != 200:
                raise SystemExit(f"the plan page answered {status} on {kind}")
            pages.append(elapsed)
    finally:
        bench.stop_server(process)
    return {**split, "page_s": statistics.median(pages), "update_s": statistics.median(updates),
            "kib": len(body) / 1024}


def main(argv: list[str] | None = None) -> int:
    def extra(parser):
        parser.add_argument("--repeat", type=int, default=REPEAT,
                            help=f"measures of each figure (median; default {REPEAT})")

    global REPEAT
    args, kinds = engines.fleet_arguments(argv, __doc__, ASSETS, extra)
    REPEAT = args.repeat
    figures = {}
    with engines.postgres_if("postgres" in kinds) as pg:
        urls = engines.prepare_fleets(kinds, args.assets, pg)
        for kind, url in urls.items():
            print(f"{engines.LABELS[kind]}: ", end="")
            figures[kind] = measure(kind, url, args.assets)
    rows = [("read the fleet", "read_s"), ("engine alone", "engine_s"),
            ("plan page (GET)", "page_s"), ("change a cap", "update_s")]
    engines.print_side_by_side(
        f"Renewal plan, {args.assets:,} assets, {YEARS} years, yearly caps, one coverage "
        f"target (seconds, median of {REPEAT}):",
        [(name, {kind: {"s": f[key]} for kind, f in figures.items()}) for name, key in rows],
        [("s", "s", ".2f", True)])
    # Issue 6's targets at 100,000 devices; issue 17's at a million (engine 10 s, page 12 s).
    engine_target, page_target = (10, 12) if args.assets >= 1_000_000 else (2, 3)
    for kind, f in figures.items():
        print(f"  {engines.LABELS[kind]}: engine alone {f['engine_s']:.2f} s (target <= "
              f"{engine_target} s) {bench.verdict(f['engine_s'] <= engine_target)}; plan page "
              f"{f['page_s']:.2f} s (target <= {page_target} s) "
              f"{bench.verdict(f['page_s'] <= page_target)}; page size {f['kib']:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
