"""Exports of assets, faults, interventions and plans: CSV for scripts (codes) and, from the
pages, CSV for French Excel and XLSX in the reader's language; the same rows everywhere.
XLSX files are read back with openpyxl: dates are date cells, amounts numbers, serials text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.core import i18n
from inventory.exporting.columns import (
    ASSET_COLUMNS,
    ASSETS,
    FAULT_COLUMNS,
    INTERVENTION_COLUMNS,
    PLAN_COLUMNS,
    TableWriter,
)
from inventory.faults import service as faults
from inventory.imports import columns
from inventory.imports.service import Importer, run_import
from inventory.interventions import service as interventions
from tests.helpers import count, execute, query

INVENTORY = str(Path(sys.executable).parent / "inventory")
PARIS = ZoneInfo("Europe/Paris")
EURO = '#,##0.00 "€"'
FR_STATUSES = {"En service", "En stock", "En panne", "En réparation", "Réformé"}
EN_STATUSES = {"In service", "In stock", "Faulty", "In repair", "Retired"}


def _cli(url, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "INVENTORY_DATABASE_URL": url}
    return subprocess.run([INVENTORY, *args], env=env, capture_output=True, timeout=180)


@pytest.fixture
def client(empty_client):
    """An administrator's client on the test's own database (English UI)."""
    return empty_client


@pytest.fixture
def fleet(empty_url, make, run) -> dict:
    """A school's interactive boards (TNI) in every status a creation allows, most bought
    in 2015 with a price (past their 5-year lifespan), one with neither; a town hall's
    computers bought in 2024; the school's director and a technician; and a draft plan
    whose budget (600 € the first year, then none) replaces one 500 € board and leaves the
    others to fund (its backlog)."""
    from inventory.planning import service as planning

    school, town_hall = make.site(), make.site(kind="mairie")
    boards = make.category(code="TNI", lifespan_years=5)
    computers = make.category(code="PC-FIXE", lifespan_years=5)
    old = {"purchase_date": "2015-09-01", "purchase_price_eur": "1234,50"}
    for status in ("in_service", "in_service", "in_stock", "retired"):
        make.asset(site=school, category=boards, status=status, **old)
    make.asset(site=school, category=boards)  # no date, no price
    make.assets(3, site=town_hall, category=computers, purchase_date="2024-03-15",
                purchase_price_eur="149,90")
    year = dt.date.today().year + 1
    run(planning.create_plan({"name": f"Plan numérique {year}–{year + 2} (essai)",
                              "first_year": str(year), "years": "3",
                              f"cap_all_{year}": "600", f"cap_all_{year + 1}": "0",
                              f"cap_all_{year + 2}": "0"},
                             "factory", EVERYTHING))
    return {"url": empty_url, "school": school, "town_hall": town_hall,
            "director": make.account("director", sites=[school]),
            "technician": make.account("technician")}


def _work(run, fleet) -> str:
    """A fault and an intervention on a device of the school; returns its tag."""
    tag = query("SELECT asset.tag FROM asset JOIN site ON site.id = asset.site WHERE "
                "site.code = {} AND asset.status = 'in_service' ORDER BY asset.tag "
                "LIMIT 1", fleet["school"]["code"])[0]["tag"]
    run(faults.report({"asset": tag, "symptom": "other", "description": "=1+1 écran noir"},
                      fleet["director"]["email"], EVERYTHING))
    run(interventions.log(tag, {"kind": "repair", "minutes_spent": "45", "cost_eur": "12,50",
                                "notes": "Câble HDMI changé"}, fleet["technician"]["email"],
                          EVERYTHING))
    return tag


def _serials() -> dict[str, str]:
    """Serials and a firmware that a spreadsheet would turn into numbers; tag -> serial."""
    tags = [r["tag"] for r in query("SELECT tag FROM asset ORDER BY tag LIMIT 3")]
    given = dict(zip(tags, ("00012345", "1E5", "0012-03"), strict=True))
    for tag, serial in given.items():
        execute("UPDATE asset SET serial = {}, firmware = {} WHERE tag = {}", serial, "2.10", tag)
    return given


def _excel_csv(answer) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")  # BOM: French Excel keeps the accents
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def _paris(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(PARIS).replace(microsecond=0)


def test_every_kind_from_the_command_line_keeps_codes(fleet, run):
    url = fleet["url"]
    tag = _work(run, fleet)
    serials = _serials()
    for kind, names in (("assets", ASSET_COLUMNS), ("faults", FAULT_COLUMNS),
                        ("interventions", INTERVENTION_COLUMNS), ("plans", PLAN_COLUMNS)):
        done = _cli(url, "export", kind, "--format", "csv")
        assert done.returncode == 0, done.stderr
        rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8"))))
        assert tuple(rows[0]) == names
        expected = {"assets": count("asset"), "faults": count("fault"),
                    "interventions": count("intervention")}.get(kind)
        if expected is not None:
            assert len(rows) - 1 == expected
        else:
            assert len(rows) > 1 and rows[1][1].startswith("Plan numérique")
            assert {r[2] for r in rows[1:]} == {"draft"}
            assert "backlog" in {r[3] for r in rows[1:]}
        if kind == "assets":
            by_tag = {r[0]: dict(zip(names, r, strict=True)) for r in rows[1:]}
            assert {t: by_tag[t]["serial"] for t in serials} == serials  # as stored
            assert {r["status"] for r in by_tag.values()} <= {"in_service", "in_stock", "faulty",
                                                               "in_repair", "retired"}
            assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["purchase_date"])
                       for r in by_tag.values() if r["purchase_date"])
    faults_csv = list(csv.DictReader(io.StringIO(_cli(url, "export", "faults")
                                                 .stdout.decode())))
    ours = faults_csv[-1]
    assert ours["description"] == "'=1+1 écran noir"  # neutralised, accents intact
    assert (ours["symptom"], ours["status"], ours["teaching_blocked"], ours["anonymous"]) == (
        "other", "new", "no", "no")
    stored = query("SELECT created_at FROM fault ORDER BY id DESC LIMIT 1")[0]["created_at"]
    assert ours["reported_at"] == _paris(stored).isoformat()  # Paris, to the second
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", ours["reported_at"])
    work = _cli(url, "export", "interventions").stdout.decode()
    assert f"{tag}," in work and "12.50" in work and ",repair," in work

    book = _cli(url, "export", "assets", "--format", "xlsx")
    assert book.returncode == 0, book.stderr
    sheet = _sheet(book.stdout)
    assert sheet.max_row == count("asset") + 1
    assert tuple(c.value for c in sheet[1]) == ASSET_COLUMNS  # codes for scripts
    col = {name: i for i, name in enumerate(ASSET_COLUMNS)}
    body = list(sheet.iter_rows(min_row=2))
    priced = next(r for r in body if r[col["purchase_price_eur"]].value is not None)
    assert isinstance(priced[col["purchase_price_eur"]].value, int | float)  # a number
    assert priced[col["purchase_price_eur"]].number_format == EURO
    dated = next(r for r in body if r[col["purchase_date"]].value is not None)
    assert isinstance(dated[col["purchase_date"]].value, dt.datetime)  # a date cell
    assert dated[col["purchase_date"]].number_format == "DD/MM/YYYY"
    assert {r[col["status"]].value for r in body} <= {"in_service", "in_stock", "faulty",
                                                      "in_repair", "retired"}
    texts = {r[0].value: (r[col["serial"]].value, r[col["firmware"]].value) for r in body}
    assert {t: texts[t] for t in serials} == {t: (s, "2.10") for t, s in serials.items()}


def test_asset_export_from_the_list_keeps_its_filter_in_english(client, fleet, make, run,
                                                               tmp_path):
    school = fleet["school"]["code"]
    make.asset(site=school, category="PC-FIXE")  # the school's, not a board: not exported
    page = client.get(f"/assets?site={school}&category=TNI")
    assert f"/exports/assets?site={school}&amp;category=TNI&amp;format=xlsx" in page.text
    answer = client.get(f"/exports/assets?site={school}&category=TNI&format=csv")
    rows = _excel_csv(answer)
    assert rows[0][:5] == ["Tag", "Category", "Manufacturer", "Model", "Serial number"]
    assert columns.guess_mapping(rows[0]) == list(ASSET_COLUMNS)  # re-importable header
    expected = query("SELECT COUNT(*) AS n FROM asset JOIN site ON site.id = asset.site JOIN "
                     "category ON category.id = asset.category WHERE site.code = {} "
                     "AND category.code = 'TNI'", school)[0]["n"]
    assert len(rows) - 1 == expected == 5
    site, category = ASSET_COLUMNS.index("site"), ASSET_COLUMNS.index("category")
    assert {(r[site], r[category]) for r in rows[1:]} == {(school, "TNI")}
    price = ASSET_COLUMNS.index("purchase_price_eur")
    assert any("," in r[price] for r in rows[1:]) and not any("." in r[price] for r in rows[1:])
    assert {r[ASSET_COLUMNS.index("status")] for r in rows[1:]} <= EN_STATUSES
    bought = [r[ASSET_COLUMNS.index("purchase_date")] for r in rows[1:]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in bought if d)  # as the pages show

    xlsx = client.get(f"/exports/assets?site={school}&category=TNI&format=xlsx")
    sheet = _sheet(xlsx.content)
    assert sheet.max_row == expected + 1 and sheet.title == "Assets"
    assert [c.value for c in sheet[1]] == rows[0]
    assert {c.value for c in sheet["I"][1:]} <= EN_STATUSES
    for name, content in (("en.csv", answer.content), ("en.xlsx", xlsx.content)):
        (tmp_path / name).write_bytes(content)
        report = run(run_import(tmp_path / name, columns.guess_mapping(rows[0]),
                                Importer(actor="test", scope=Scope()), commit=False))
        assert dict(report.counts) == {"unchanged": expected}, list(report.errors())[:5]


def test_page_exports_speak_french(client, fleet, run, tmp_path):
    client.headers["accept-language"] = "fr"
    tag = _work(run, fleet)
    serials = _serials()
    col = {name: i for i, name in enumerate(ASSET_COLUMNS)}

    rows = _excel_csv(client.get("/exports/assets?format=csv"))
    assert rows[0][:5] == ["Étiquette", "Catégorie", "Fabricant", "Modèle", "Numéro de série"]
    assert len(rows) - 1 == count("asset")
    body = {r[0]: r for r in rows[1:]}
    assert {r[col["status"]] for r in body.values()} <= FR_STATUSES
    assert "En service" in {r[col["status"]] for r in body.values()}
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", r[col["purchase_date"]])
               for r in body.values() if r[col["purchase_date"]])
    assert all(re.fullmatch(r"\d+,\d\d", r[col["purchase_price_eur"]])
               for r in body.values() if r[col["purchase_price_eur"]])
    # French Excel would read 00012345 as 12345 and 1E5 as 100000: written as ="…" (text).
    assert {t: body[t][col["serial"]] for t in serials} == {
        t: f'="{s}"' for t, s in serials.items()}
    assert body[next(iter(serials))][col["firmware"]] == '="2.10"'

    xlsx = _sheet(client.get("/exports/assets?format=xlsx").content)
    assert xlsx.title == "Équipements" and [c.value for c in xlsx[1]] == rows[0]
    cells = {r[0].value: r for r in xlsx.iter_rows(min_row=2)}
    assert {t: cells[t][col["serial"]].value for t in serials} == serials
    assert all(cells[t][col["serial"]].data_type == "s" for t in serials)
    dated = [r[col["purchase_date"]] for r in cells.values() if r[col["purchase_date"]].value]
    assert dated and all(isinstance(c.value, dt.datetime) for c in dated)
    assert {c.number_format for c in dated} == {"DD/MM/YYYY"}
    priced = [r[col["purchase_price_eur"]] for r in cells.values()
              if r[col["purchase_price_eur"]].value is not None]
    assert priced and all(isinstance(c.value, int | float) and c.number_format == EURO
                          for c in priced)
    assert {r[col["status"]].value for r in cells.values()} <= FR_STATUSES

    stored = query("SELECT created_at FROM fault ORDER BY id DESC LIMIT 1")[0]["created_at"]
    fault_rows = _excel_csv(client.get("/exports/faults?format=csv"))
    assert fault_rows[0][:3] == ["N° de panne", "Signalée le", "Site"]
    ours = dict(zip(FAULT_COLUMNS, fault_rows[-1], strict=True))
    assert ours["reported_at"] == _paris(stored).strftime("%d/%m/%Y %H:%M")
    assert (ours["symptom"], ours["status"], ours["teaching_blocked"], ours["anonymous"]) == (
        "Autre chose", "Nouvelle", "Non", "Non")
    assert ours["description"] == "'=1+1 écran noir"  # CSV: neutralised
    fault_sheet = _sheet(client.get("/exports/faults?format=xlsx").content)
    assert fault_sheet.title == "Pannes"
    last = list(fault_sheet.iter_rows(min_row=fault_sheet.max_row))[0]
    reported = last[FAULT_COLUMNS.index("reported_at")]
    assert reported.value == _paris(stored).replace(tzinfo=None)  # a date-time cell, Paris
    assert reported.number_format == "DD/MM/YYYY HH:MM"
    description = last[FAULT_COLUMNS.index("description")]
    # XLSX: a text cell, which cannot run, and no apostrophe added.
    assert description.value == "=1+1 écran noir" and description.data_type == "s"
    assert last[FAULT_COLUMNS.index("symptom")].value == "Autre chose"

    work = _excel_csv(client.get("/exports/interventions?format=csv"))
    assert work[0][:2] == ["Réalisée le", "Étiquette"]
    mine = dict(zip(INTERVENTION_COLUMNS, work[-1], strict=True))
    assert (mine["tag"], mine["kind"], mine["cost_eur"], mine["minutes_spent"]) == (
        tag, "Réparation", "12,50", "45")
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", mine["done_on"])
    work_sheet = _sheet(client.get("/exports/interventions?format=xlsx").content)
    last = [c.value for c in list(work_sheet.iter_rows(min_row=work_sheet.max_row))[0]]
    assert isinstance(last[0], dt.datetime) and last[INTERVENTION_COLUMNS.index("cost_eur")] == 12.5

    plans = _excel_csv(client.get("/exports/plans?format=csv"))
    assert plans[0][:4] == ["N° de plan", "Plan", "Statut", "Année"]
    assert {r[2] for r in plans[1:]} == {"Brouillon"}
    assert "Reste à financer" in {r[3] for r in plans[1:]}
    plan_sheet = _sheet(client.get("/exports/plans?format=xlsx").content)
    years = {r[3] for r in plan_sheet.iter_rows(min_row=2, values_only=True)}
    assert "Reste à financer" in years and any(isinstance(y, int) for y in years)

    # The French page export re-imports as it is: every row unchanged.
    for name, content in (("pages.csv", client.get("/exports/assets?format=csv").content),
                          ("pages.xlsx", client.get("/exports/assets?format=xlsx").content)):
        path = tmp_path / name
        path.write_bytes(content)
        mapping = columns.guess_mapping(rows[0])
        report = run(run_import(path, mapping, Importer(actor="test", scope=Scope()),
                                commit=False))
        assert report.ok, (name, list(report.errors())[:5])
        assert dict(report.counts) == {"unchanged": count("asset")}, name


def test_director_exports_only_their_sites_and_no_plans(client, fleet, make, run):
    school = fleet["school"]["code"]
    _work(run, fleet)
    execute("UPDATE fault SET site = (SELECT id FROM site WHERE code = {}) WHERE id = "
            "(SELECT MIN(id) FROM fault)", fleet["town_hall"]["code"])
    make.fault(make.asset(site=fleet["town_hall"]))  # the town hall's own
    run(faults.report({"asset": query("SELECT tag FROM asset JOIN site ON site.id = asset.site "
                                      "WHERE site.code = {} ORDER BY tag DESC LIMIT 1", school
                                      )[0]["tag"], "symptom": "other",
                       "description": "Ne démarre plus"},
                      fleet["director"]["email"], EVERYTHING))
    director = client
    make.sign_in(director, fleet["director"])
    rows = _excel_csv(director.get("/exports/faults?format=csv"))
    sites = {r[FAULT_COLUMNS.index("site")] for r in rows[1:]}
    assert sites == {school} and len(rows) - 1 == 1
    assert director.get("/exports/plans?format=csv").status_code == 403
    make.sign_in(client, "viewer")
    assert client.get("/exports/plans?format=xlsx").status_code == 200
    make.sign_in(director, fleet["director"])
    assert director.get("/exports/nothing").status_code == 404


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_french_spreadsheet_opens_the_csv_as_expected(tmp_path):
    """LibreOffice Calc in French opens our CSV for French Excel: dates are dates, amounts
    numbers, serials and firmware keep their text, a formula stays text."""
    i18n.set_language("fr")
    out = io.BytesIO()
    writer = TableWriter("excel-csv", ASSETS, out)
    writer.append(["BRN-000001", "TNI", "Acme", "X1", "00012345", "ECOLE-1", "", "Classe 1",
                   "in_service", dt.date(2024, 3, 31), 123450, None, 2030, None, "", "0042", "",
                   "", "", "", "2.10", "=1+1"])
    writer.finish()
    (tmp_path / "export.csv").write_bytes(out.getvalue())
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--infilter=CSV:59,34,76,1,,1036", "--convert-to", "xlsx", "--outdir", str(tmp_path),
         str(tmp_path / "export.csv")], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(tmp_path / "export.xlsx", data_only=True).active
    row = dict(zip(ASSET_COLUMNS, [c.value for c in sheet[2]], strict=True))
    assert row["purchase_date"] == dt.datetime(2024, 3, 31)
    assert row["purchase_price_eur"] == 1234.5
    assert (row["serial"], row["order_ref"], row["firmware"]) == ("00012345", "0042", "2.10")
    assert (row["status"], row["notes"]) == ("En service", "'=1+1")


def test_the_csv_download_is_streamed_in_pieces_that_make_the_whole_file(client, fleet, run):
    """A million assets are ~220 MB of CSV: the page's download goes out as the rows are
    read (no length announced, several pieces), and the pieces are the very file write()
    makes."""
    from inventory.exporting import kinds

    answer = client.get("/exports/assets?format=csv")
    assert answer.status_code == 200 and "content-length" not in answer.headers
    assert answer.headers["content-disposition"].startswith('attachment; filename="assets-')

    async def pieces() -> list[bytes]:
        return [piece async for piece in kinds.csv_chunks(
            kinds.KINDS["assets"], "excel-csv", EVERYTHING, localised=True, chunk_bytes=300)]

    whole = io.BytesIO()
    run(kinds.write(kinds.KINDS["assets"], "excel-csv", whole, EVERYTHING, localised=True))
    parts = run(pieces())
    assert len(parts) > 2 and all(parts)
    assert b"".join(parts) == whole.getvalue() == answer.content
    assert whole.getvalue().startswith("\ufeff".encode())  # the BOM once, at the start
