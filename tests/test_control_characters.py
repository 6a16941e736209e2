"""Control characters: removed on the way in (forms, anonymous report, API, import), and
never a failed export for text already stored (old data). On both engines."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.exporting.columns import ASSET_COLUMNS, FAULT_COLUMNS, INTERVENTION_COLUMNS, printable
from inventory.faults import service as faults
from inventory.imports import columns
from inventory.imports.service import Importer, run_import
from inventory.interventions import service as interventions
from tests.helpers import edit_form, execute, query

INVENTORY = str(Path(sys.executable).parent / "inventory")
# What a visitor can type or paste: a vertical tab (Word's manual line break), a bell, an
# escape sequence, a backspace, DEL, a NUL, and Windows line ends.
TYPED = "Écran\x0bnoir\x07 depuis\x1b[0m lundi\x08\x7f\x00\r\nsalle 12"
CLEAN = "Écran\nnoir depuis[0m lundi\nsalle 12"
# Old data, stored before text was cleaned (PostgreSQL refuses NUL in text, so none here).
STORED = "Écran\x0bnoir\x07 depuis\x1b[0m lundi\x08\x7f\nsalle 12"


@pytest.fixture
def client(empty_client):
    """An administrator's client on the test's own database."""
    return empty_client


@pytest.fixture
def device(make) -> dict:
    """A school's device in service, of a model, among others of its school."""
    school = make.site()
    make.asset(site=school)
    asset = make.asset(site=school, model=make.model())
    make.asset(site=school, status="retired")
    return asset


def _fault_exports_read_back(client) -> tuple[list[list[str]], list]:
    """Both page exports of the faults answer; the CSV rows and the XLSX's last row."""
    answer = client.get("/exports/faults?format=csv")
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    book = client.get("/exports/faults?format=xlsx")
    assert book.status_code == 200, book.text
    sheet = load_workbook(io.BytesIO(book.content)).active
    return rows, [c.value for c in list(sheet.iter_rows(min_row=sheet.max_row))[0]]


def test_stored_control_characters_never_break_an_export(client, empty_url, device, make, run):
    tag = device["tag"]
    director = make.account("director", sites=[device["site_code"]])
    technician = make.account("technician")
    fault = run(faults.report({"asset": tag, "symptom": "other", "description": "Écran noir"},
                              director["email"], EVERYTHING))
    run(interventions.log(tag, {"kind": "repair", "notes": "Câble changé"},
                          technician["email"], EVERYTHING))
    execute("UPDATE fault SET description = {} WHERE id = {}", STORED, fault["id"])
    execute("UPDATE asset SET notes = {}, holder = {} WHERE tag = {}", STORED, "M.\x0bDupont",
            tag)
    execute("UPDATE intervention SET notes = {}, parts = {}", STORED, "Câble\x1f HDMI")
    execute("UPDATE equipment_model SET name = {} WHERE id = (SELECT model FROM asset WHERE "
            "tag = {})", "Modèle\x0c 2000", tag)
    shown = printable(STORED)
    assert "\x0b" not in shown and "\x1b" not in shown and shown.startswith("Écrannoir")

    rows, last = _fault_exports_read_back(client)
    description = FAULT_COLUMNS.index("description")
    assert rows[-1][description] == shown
    assert last[description] == shown

    assets_book = client.get("/exports/assets?format=xlsx")
    assert assets_book.status_code == 200
    sheet = load_workbook(io.BytesIO(assets_book.content)).active
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == tag)
    by_name = dict(zip(ASSET_COLUMNS, row, strict=True))
    assert (by_name["notes"], by_name["holder"], by_name["model"]) == (
        shown, "M.Dupont", "Modèle 2000")
    assert client.get("/exports/assets?format=csv").status_code == 200
    work = client.get("/exports/interventions?format=xlsx")
    assert work.status_code == 200
    sheet = load_workbook(io.BytesIO(work.content)).active
    last_work = [c.value for c in list(sheet.iter_rows(min_row=sheet.max_row))[0]]
    assert last_work[INTERVENTION_COLUMNS.index("parts")] == "Câble HDMI"
    assert client.get("/exports/interventions?format=csv").status_code == 200

    env = {**os.environ, "INVENTORY_DATABASE_URL": empty_url}
    exported = {}
    for fmt in ("xlsx", "csv"):
        done = subprocess.run([INVENTORY, "export", "faults", "--format", fmt], env=env,
                              capture_output=True, timeout=180)
        assert done.returncode == 0, done.stderr
        exported[fmt] = done.stdout
    cli_sheet = load_workbook(io.BytesIO(exported["xlsx"])).active
    assert list(cli_sheet.iter_rows(min_row=cli_sheet.max_row, values_only=True))[0][
        description] == shown
    # The CSV for scripts carries the text as stored.
    ours = next(r for r in csv.reader(io.StringIO(exported["csv"].decode()))
                if r[0] == str(fault["id"]))
    assert ours[description] == STORED


