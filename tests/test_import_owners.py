"""Importing the owning organisation, the contract and the order of each device, from a
workbook written by LibreOffice, through the page, on SQLite and PostgreSQL: names as the
importer may see them, the contract's warranty terms applied as the API applies them, a bad
value said on its row and column, and nothing written from a file with a bad row."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from inventory.imports import columns, reading
from tests import realfiles
from tests.helpers import count, query

SIREN_VILLE = "217500016"
HEADER = ["Numéro de série", "Type", "Lieu", "Date d'achat", "Collectivité", "Marché",
          "Bon de commande"]


def _fods(rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return ('<table:table-cell office:value-type="string"><text:p>'
                f"{escape(text)}</text:p></table:table-cell>")

    body = "".join("<table:table-row>" + "".join(cell(c) for c in row) + "</table:table-row>"
                   for row in rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2" '
        'office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
        '<office:body><office:spreadsheet><table:table table:name="Tablettes">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document>")


def _workbook(folder: Path, name: str, rows: list[list[str]],
              header: list[str] = HEADER) -> Path:
    """The rows as LibreOffice writes them into an .xlsx."""
    if realfiles.SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    source = folder / f"{name}.fods"
    source.write_text(_fods([header, *rows]), encoding="utf-8")
    result = subprocess.run(
        [realfiles.SOFFICE, f"-env:UserInstallation=file://{folder / 'lo-profile'}",
         "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
         str(folder), str(source)], capture_output=True, text=True, timeout=180)
    target = folder / f"{name}.xlsx"
    assert target.is_file(), result.stdout + result.stderr
    return target


def _upload(client, path: Path) -> str:
    sent = client.post("/imports", files={"file": (path.name, path.read_bytes(),
                                                   "application/octet-stream")},
                       follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return sent.headers["location"]


def _form(mapping: list[str], **extra: str) -> dict[str, str]:
    return {**{f"col_{i}": field for i, field in enumerate(mapping)}, **extra}


@pytest.fixture
def groupement(make):
    """The city (prefix VIL) and the agglomeration, a school of each, the city's
    tablets contract (36 months' warranty) and its order, a contract of the agglomeration's
    alone."""
    ville = make.organisation(code="VILLE", name="Ville de Vallombreuse", siren=SIREN_VILLE,
                              kind="commune", tag_prefix="VIL")
    agglo = make.organisation(code="AGGLO", name="Agglomération du Val")
    school_v = make.site(owner=ville, code="EE-FERRY")
    school_a = make.site(owner=agglo, code="EE-CAMUS")
    make.category(code="TAB", name="Tablette")
    contract = make.contract(owner=ville, reference="GC-2026-TAB", warranty_months=36)
    order = make.purchase(contract, reference="BC-2026-001")
    other = make.contract(owner=agglo, reference="MARCHE-AGGLO")
    make.purchase(other, reference="BC-AGGLO-9")
    make.purchase(make.contract(owner=ville, reference="MAINT-2026"), reference="BC-MAINT-1")
    return {"ville": ville, "agglo": agglo, "school_v": school_v, "school_a": school_a,
            "contract": contract, "order": order, "other": other}


def test_headers_name_the_organisation_contract_and_order():
    assert columns.guess_mapping(HEADER)[4:] == ["organisation", "contract", "purchase"]
    assert columns.guess_mapping(["Propriétaire", "Contrat", "N° de commande"]) == [
        "organisation", "contract", "purchase"]
    assert columns.guess_mapping(["Owner", "Contract", "Purchase order"]) == [
        "organisation", "contract", "purchase"]


def test_owner_contract_and_order_from_a_libreoffice_workbook(empty_client, groupement,
                                                              tmp_path):
    client = empty_client
    rows = [
        # By its name, the contract and its order: the order's contract's warranty terms.
        ["TAB-001", "Tablette", "EE-FERRY", "15/03/2026", "Ville de Vallombreuse",
         "GC-2026-TAB", "BC-2026-001"],
        # By SIREN, the order alone: its contract follows. Lent to the agglomeration's
        # school, the city's device keeps the city's prefix.
        ["TAB-002", "Tablette", "EE-CAMUS", "15/03/2026", "217 500 016", "", "BC-2026-001"],
        # No organisation: the site's.
        ["TAB-003", "Tablette", "EE-CAMUS", "", "", "", ""],
    ]
    path = _workbook(tmp_path, "tablettes", rows)
    info = reading.inspect(path)
    mapping = columns.guess_mapping(info.header)
    url = _upload(client, path)
    checked = client.post(url, data=_form(mapping, action="check"))
    assert checked.status_code == 200, re.findall(r"<td>([^<]*)</td>", checked.text)[:20]
    assert count("asset") == 0
    done = client.post(url, data=_form(mapping, action="import"), follow_redirects=False)
    assert done.status_code == 303, done.text
    found = {r["serial"]: r for r in query(
        "SELECT asset.tag, asset.serial, asset.contract, asset.purchase, asset.warranty_end, "
        "organisation.code AS owner FROM asset JOIN organisation "
        "ON organisation.id = asset.owner ORDER BY asset.serial")}
    g = groupement
    first, second, third = found["TAB-001"], found["TAB-002"], found["TAB-003"]
    assert (first["owner"], first["contract"], first["purchase"]) == (
        "VILLE", g["contract"]["id"], g["order"]["id"])
    assert str(first["warranty_end"])[:10] == "2029-03-15"  # 36 months from the purchase
    assert (second["owner"], second["contract"], second["purchase"]) == (
        "VILLE", g["contract"]["id"], g["order"]["id"])
    assert str(second["warranty_end"])[:10] == "2029-03-15"
    assert first["tag"].startswith("VIL-") and second["tag"].startswith("VIL-")
    assert third["owner"] == "AGGLO" and third["contract"] is None
    assert not third["tag"].startswith("VIL-")
    # Re-imported with another organisation: a transfer, recorded as one.
    again = _workbook(tmp_path, "rendues", [[third["tag"], "VILLE"]],
                      header=["N° d'inventaire", "Collectivité"])
    url = _upload(client, again)
    mapping = columns.guess_mapping(reading.inspect(again).header)
    done = client.post(url, data=_form(mapping, action="import"), follow_redirects=False)
    assert done.status_code == 303, done.text
    assert query("SELECT organisation.code FROM asset JOIN organisation ON organisation.id = "
                 "asset.owner WHERE serial = 'TAB-003'")[0]["code"] == "VILLE"
    assert count("audit_record", "entity = 'asset' AND action = 'transfer' AND entity_key = {}",
                 third["tag"]) == 1


def test_bad_owner_or_order_is_said_on_its_row_and_nothing_is_written(
        empty_client, groupement, make, tmp_path):
    client = empty_client
    # An administrator of the city alone: the agglomeration and its contract are not theirs.
    make.sign_in(client, make.account("administrator", member_of=["VILLE"]))
    rows = [
        ["TAB-101", "Tablette", "EE-FERRY", "15/03/2026", "VILLE", "GC-2026-TAB", ""],
        ["TAB-102", "Tablette", "EE-FERRY", "15/03/2026", "AGGLO", "", ""],
        # An order of another contract than the one named.
        ["TAB-103", "Tablette", "EE-FERRY", "15/03/2026", "VILLE", "GC-2026-TAB",
         "BC-MAINT-1"],
        # References the importer has no contract or order for (one the agglomeration's,
        # one never registered): kept as the free-text order reference, and said.
        ["TAB-104", "Tablette", "EE-FERRY", "15/03/2026", "VILLE", "MARCHE-AGGLO", ""],
        ["TAB-105", "Tablette", "EE-FERRY", "15/03/2026", "VILLE", "", "BC-404"],
    ]
    path = _workbook(tmp_path, "erreurs", rows)
    mapping = columns.guess_mapping(reading.inspect(path).header)
    url = _upload(client, path)
    refused = client.post(url, data=_form(mapping, action="import"))
    assert refused.status_code == 400
    text = refused.text.replace("&#34;", '"').replace("&#39;", "'")
    assert "Collectivité : “AGGLO”: Unknown organisation: give the code, SIREN number or " \
           "name of one of your organisations." in text
    assert "Bon de commande : “BC-MAINT-1”: This order belongs to another contract." in text
    assert "“MARCHE-AGGLO”: no contract or order of yours has this reference; kept as the " \
           "order or contract reference." in text
    assert "“BC-404”: no contract or order of yours has this reference" in text
    assert count("asset") == 0  # the good rows wait for the others
    # In French, the same.
    client.headers["accept-language"] = "fr"
    french = client.post(url, data=_form(mapping, action="check")).text
    assert "Organisation inconnue" in french, re.findall(r"<td>([^<]*)</td>", french)[:30]
    assert "Cette commande appartient à un autre contrat." in french
    assert count("asset") == 0
    # Without the bad rows, the unknown references land in the order reference.
    fixed = _workbook(tmp_path, "corrige", [rows[0], rows[3], rows[4]])
    url = _upload(client, fixed)
    done = client.post(url, data=_form(mapping, action="import"), follow_redirects=False)
    assert done.status_code == 303, done.text
    kept = {r["serial"]: r for r in query("SELECT serial, order_ref, contract, purchase "
                                          "FROM asset")}
    assert (kept["TAB-104"]["order_ref"], kept["TAB-104"]["contract"]) == ("MARCHE-AGGLO", None)
    assert (kept["TAB-105"]["order_ref"], kept["TAB-105"]["purchase"]) == ("BC-404", None)
    assert kept["TAB-101"]["contract"] == groupement["contract"]["id"]
