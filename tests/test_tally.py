"""The dashboard's fleet counts (dashboard.tally, kept by the database's triggers, m0033)
are those of the assets, whoever wrote them and however: pages, bulk creation, plain SQL,
before and after the logged changes are folded in."""

from __future__ import annotations

import datetime as dt

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.assets import tally
from inventory.core.tables import Asset
from inventory.dashboard import service
from tests.helpers import count, edit_form, execute, migrate_current, query

GROUPED = ("SELECT site, category, COALESCE(model, 0) AS model, status, "
           "COALESCE(eol_year, 0) AS eol_year, COUNT(*) AS n FROM asset "
           "GROUP BY site, category, COALESCE(model, 0), status, COALESCE(eol_year, 0)")


def _key(row) -> tuple:
    return (row["site"], row["category"], row["model"], row["status"], row["eol_year"])


def assert_tally_matches(run) -> None:
    counted = run(tally.counts(tally.GROUP, EVERYTHING))
    expected = {_key(r): r["n"] for r in query(GROUPED)}
    assert {_key(r): int(r["n"]) for r in counted} == expected != {}


def _fleet(make) -> None:
    """40 devices over three sites, two categories of two models each (and a few without
    a model), bought from 2012 to 2025 (so some are past their end of life), two with a
    fault."""
    sites = [make.site() for _ in range(3)]
    for c in range(2):
        category = make.category(lifespan_years=5 + c)
        models = [make.model(category) for _ in range(2)]
        for i, site in enumerate(sites):
            for j, model in enumerate(models):
                made = make.assets(3, site=site, category=category, model=model,
                                   purchase_date=f"{2012 + 4 * i + 2 * j + c}-09-01")
                if i == j == 0:
                    make.fault(made[0])
        make.assets(2, site=sites[0], category=category, purchase_date="2025-01-15")