def test_an_anonymous_report_with_control_characters_exports(client, device, make, run):
    from inventory.accounts import service as accounts

    run(accounts.set_setting(accounts.ANONYMOUS_REPORTS, "1"))  # visitors may report
    tag = device["tag"]
    visitor = client
    make.sign_out(visitor)
    sent = visitor.post(f"/r/{tag}", data={"symptom": "other", "description": TYPED,
                                           "name": "Parent\x1b d'élève\x00"},
                        follow_redirects=False)
    assert sent.status_code == 303, sent.text
    stored = query("SELECT description, reporter_contact FROM fault ORDER BY id DESC "
                   "LIMIT 1")[0]
    assert stored == {"description": CLEAN, "reporter_contact": "Parent d'élève"}

    make.sign_in(client, "administrator")
    rows, last = _fault_exports_read_back(client)
    description = FAULT_COLUMNS.index("description")
    assert rows[-1][description] == CLEAN and last[description] == CLEAN
    assert last[FAULT_COLUMNS.index("anonymous")] == "Yes"


def test_forms_api_notes_and_imports_are_cleaned_on_the_way_in(client, make, run, tmp_path):
    school, technician = make.site(), make.account("technician")
    make.category(code="TABLETTE"), make.category(code="TNI")
    created = client.post("/api/v1/assets", json={
        "site": school["code"], "category": "TABLETTE", "serial": "API\x0b7",
        "hostname": "tab\t01\x07", "notes": "ligne 1\r\nligne 2\x07\tsuite"})
    assert created.status_code == 201, created.text
    tag = created.json()["tag"]
    stored = query("SELECT serial, hostname, notes FROM asset WHERE tag = {}", tag)[0]
    assert stored == {"serial": "API 7", "hostname": "tab 01", "notes": "ligne 1\nligne 2\tsuite"}

    edited = client.post(f"/a/{tag}/edit", data=edit_form(client, tag, notes="a\x00b\r\nc",
                                                          holder="Mme\x1b Martin"))
    assert edited.status_code in (200, 303), edited.text
    assert query("SELECT notes, holder FROM asset WHERE tag = {}", tag)[0] == {
        "notes": "ab\nc", "holder": "Mme Martin"}

    fault = run(faults.report({"asset": tag, "symptom": "other", "description": "x"},
                              technician["email"], EVERYTHING))
    refused = client.post(f"/faults/{fault['id']}/reject", data={"note": "\x07\x00 \x0b"})
    assert refused.status_code == 400  # only control characters: no note
    rejected = client.post(f"/faults/{fault['id']}/reject",
                           data={"note": "Doublon\x07 de la 12\r\nvoir"},
                           follow_redirects=False)
    assert rejected.status_code == 303
    assert query("SELECT note FROM fault_event WHERE fault = {} AND to_status = 'rejected'",
                 fault["id"])[0]["note"] == "Doublon de la 12\nvoir"

    path = tmp_path / "import.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["category", "site", "serial", "holder", "notes"],
                                 ["TNI", school["code"], "IMP\x079", "M.\x0bDurand", "x\x1by\r\nz"]])
    report = run(run_import(path, columns.guess_mapping(["category", "site", "serial", "holder",
                                                         "notes"]),
                            Importer(actor="test", scope=Scope()), commit=True))
    assert report.ok and report.committed, list(report.errors())
    assert query("SELECT serial, holder, notes FROM asset WHERE serial LIKE {}", "IMP%") == [
        {"serial": "IMP9", "holder": "M. Durand", "notes": "xy\nz"}]


def test_a_scanned_tag_with_control_characters(client, make):
    """A scanner (or a person) may send a NUL or a vertical tab with a tag; PostgreSQL refuses
    NUL in text, so the tag is cleaned before anything is looked up or stored."""
    school = make.site(kind="maternelle")
    room = make.room(school)
    asset = make.asset(room=room)
    make.asset(site=school)  # with no room
    tech = client
    make.sign_in(tech, "technician")
    url = tech.post(f"/sites/{school['code']}/inventory",
                    follow_redirects=False).headers["location"]
    assert query("SELECT room FROM asset WHERE tag = {}", asset["tag"]) == [{"room": room["id"]}]
    for typed in (f"{asset['tag'].lower()}\x00", "XYZ\x0b\x071"):
        scanned = tech.post(f"{url}/check", data={"tag": typed, "room": str(asset["room"])},
                            follow_redirects=False)
        assert scanned.status_code == 303, scanned.text
    campaign = int(url.rsplit("/", 1)[1])
    assert {r["tag"] for r in query("SELECT tag FROM campaign_check WHERE campaign = {}",
                                    campaign)} == {asset["tag"], "XYZ 1"}


def test_searches_with_control_characters_answer(client, device):
    """A NUL in a search or a filter (PostgreSQL refuses it in text) is dropped, not a 500:
    the list, the API, the scan box and the export read the same filter."""
    tag, site = device["tag"], device["site_code"]
    for url in (f"/assets?q={tag}%00", f"/assets?q=a%00b&site={site[:3]}%00{site[3:]}",
                f"/api/v1/assets?q={tag}%00", "/api/v1/assets?site=%00",
                "/exports/assets?q=%00&format=csv", "/scan?tag=%00%0b"):
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
    found = client.get(f"/api/v1/assets?q={tag}%00").json()
    assert [a["tag"] for a in found["items"]] == [tag]
