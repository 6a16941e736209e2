"""Importing the files communes really have (tests/realfiles.py), through the page and the
command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inventory.imports import columns, reading
from tests import realfiles
from tests.helpers import count, edit_form, query

INVENTORY = str(Path(sys.executable).parent / "inventory")
ROOT = Path(__file__).resolve().parent.parent


def _env(url, language="en"):
    # PYTHONPATH: the command runs this checkout's code, whatever the virtualenv points at.
    return {**os.environ, "INVENTORY_DATABASE_URL": url, "INVENTORY_LANGUAGE": language,
            "PYTHONPATH": str(ROOT)}


def _cli(url, *args, language="en"):
    env = _env(url, language)
    return subprocess.run([INVENTORY, *args], env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="session")
def workbook(tmp_path_factory) -> Path:
    """The LibreOffice workbook, converted once per session."""
    if realfiles.SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: the workbook it writes cannot be "
                    "built (CI installs libreoffice-calc)")
    return realfiles.libreoffice_workbook(tmp_path_factory.mktemp("lo"))


def _device(serial):
    return query(
        "SELECT asset.*, room.name AS room_name, site.code AS site_code, "
        "category.name AS category_name, equipment_model.manufacturer, "
        "equipment_model.name AS model_name FROM asset JOIN site ON site.id = asset.site "
        "JOIN category ON category.id = asset.category "
        "LEFT JOIN room ON room.id = asset.room "
        "LEFT JOIN equipment_model ON equipment_model.id = asset.model "
        "WHERE asset.serial = {}", serial)[0]


def _day(value):
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _upload(client, path: Path, name: str | None = None) -> str:
    sent = client.post("/imports", files={"file": (name or path.name, path.read_bytes(),
                                                   "application/octet-stream")},
                       follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return sent.headers["location"]


def _form(mapping, **extra):
    return {**{f"col_{i}": field for i, field in enumerate(mapping)}, **extra}


def _values_form(client, url, mapping, **extra) -> dict[str, str]:
    """Through the values screen as a person would: open it, keep what it pre-selects (a
    close match, or "create" for what is new), carry its hidden fields."""
    from html.parser import HTMLParser

    page = client.post(url, data=_form(mapping, action="values", **extra))
    assert page.status_code == 200, page.text

    class Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.fields, self.select = {}, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("type") == "hidden" and a.get("name"):
                self.fields[a["name"]] = a.get("value", "")
            elif tag == "select":
                self.select = a.get("name")
            elif tag == "option" and self.select and "selected" in a:
                self.fields[self.select] = a.get("value", "")

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None

    form = Form()
    form.feed(page.text.split('id="values-form"', 1)[1].split("</form>", 1)[0])
    form.fields.pop("_csrf_token", None)
    return form.fields


def test_libreoffice_workbook_through_the_page(empty_client, run, workbook):
    run(realfiles.create_schools())
    url = _upload(empty_client, workbook)
    page = empty_client.get(url)
    assert page.status_code == 200, page.text
    # Two title rows and a blank row above the header: the header is row 4.
    assert "found on row 4" in page.text and 'name="header_row"' in page.text
    assert "Inventaire du matériel informatique" in page.text
    # Prices before and with tax: the price with tax is chosen, and the page says so.
    assert 'id="price-note"' in page.text and "the price with tax" in page.text
    info = reading.inspect(workbook)
    mapping = columns.guess_mapping(info.header, info.formats)
    assert mapping[info.header.index("Prix TTC")] == "purchase_price_eur"
    assert mapping[info.header.index("Prix HT")] == ""
    assert mapping[info.header.index("Garantie")] == "warranty_years"  # shown as "3 ans"
    assert mapping[info.header.index("Marque / Modèle")] == "manufacturer_model"
    # New categories (the installation has none): created, as the values screen proposes.
    chosen = _values_form(empty_client, url, mapping, date_order="dmy")
    assert any(v == "+create" for k, v in chosen.items() if k.startswith("choice-category"))
    checked = empty_client.post(url, data={**chosen, "action": "check"})
    assert checked.status_code == 200, re.findall(r"<td>([^<]*)</td>", checked.text)[:12]
    assert checked.text.count('<span class="pill ok">create</span>') == 48 + 1
    # The totals row is skipped and said so; formula amounts are rounded and said so.
    assert re.search(r"Row 54: a totals row \(“TOTAL”\)", checked.text)
    assert "498.996 rounded to 499,00 €" in checked.text
    assert count("asset") == 0
    done = empty_client.post(url, data={**chosen, "action": "import"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert count("asset") == 48
    projector = _device("LO-01-1")
    assert (projector["site_code"], projector["room_name"], projector["category_name"]) == (
        "MAT-PREVERT", "Classe 1", "Vidéoprojecteur")
    assert (projector["manufacturer"], projector["model_name"]) == ("Epson", "EB-W51")
    assert projector["purchase_price_cents"] == 49900  # 415,83 HT × 1,2 = 498,996 TTC
    assert _day(projector["purchase_date"]) == dt.date(2021, 9, 1)
    assert _day(projector["warranty_end"]) == dt.date(2024, 9, 1)  # 3 years, not 3 months
    assert _device("LO-12-2")["purchase_price_cents"] == 82800
    assert _day(_device("LO-12-2")["warranty_end"]) == dt.date(2027, 9, 12)  # 5 years
    assert _device("LO-03-4")["status"] == "faulty"  # "HS"
    assert _device("LO-03-3")["status"] == "in_stock"  # "Neuf"
    assert count("asset", "notes = {}", "Prêté à la classe de CM2") > 0


def test_libreoffice_workbook_by_the_command_line(empty_url, run, workbook):
    run(realfiles.create_schools())
    dry = _cli(empty_url, "import", str(workbook), "--dry-run", "--create-categories")
    assert dry.returncode == 0, dry.stderr
    assert "Column names read from row 4." in dry.stdout
    assert "Row 54 skipped: a totals row (“TOTAL”)" in dry.stdout
    assert re.search(r"Row 5, column “Prix TTC”: 498.996 rounded to 499,00 €", dry.stdout)
    assert "48 to create" in dry.stdout and count("asset") == 0
    # Choosing the header row: row 5 holds a device, not names, so its columns are its values.
    other = _cli(empty_url, "import", str(workbook), "--dry-run", "--header-row", "3")
    assert other.returncode == 1 and "Row 3 is not a header" in other.stderr
    done = _cli(empty_url, "import", str(workbook), "--create-categories")
    assert done.returncode == 0, done.stderr
    assert count("asset") == 48
    assert _device("LO-07-1")["purchase_price_cents"] == 49900


def test_header_row_can_be_chosen_on_the_page(empty_client, run, workbook):
    url = _upload(empty_client, workbook)
    chosen = empty_client.get(url, params={"header_row": "5"})
    assert chosen.status_code == 200
    assert "read from row 5, as you chose" in chosen.text
    assert "<label for=\"f-col_2\">École maternelle Jacques Prévert</label>" in chosen.text
    assert 'name="header_row" value="5"' in chosen.text  # carried by the mapping form
    wrong = empty_client.get(url, params={"header_row": "3"})  # a blank row
    assert wrong.status_code == 400 and "Row 3 is not a header" in wrong.text
    assert "found on row 4" in wrong.text


def test_glpi_export(empty_url, run, tmp_path):
    run(realfiles.create_schools())
    path = realfiles.glpi_export(tmp_path)
    info = reading.inspect(path)
    mapping = columns.guess_mapping(info.header)
    assert mapping[8:13] == ["purchase_date", "purchase_price_eur", "supplier", "order_ref",
                             "warranty_months"]
    result = _cli(empty_url, "import", str(path), "--create-categories")
    assert result.returncode == 0, result.stderr
    assert "5 to create" in result.stdout
    first = _device("GLPI-0001")
    assert (first["site_code"], first["room_name"], first["status"]) == (
        "ELE-FERRY", "Salle info", "in_service")
    assert first["purchase_price_cents"] == 71250 and first["supplier"] == "Fournisseur public"
    assert _day(first["warranty_end"]) == dt.date(2025, 9, 1)  # "3 ans"
    assert first["order_ref"] == "BC-2022-014" and first["hostname"] == "PC-FERRY-01"
    assert [_device(f"GLPI-000{n}")["status"] for n in range(2, 6)] == [
        "in_stock", "in_repair", "retired", "retired"]
    assert _device("GLPI-0003")["room_name"] == "Bureau direction"


def test_snipe_it_export_needs_month_first_dates(empty_client, run, tmp_path):
    run(realfiles.create_schools())
    path = realfiles.snipe_it_export(tmp_path)
    url = _upload(empty_client, path)
    info = reading.inspect(path)
    mapping = columns.guess_mapping(info.header)
    assert dict(zip(info.header, mapping, strict=True)) | {} == {
        "Asset Tag": "tag", "Asset Name": "hostname", "Serial": "serial", "Model": "model",
        "Model No.": "", "Category": "category", "Manufacturer": "manufacturer",
        "Location": "site", "Purchased": "purchase_date", "Cost": "purchase_price_eur",
        "EOL": "end_of_life_year", "Order Number": "order_ref", "Supplier": "supplier",
        "Status": "status", "Warranty": "warranty_months", "Notes": "notes"}
    refused = empty_client.post(url, data=_form(mapping, action="check"))
    assert refused.status_code == 400
    assert "“1/23/23” is not a day-first date" in refused.text
    assert "month first" in refused.text
    chosen = _values_form(empty_client, url, mapping, date_order="mdy")  # new categories
    checked = empty_client.post(url, data={**chosen, "action": "check"})
    assert checked.status_code == 200, re.findall(r"<td>([^<]*)</td>", checked.text)[:12]
    done = empty_client.post(url, data={**chosen, "action": "import"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    ready = _device("DMPX1234")
    assert ready["status"] == "in_stock"  # "Ready to Deploy": stock, not in service
    assert _day(ready["purchase_date"]) == dt.date(2023, 1, 23)
    assert ready["eol_year"] == 2028 and ready["tag"] == "SN-00001"
    assert _device("DMPX1235")["status"] == "in_service"
    assert _device("5CD2345XYZ")["status"] == "in_repair"
    assert _device("DMPX9999")["status"] == "retired"


def test_a_maker_without_a_model_gets_its_unknown_model(empty_url, run, tmp_path):
    run(realfiles.create_schools())
    path = tmp_path / "sans-modele.csv"
    path.write_text("Site;Type;Marque;Modèle;N° de série\n"
                    "GS-CAMUS;Imprimante;Brother;;SER-1\nGS-ZOLA;Imprimante;Brother;;SER-2\n",
                    encoding="utf-8")
    result = _cli(empty_url, "import", str(path), "--create-categories", language="fr")
    assert result.returncode == 0, result.stderr
    # Stored in the installation's language (French by default).
    assert {(r["manufacturer"], r["model_name"]) for r in (_device("SER-1"), _device("SER-2"))} \
        == {("Brother", "(modèle inconnu)")}
    assert count("equipment_model") == 1


def _varied_fleet(make) -> int:
    """Devices with every kind of value an export writes: rooms, models, dates, prices,
    warranties, network details, notes with accents and line breaks, every status."""
    make.installation()
    schools = [make.site(name="École élémentaire Jules-Ferry"), make.site(kind="college")]
    boards = make.category(code="TNI", is_interactive_display="on", lifespan_years=8)
    switches = make.category(code="SWITCH", is_network="on")
    models = [make.model(boards, manufacturer="Fabricant Fictif", name="Tableau 88"),
              make.model(switches, manufacturer="Réseaux & Cie", name="Commutateur 24")]
    statuses = ("in_service", "in_stock", "faulty", "in_repair", "retired")
    made = 0
    for n, status in enumerate(statuses * 3):
        school = schools[n % 2]
        network = n % 3 == 0
        make.asset(site=school, category=switches if network else boards,
                   room=make.room(school, name=f"Salle {n}") if n % 4 else None,
                   model=models[1] if network else models[0] if n % 2 else None,
                   status=status, serial=f"SN-{n:04d}", purchase_date=f"20{15 + n % 10}-09-0{1 + n % 8}",
                   purchase_price_eur=f"{100 + n},{n:02d}", supplier="Fournisseur Fictif SARL",
                   order_ref=f"BC-{n}", warranty_end=f"20{20 + n % 10}-09-01",
                   hostname=f"sw-{n}" if network else None,
                   ip_address=f"10.0.0.{n + 1}" if network else None,
                   notes=f"Note n° {n}\nsur deux lignes ; « guillemets »" if n % 5 == 0 else None)
        made += 1
    return made


def test_our_own_xlsx_export_through_the_page(empty_client, make, tmp_path):
    client = empty_client
    devices = _varied_fleet(make)
    exported = client.get("/exports/assets", params={"format": "xlsx"})
    assert exported.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(exported.content)
    url = _upload(client, path)
    page = client.get(url)
    assert page.status_code == 200 and "Excel workbook" in page.text
    info = reading.inspect(path)
    checked = client.post(url, data=_form(columns.guess_mapping(info.header, info.formats),
                                          action="check"))
    assert checked.status_code == 200, re.findall(r"<td>([^<]*)</td>", checked.text)[:12]
    assert f"{devices}</li>" in checked.text.replace(" ", "")  # every row unchanged


def test_a_tag_far_ahead_of_the_sequence_is_kept_and_does_not_move_it(empty_url, make,
                                                                      tmp_path):
    make.installation(tag_prefix="BRN")  # the command line reads it from the database
    make.site(code="GS-FERRY")
    make.category(code="TNI")
    make.asset()
    before = query("SELECT last_value FROM tag_sequence WHERE prefix = 'BRN'")[0]["last_value"]
    path = tmp_path / "far.csv"
    path.write_text("tag;category;site;serial\nBRN-123456789012;TNI;GS-FERRY;FAR-1\n"
                    ";TNI;GS-FERRY;FAR-2\n", encoding="utf-8")
    assert before == 1
    result = _cli(empty_url, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert _device("FAR-1")["tag"] == "BRN-123456789012"
    assert _device("FAR-2")["tag"] == f"BRN-{before + 1:06d}"
    assert query("SELECT last_value FROM tag_sequence WHERE prefix = 'BRN'")[0]["last_value"] \
        == before + 1


def _big_file(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.write("Site;Type;Fabricant;Modèle;N° de série;Salle;Date d'achat;Prix\n")
        for n in range(rows):
            f.write(f"GS-FERRY;TNI;Fabricant{n % 7};Modèle {n % 13};BIG-{n:07d};"
                    f"Salle {n % 20};01/09/2022;1 234,50 €\n")
    return path


def test_saving_while_a_large_dry_run_runs(empty_client, empty_url, make, tmp_path):
    """The dry run reads without the write lock: saves through the pages keep working."""
    # Large enough that the dry run outlasts the start-up and the first saves by seconds on
    # a fast machine (40,000 rows were read in about 2 s: the check became timing-bound).
    rows = 150_000
    path = _big_file(tmp_path / "big.csv", rows)
    client = empty_client
    tag = make.asset(site=make.site(code="GS-FERRY"))["tag"]
    env = _env(empty_url)
    child = subprocess.Popen([INVENTORY, "import", str(path), "--dry-run",
                              "--create-categories"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    saves = during = 0
    try:
        time.sleep(2)  # past the start-up, into the reading
        while child.poll() is None or saves < 3:
            running = child.poll() is None
            response = client.post(f"/a/{tag}/edit",
                                   data=edit_form(client, tag, notes=f"save {saves}"),
                                   follow_redirects=False)
            assert response.status_code == 303, response.text[-500:]
            saves += 1
            during += running
            if saves > 200:
                break
    finally:
        out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err[-2000:]
    assert f"{rows} to create" in out
    assert during >= 1, "the dry run ended before any save: make the file larger"
    assert query("SELECT notes FROM asset WHERE tag = {}", tag)[0]["notes"] == \
        f"save {saves - 1}"


def test_errors_name_row_column_and_value_in_french(empty_url, make, tmp_path):
    make.site(code="GS-FERRY")
    make.category(code="TNI")
    path = tmp_path / "erreurs.csv"
    path.write_text("Type;Site;Prix;Catégorie bis\nTNI;GS-FERRY;1.234,50;x\n"
                    "Robot;GS-FERRY;12;y\n", encoding="utf-8")
    result = _cli(empty_url, "import", str(path), language="fr")
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert "Ligne 2, colonne « Prix » : « 1.234,50 » : " in errors[0], errors
    assert errors[1].startswith("Ligne 3, colonne « Type » : "), errors
    assert "« Robot »" in errors[1] and errors[1].count("Robot") == 1, errors


def test_a_workbook_bomb_is_refused_at_upload(empty_client, tmp_path):
    from tests.unit.test_import_reading import _bomb

    client = empty_client
    path = _bomb(tmp_path / "bomb.xlsx", 72 * 1024 * 1024)
    sent = client.post("/imports", files={"file": ("bomb.xlsx", path.read_bytes(),
                                                   "application/octet-stream")})
    assert sent.status_code == 400
    assert "72 MB of data once uncompressed" in sent.text
    kept = tmp_path / "imports"  # the client's data folder is the test's tmp_path
    assert not kept.exists() or not any(kept.iterdir())  # nothing kept of it