def test_the_tally_follows_every_kind_of_write_before_and_after_a_fold(empty_client, make,
                                                                       run):
    client = empty_client
    _fleet(make)
    assert_tally_matches(run)  # as written, before the job folds the changes in
    run(tally.fold())
    assert count("asset_tally_change") == 0
    assert_tally_matches(run)
    # A page's edit of a counted value, a status change, a move, a note (not counted).
    tag = query("SELECT tag FROM asset WHERE status = 'in_service' AND model IS NOT NULL "
                "ORDER BY id LIMIT 1")[0]["tag"]
    answer = client.post(f"/a/{tag}/edit", data=edit_form(client, tag, notes="Câble HDMI"),
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert count("asset_tally_change") == 0  # a note changes no count: nothing logged
    answer = client.post(f"/a/{tag}/edit", data=edit_form(client, tag, eol_year_override="2041"),
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert query("SELECT eol_year FROM asset WHERE tag = {}", tag)[0]["eol_year"] == 2041
    assert count("asset_tally_change") == 2  # -1 in the old group, +1 in the new
    other_site = query("SELECT id FROM site ORDER BY id DESC LIMIT 1")[0]["id"]
    execute("UPDATE asset SET site = {}, status = 'faulty' WHERE id IN "
            "(SELECT id FROM asset ORDER BY id LIMIT 25)", other_site)
    execute("UPDATE asset SET model = NULL WHERE id IN "
            "(SELECT id FROM asset ORDER BY id DESC LIMIT 3)")
    # Rows written and removed by plain SQL (a copy of two devices under new tags).
    columns = ", ".join(c._meta.db_column_name for c in Asset._meta.columns
                        if c._meta.db_column_name not in ("id", "tag"))
    execute(f"INSERT INTO asset (tag, {columns}) SELECT 'COPY-' || tag, {columns} FROM asset "
            "WHERE id IN (SELECT id FROM asset ORDER BY id LIMIT 3)")
    execute("DELETE FROM asset WHERE tag IN (SELECT tag FROM asset WHERE tag LIKE {} "
            "ORDER BY tag LIMIT 1)", "COPY-%")
    assert count("asset_tally_change") > 2
    assert_tally_matches(run)  # the changes not folded in yet are counted
    run(tally.fold())
    assert count("asset_tally_change") == 0
    assert count("asset_tally", "n = 0") == 0
    assert_tally_matches(run)


def test_a_bulk_creation_is_counted_at_once_and_folded_by_the_job(empty_client, make, run):
    from inventory.core.leases import run_claimed

    school = make.site(kind="college")
    make.assets(30, site=school, category=make.category(code="PC-PORT"))
    assert_tally_matches(run)
    rows = run(tally.counts("status", EVERYTHING))
    assert {r["status"]: int(r["n"]) for r in rows} == {"in_service": 30}
    execute("UPDATE asset SET status = 'in_stock'")
    assert count("asset_tally_change") > 0
    assert_tally_matches(run)
    # The scheduler's job (jobs.scheduler: "tally", claimed per ten minutes).
    run(run_claimed("tally", "2026-12-02T15:1", tally.fold))
    assert count("asset_tally_change") == 0
    assert {r["status"]: r["n"] for r in query("SELECT status, n FROM asset_tally")} == {
        "in_stock": 30}
    assert_tally_matches(run)


def test_the_dashboards_fleet_figures_are_the_assets_within_a_scope(empty_url, make, run):
    today = dt.date.today()
    _fleet(make)
    run(tally.fold())
    execute("UPDATE asset SET status = 'retired' WHERE id IN "
            "(SELECT id FROM asset ORDER BY id LIMIT 10)")  # logged, not folded
    site = query("SELECT site AS id, COUNT(*) AS n FROM asset GROUP BY site "
                 "ORDER BY n DESC LIMIT 1")[0]["id"]
    for scope in (EVERYTHING, Scope(site_ids=frozenset({site}))):
        where = "1 = 1" if scope.site_ids is None else f"asset.site = {site}"
        expected = query(
            "SELECT site.code AS site_code, site.name AS site_name, COUNT(*) AS n FROM asset "
            "JOIN site ON site.id = asset.site WHERE asset.eol_year <= {} AND asset.status != "
            f"'retired' AND {where} GROUP BY site.code, site.name", today.year)
        rows = run(service.end_of_life_counts(today, scope))
        assert sorted(map(dict, rows), key=str) == sorted(map(dict, expected), key=str) != []
        assert [r["n"] for r in rows] == sorted((r["n"] for r in rows), reverse=True)
        counts = run(service.site_category_counts(scope))
        by_status = {(e["site"]["id"], status): n for e in counts["rows"]
                     for status, n in e["by_status"].items()}
        assert by_status == {(r["site"], r["status"]): r["n"] for r in query(
            f"SELECT site, status, COUNT(*) AS n FROM asset WHERE {where} "
            "GROUP BY site, status")}
        # Devices in service per model, next to their faults (faults per 100 devices).
        in_service = {r["name"]: r["n"] for r in query(
            "SELECT equipment_model.manufacturer || ' ' || equipment_model.name AS name, "
            "COUNT(*) AS n FROM asset JOIN equipment_model ON equipment_model.id = asset.model "
            f"WHERE asset.status != 'retired' AND {where} GROUP BY equipment_model.manufacturer,"
            " equipment_model.name")}
        figures = run(service.fault_figures(today, scope))
        assert figures["by_model"] and all(
            devices == in_service[name] for name, _faults, devices, _rate in figures["by_model"])


def test_the_migration_counts_a_filled_database_and_keeps_counting(empty_url, make, run):
    """m0033's second step on a database that already holds devices: the tally is filled
    from them, and the triggers it makes count what comes after."""
    _fleet(make)
    fill = "2026-12-02T16:00:01:000000"
    for event in ("insert", "delete", "update"):
        if empty_url.startswith("sqlite"):
            execute(f"DROP TRIGGER asset_tally_{event}")
        else:
            execute(f"DROP TRIGGER asset_tally_{event} ON asset")
    execute("DROP INDEX asset_tally_key")
    execute("DELETE FROM asset_tally")
    execute("UPDATE asset SET status = 'in_stock' WHERE id IN "
            "(SELECT id FROM asset ORDER BY id LIMIT 7)")  # not logged: no trigger yet
    execute("DELETE FROM migration WHERE name = {}", fill)
    assert run(migrate_current()) == [fill]
    assert count("asset_tally_change") == 0 and count("asset_tally") > 0
    assert_tally_matches(run)
    execute("UPDATE asset SET status = 'faulty' WHERE id IN "
            "(SELECT id FROM asset ORDER BY id LIMIT 5)")
    assert count("asset_tally_change") > 0
    assert_tally_matches(run)
