"""m0034 on a filled database, both engines: the dashboard's "warranties ending within 90
days" index is built over the devices already there, the count reads it (SQLite's plan
says so), and the dashboard counts what the rule says."""

from __future__ import annotations

import datetime as dt

from inventory.accounts.scope import EVERYTHING
from inventory.dashboard import service as dashboard
from tests.helpers import execute, migrate_current, query

M0034 = "2026-12-02T16:30:00:000000"
ON = dt.date(2026, 12, 3)


def test_the_warranty_index_is_built_on_existing_devices(empty_url, make, run):
    site = make.site()
    ending = [make.asset(site=site, warranty_end=str(ON + dt.timedelta(days=d)))
              for d in (0, 30, 89, 90)]
    make.asset(site=site, warranty_end=str(ON + dt.timedelta(days=91)))  # later
    make.asset(site=site, warranty_end=str(ON - dt.timedelta(days=1)))  # already over
    make.asset(site=site, warranty_end=str(ON + dt.timedelta(days=10)), status="retired")
    make.asset(site=site)  # no warranty recorded
    # The database as it was before m0034: no index, the migration not run.
    execute("DROP INDEX asset_warranty_status")
    execute("DELETE FROM migration WHERE name = {}", M0034)
    assert run(migrate_current()) == [M0034]

    sqlite = empty_url.startswith("sqlite")
    if sqlite:
        names = {r["name"] for r in query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'asset'")}
        plan = [r["detail"] for r in query(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM asset WHERE warranty_end >= {} AND "
            "warranty_end <= {} AND status != 'retired'", ON, ON + dt.timedelta(days=90))]
        assert any("asset_warranty_status" in line for line in plan), plan
    else:
        names = {r["indexname"] for r in query(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'asset'")}
    assert "asset_warranty_status" in names
    total, rows = run(dashboard.warranties_ending(ON, EVERYTHING))
    assert total == 4 and sorted(r["tag"] for r in rows) == sorted(a["tag"] for a in ending)
