"""Exports of assets, faults, interventions and plans: CSV for scripts and for French Excel,
XLSX; the same rows from the pages and from `inventory export`."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from inventory.accounts.scope import EVERYTHING
from inventory.exports import ASSET_COLUMNS, FAULT_COLUMNS, INTERVENTION_COLUMNS, PLAN_COLUMNS
from inventory.faults import service as faults
from inventory.interventions import service as interventions
from tests.helpers import count, execute, query

INVENTORY = str(Path(sys.executable).parent / "inventory")


def _cli(url, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "INVENTORY_DATABASE_URL": url}
    return subprocess.run([INVENTORY, *args], env=env, capture_output=True, timeout=180)


def _work(run) -> str:
    """A fault and an intervention on a device of GS-FERRY; returns its tag."""
    tag = query("SELECT asset.tag FROM asset JOIN site ON site.id = asset.site WHERE "
                "site.code = 'GS-FERRY' AND asset.status = 'in_service' ORDER BY asset.tag "
                "LIMIT 1")[0]["tag"]
    run(faults.report({"asset": tag, "symptom": "other", "description": "=1+1 écran noir"},
                      "direction@brenneville.example", EVERYTHING))
    run(interventions.log(tag, {"kind": "repair", "minutes_spent": "45", "cost_eur": "12,50",
                                "notes": "Câble HDMI changé"}, "tech@brenneville.example",
                          EVERYTHING))
    return tag


def test_every_kind_from_the_command_line(demo_url, run):
    tag = _work(run)
    for kind, columns in (("assets", ASSET_COLUMNS), ("faults", FAULT_COLUMNS),
                          ("interventions", INTERVENTION_COLUMNS), ("plans", PLAN_COLUMNS)):
        done = _cli(demo_url, "export", kind, "--format", "csv")
        assert done.returncode == 0, done.stderr
        rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8"))))
        assert tuple(rows[0]) == columns
        expected = {"assets": count("asset"), "faults": count("fault"),
                    "interventions": count("intervention")}.get(kind)
        if expected is not None:
            assert len(rows) - 1 == expected
        else:
            assert len(rows) > 1 and rows[1][1].startswith("Plan numérique")
    faults_csv = _cli(demo_url, "export", "faults").stdout.decode()
    assert "'=1+1 écran noir" in faults_csv  # neutralised, accents intact
    work = _cli(demo_url, "export", "interventions").stdout.decode()
    assert f"{tag}," in work and "12.50" in work

    book = _cli(demo_url, "export", "assets", "--format", "xlsx")
    assert book.returncode == 0, book.stderr
    sheet = load_workbook(io.BytesIO(book.stdout)).active
    assert sheet.max_row == count("asset") + 1
    price = ASSET_COLUMNS.index("purchase_price_eur") + 1
    priced = next(r for r in sheet.iter_rows(min_row=2) if r[price - 1].value is not None)
    assert isinstance(priced[price - 1].value, int | float)  # a number, not text
    assert priced[price - 1].number_format == '#,##0.00 "€"'


def test_asset_export_from_the_list_keeps_its_filter_for_french_excel(client):
    page = client.get("/assets?site=GS-FERRY&category=TNI")
    assert "/exports/assets?site=GS-FERRY&amp;category=TNI&amp;format=xlsx" in page.text
    answer = client.get("/exports/assets?site=GS-FERRY&category=TNI&format=csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == ASSET_COLUMNS
    expected = query("SELECT COUNT(*) AS n FROM asset JOIN site ON site.id = asset.site JOIN "
                     "category ON category.id = asset.category WHERE site.code = 'GS-FERRY' "
                     "AND category.code = 'TNI'")[0]["n"]
    assert len(rows) - 1 == expected > 0
    site, category = ASSET_COLUMNS.index("site"), ASSET_COLUMNS.index("category")
    assert {(r[site], r[category]) for r in rows[1:]} == {("GS-FERRY", "TNI")}
    price = ASSET_COLUMNS.index("purchase_price_eur")
    assert any("," in r[price] for r in rows[1:]) and not any("." in r[price] for r in rows[1:])

    xlsx = client.get("/exports/assets?site=GS-FERRY&category=TNI&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == expected + 1 and sheet.title == "Assets"


def test_director_exports_only_their_sites_and_no_plans(client_as, run):
    _work(run)
    execute("UPDATE fault SET site = (SELECT id FROM site WHERE code = 'MAIRIE') WHERE id = "
            "(SELECT MIN(id) FROM fault)")
    run(faults.report({"asset": query("SELECT tag FROM asset JOIN site ON site.id = asset.site "
                                      "WHERE site.code = 'GS-FERRY' ORDER BY tag DESC LIMIT 1"
                                      )[0]["tag"], "symptom": "other",
                       "description": "Ne démarre plus"},
                      "direction@brenneville.example", EVERYTHING))
    director = client_as("director")
    answer = director.get("/exports/faults?format=csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    sites = {r[FAULT_COLUMNS.index("site")] for r in rows[1:]}
    assert sites == {"GS-FERRY"}
    assert director.get("/exports/plans?format=csv").status_code == 403
    assert client_as("viewer").get("/exports/plans?format=xlsx").status_code == 200
    assert director.get("/exports/nothing").status_code == 404
