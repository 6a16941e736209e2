"""Importing inventories: pages, command line and service, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.core import db
from inventory.imports import columns
from inventory.imports.service import Importer, ImportOptions, run_import
from tests.helpers import assert_search_text_current, count, execute, query, saved_meanwhile

INVENTORY = str(Path(sys.executable).parent / "inventory")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "inventaire-exemple.csv"


def _cli(url, *args):
    env = {**os.environ, "INVENTORY_DATABASE_URL": url, "INVENTORY_LANGUAGE": "en"}
    return subprocess.run([INVENTORY, *args], env=env, capture_output=True, text=True,
                          timeout=300)


def _export(url) -> str:
    result = _cli(url, "export", "assets", "--format", "csv")
    assert result.returncode == 0, result.stderr
    return result.stdout


def _write_csv(path: Path, rows, *, encoding="cp1252", delimiter=";") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


def _state():
    """What an import must leave untouched when it fails."""
    return {table: count(table) for table in ("asset", "audit_record", "room", "equipment_model",
                                              "category")}


def _asset(serial):
    return query(
        "SELECT asset.*, room.name AS room_name, site.code AS site_code, "
        "category.code AS category_code, equipment_model.manufacturer, "
        "equipment_model.name AS model_name FROM asset JOIN site ON site.id = asset.site "
        "JOIN category ON category.id = asset.category "
        "LEFT JOIN room ON room.id = asset.room "
        "LEFT JOIN equipment_model ON equipment_model.id = asset.model "
        "WHERE asset.serial = {}", serial)[0]


def _day(value):
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _example_commune(make) -> dict:
    """What examples/inventaire-exemple.csv names: its five sites (one found by code, one by
    UAI, one by name), the room "Classe 1" and the five categories; the set-up done."""
    make.installation()
    sites = {code: make.site(code=code, **extra) for code, extra in (
        ("GS-FERRY", {"kind": "groupe_scolaire"}),
        ("GS-JAURES", {"kind": "groupe_scolaire", "uai": "0990002P"}),
        ("EE-CURIE", {}),
        ("GS-PASTEUR", {"kind": "groupe_scolaire", "name": "Groupe scolaire Louis-Pasteur"}),
        ("EM-FONTAINE", {"kind": "maternelle"}))}
    make.room(sites["GS-FERRY"], name="Classe 1")
    for code in ("TNI", "VPI", "PC-PORT", "TABLETTE", "VISU"):
        make.category(code=code)
    return sites


FLEET = 15  # the devices _fleet makes


def _fleet(make) -> None:
    """A commune's devices with every kind of value an export carries: two schools (one
    name with accents), rooms, two categories with models, serial numbers, dates, prices,
    warranties, suppliers, orders, network details, notes with accents, a semicolon and
    quotes, and every status; the set-up chose the tag prefix BRN (the command line reads
    it from the database)."""
    make.installation(tag_prefix="BRN")
    schools = [make.site(code="GS-FERRY", name="Groupe scolaire Jules-Ferry",
                         kind="groupe_scolaire"),
               make.site(code="EE-CURIE", name="École élémentaire Marie-Curie")]
    rooms = [make.room(school, name=name) for school in schools
             for name in ("Classe 1", "Salle informatique")]
    boards = make.category(code="TNI", is_interactive_display="on", lifespan_years=8)
    switches = make.category(code="SWITCH", is_network="on", lifespan_years=10)
    models = {boards["code"]: make.model(boards, manufacturer="Fabricant Fictif",
                                         name="Tableau 88"),
              switches["code"]: make.model(switches, manufacturer="Réseaux & Cie",
                                           name="Commutateur 24")}
    statuses = ("in_service", "in_stock", "faulty", "in_repair", "retired")
    for n in range(FLEET):
        network = n % 4 == 3
        category = switches if network else boards
        room = rooms[n % len(rooms)]
        make.asset(site=schools[n % len(rooms) // 2], category=category, room=room,
                   model=models[category["code"]], status=statuses[n % 5] if n > 4 else
                   "in_service", serial=f"SN-{n:04d}", purchase_date=f"20{14 + n % 10}-09-01",
                   purchase_price_eur=f"{1200 + n},{n:02d}", supplier="Fournisseur Fictif SARL",
                   order_ref=f"BC-2023-{n:03d}", warranty_end=f"20{19 + n % 10}-09-01",
                   hostname=f"sw-ferry-{n}" if network else None,
                   ip_address=f"10.1.0.{n}" if network else None,
                   notes='Réglé ; « très » bien, dit "la directrice"' if n % 6 == 0 else None)


def test_reimporting_the_export_changes_nothing(empty_url, make, tmp_path):
    _fleet(make)
    url = empty_url
    exported = _export(url)
    before = _state()
    path = tmp_path / "export.csv"
    path.write_text(exported, encoding="utf-8")
    result = _cli(url, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert f"0 to create, 0 to update, {FLEET} unchanged, 0 with errors" in result.stdout
    assert _state() == before
    assert _export(url) == exported


def test_round_trip_into_an_empty_database(empty_url, make, templates, engine_kind, tmp_path):
    """Export, import into a database holding only the sites and categories, export again:
    the same file. (What an export does not carry, such as history or last-seen dates,
    cannot come back.)"""
    _fleet(make)
    exported = _export(empty_url)
    sites = query("SELECT * FROM site ORDER BY id")
    categories = query("SELECT * FROM category ORDER BY id")
    empty = templates.copy(engine_kind, "empty")
    db.configure(empty)
    for table, rows in (("site", sites), ("category", categories)):
        for row in rows:
            names = list(row)
            execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                    f"({', '.join('{}' for _ in names)})", *row.values())
    # The same commune on a new installation: its set-up chose the same tag prefix.
    execute("INSERT INTO app_setting (key, value) VALUES ('tag_prefix', 'BRN')")
    path = _write_csv(tmp_path / "export.csv", csv.reader(io.StringIO(exported)),
                      encoding="utf-8", delimiter=",")
    result = _cli(empty, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert f"{FLEET} to create" in result.stdout
    assert _export(empty) == exported
    assert count("audit_record", "entity = 'asset' AND action = 'create' AND actor = 'cli'") \
        == FLEET
    # New assets after the import continue the tag series instead of reusing a tag.
    assert query("SELECT last_value FROM tag_sequence WHERE prefix = 'BRN'")[0]["last_value"] \
        == FLEET
    assert_search_text_current()


def test_reimport_updates_instead_of_duplicating(empty_url, make, tmp_path):
    _fleet(make)
    url = empty_url
    rows = list(csv.DictReader(io.StringIO(_export(url))))
    first, second, third = rows[0], rows[1], rows[2]
    first["notes"] = "Lampe changée"
    second["room"] = "Salle polyvalente (import)"
    third["status"] = "faulty" if third["status"] != "faulty" else "in_stock"
    # Without a tag, a row is matched by serial number and model.
    fourth = dict(rows[3], tag="", supplier="Autre fournisseur")
    path = tmp_path / "changes.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(first))
        writer.writeheader()
        writer.writerows([first, second, third, fourth, rows[4]])
    result = _cli(url, "import", str(path), "--verbose")
    assert result.returncode == 0, result.stderr
    assert "0 to create, 4 to update, 1 unchanged" in result.stdout
    assert count("asset") == FLEET
    assert re.search(rf"2\tupdate\t{first['tag']} \(notes\)", result.stdout)
    assert re.search(rf"5\tupdate\t{rows[3]['tag']} \(supplier\)", result.stdout)
    actions = {r["entity_key"]: r["action"] for r in query(
        "SELECT entity_key, action FROM audit_record WHERE actor = 'cli' AND entity = 'asset'")}
    assert actions == {first["tag"]: "update", second["tag"]: "move", third["tag"]: "status",
                       rows[3]["tag"]: "update"}
    assert count("room", "name = 'Salle polyvalente (import)'") == 1
    again = _cli(url, "import", str(path))
    assert "0 to create, 0 to update, 5 unchanged" in again.stdout
    # Imported changes are searchable like changes made on the pages.
    assert_search_text_current()
    assert query("SELECT tag FROM asset WHERE search_text LIKE {}", "%lampe changee%") == [
        {"tag": first["tag"]}]



def test_a_device_changed_between_the_check_and_the_write_refuses_the_file(
        empty_url, make, tmp_path, run, monkeypatch):
    _fleet(make)
    rows = list(csv.DictReader(io.StringIO(_export(empty_url))))[:3]
    for row in rows:
        row["notes"] = "Vérifié (import)"
    path = tmp_path / "changes.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    changed_meanwhile = rows[1]["tag"]

    saved_meanwhile(monkeypatch, changed_meanwhile)
    header = list(rows[0])
    report = run(run_import(path, columns.guess_mapping(header),
                            Importer(actor="cli", scope=EVERYTHING), commit=True))
    assert [r.action for r in report.rows] == ["update"] * 3
    assert not report.committed
    assert report.problem == ("Devices of this file were changed by someone else while it was "
                              "being checked; nothing was imported. Check the file again.")
    assert count("asset", "notes LIKE {}", "%(import)%") == 0
    assert query("SELECT notes FROM asset WHERE tag = {}", changed_meanwhile) == [
        {"notes": "Saved on the page"}]
    assert count("audit_record", "actor = 'cli'") == 0

def test_french_office_files_in_every_encoding_and_separator(empty_url, make, tmp_path):
    _example_commune(make)
    before = count("asset")
    rows = list(csv.reader(io.StringIO(EXAMPLE.read_bytes().decode("cp1252")), delimiter=";"))
    variants = {"cp1252-semicolon": EXAMPLE,
                "utf8-bom-semicolon": _write_csv(tmp_path / "a.csv", rows, encoding="utf-8-sig"),
                "utf8-comma": _write_csv(tmp_path / "b.csv", rows, encoding="utf-8",
                                         delimiter=","),
                "cp1252-comma": _write_csv(tmp_path / "c.csv", rows, delimiter=",")}
    for name, path in variants.items():
        result = _cli(empty_url, "import", str(path), "--dry-run")
        assert result.returncode == 0, (name, result.stderr)
        assert "5 to create, 0 to update" in result.stdout, name
    assert count("asset") == before  # dry runs write nothing
    result = _cli(empty_url, "import", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    board = _asset("PRM-EX-0001")
    assert _day(board["purchase_date"]) == dt.date(2023, 4, 3)  # 03/04/2023 is 3 April
    assert _day(board["warranty_end"]) == dt.date(2028, 4, 2)
    assert board["purchase_price_cents"] == 248000
    assert (board["site_code"], board["room_name"], board["status"]) == (
        "GS-FERRY", "Classe 1", "in_service")
    assert board["notes"] == "Installé pendant les vacances de printemps"
    assert _asset("EPS-EX-0002")["site_code"] == "GS-JAURES"  # by UAI
    assert _asset("EPS-EX-0002")["purchase_price_cents"] == 179550
    tablet = _asset("SAM-EX-0004")
    assert (tablet["site_code"], tablet["status"]) == ("GS-PASTEUR", "faulty")  # by name
    assert _asset("IPV-EX-0005")["status"] == "retired"
    assert count("room", "name = 'Salle de motricité'") == 1
    assert count("asset") == before + 5
    again = _cli(empty_url, "import", str(EXAMPLE))  # no tags: matched by serial and model
    assert "0 to create, 0 to update, 5 unchanged" in again.stdout


def test_snipe_it_workbook(empty_url, make, tmp_path, run):
    make.installation()
    make.site(code="MAIRIE", name="Hôtel de ville", kind="mairie")
    make.model(make.category(code="PC-PORT", name="Ordinateur portable"), manufacturer="Lenovo",
               name="ThinkPad E14 Gen 5")
    book = Workbook()
    sheet = book.active
    sheet.append(["Asset Tag", "Asset Name", "Serial", "Model", "Category", "Manufacturer",
                  "Location", "Purchase Date", "Purchase Cost", "Supplier", "Order Number",
                  "Warranty", "Notes", "Status"])
    sheet.append(["LAP-0001", "", "5CG1234", "ThinkPad E14 Gen 5", "Ordinateur portable",
                  "Lenovo", "Hôtel de ville", dt.datetime(2023, 3, 31), 1099.9, "UGAP",
                  "PO-42", 36, "Prêt élus", "Ready to Deploy"])
    sheet.append(["LAP-0002", "", "5CG1235", "Chromebook 14", "Laptops", "HP", "MAIRIE",
                  dt.datetime(2022, 9, 1), 450, "", "", 24, "", "Archived"])
    book.save(tmp_path / "snipe.xlsx")
    path = tmp_path / "snipe.xlsx"
    header = ["Asset Tag", "Asset Name", "Serial", "Model", "Category", "Manufacturer",
              "Location", "Purchase Date", "Purchase Cost", "Supplier", "Order Number",
              "Warranty", "Notes", "Status"]
    mapping = columns.guess_mapping(header)
    planner = Importer(actor="planner@test", scope=Scope(), may_create_categories=True)
    # Categories are created only when asked (issue 12: "when the user agrees").
    report = run(run_import(path, mapping, planner, commit=True,
                            options=ImportOptions(create=frozenset({"categories"}))))
    assert report.ok and report.committed, list(report.errors())
    assert dict(report.counts) == {"create": 2}
    assert dict(report.created_refs) == {"categories": 1, "models": 1}
    laptop = _asset("5CG1234")
    assert (laptop["tag"], laptop["category_code"], laptop["site_code"]) == (
        "LAP-0001", "PC-PORT", "MAIRIE")
    assert _day(laptop["warranty_end"]) == dt.date(2026, 3, 31)  # 36 months after purchase
    assert laptop["purchase_price_cents"] == 109990 and laptop["order_ref"] == "PO-42"
    chromebook = _asset("5CG1235")
    assert chromebook["category_code"] == "LAPTOPS" and chromebook["status"] == "retired"
    assert count("category", "code = 'LAPTOPS' AND name = 'Laptops'") == 1
    assert count("audit_record", "entity = 'category' AND actor = 'planner@test'") == 1


def test_glpi_export_with_hierarchical_locations(empty_url, make, tmp_path):
    make.installation()
    make.site(code="GS-FERRY")
    make.model(make.category(code="PC-PORT", name="Ordinateur portable"), manufacturer="HP",
               name="ProBook 440 G9")
    path = _write_csv(tmp_path / "glpi.csv", [
        ["Nom", "Numéro de série", "Fabricant", "Modèle", "Type", "Lieu", "Statut",
         "Date d'achat", "Numéro d'inventaire"],
        ["PC-DIR-01", "CZC0001", "HP", "ProBook 440 G9", "PC-PORT",
         "GS-FERRY > Bâtiment A > Bureau direction", "En service", "15/01/2024", "GLPI-0001"],
        ["PC-DIR-02", "CZC0002", "HP", "ProBook 440 G9", "Ordinateur portable",
         "GS-FERRY > Bureau direction", "En stock", "2024-01-15", "GLPI-0002"],
    ])
    result = _cli(empty_url, "import", str(path))
    assert result.returncode == 0, result.stderr
    first = _asset("CZC0001")
    assert (first["tag"], first["hostname"], first["room_name"], first["status"]) == (
        "GLPI-0001", "PC-DIR-01", "Bureau direction", "in_service")
    assert _asset("CZC0002")["room"] == first["room"]  # one room created, found again
    assert _day(first["purchase_date"]) == dt.date(2024, 1, 15)


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(
        empty_url, make, tmp_path):
    make.installation()
    school = make.site(code="GS-FERRY")
    make.room(school, name="Classe 1")
    tag = make.asset(site=school, category=make.category(code="TNI"))["tag"]
    path = _write_csv(tmp_path / "bad.csv", [
        ["Numéro d'inventaire", "Type", "Site", "Date d'achat", "Prix d'achat", "Salle"],
        ["", "TNI", "GS-FERRY", "31/12/2023", "1 234,50 €", "Classe 1"],  # fine
        ["", "TNI", "GS-FERRY", "2023-13-01", "1.234,50", "Classe 1"],
        ["", "Robot", "GS-FERRY", "", "", ""],
        ["", "TNI", "INCONNU", "", "", ""],
        ["DUP-1", "TNI", "GS-FERRY", "", "", ""],
        ["DUP-1", "TNI", "GS-FERRY", "", "", ""],
        [tag, "TNI", "", "", "", "Salle neuve"],  # an update, fine
    ])
    before = _state()
    result = _cli(empty_url, "import", str(path))
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert "Row 3, column “Date d'achat”: “2023-13-01” is not a date; enter it as 31/12/2024." \
        in errors
    # Every error names the value it is about (issue 12).
    assert ("Row 3, column “Prix d'achat”: “1.234,50”: Enter an amount in euros, such as "
            "1 234,50.") in errors
    assert any(e.startswith("Row 4, column “Type”: Unknown category “Robot”") for e in errors)
    assert any(e.startswith("Row 5, column “Site”: Unknown site “INCONNU”") for e in errors)
    assert ("Row 7, column “Numéro d'inventaire”: “DUP-1”: The tag DUP-1 is already on row 6 of "
            "this file.") in errors
    assert len(errors) == 5, errors
    assert "4 rows have errors: nothing was imported." in result.stdout
    assert _state() == before
    assert count("asset", "tag = 'DUP-1'") == 0


def test_bad_files_are_refused_clearly(empty_url, make, tmp_path):
    make.installation()
    make.asset(site=make.site(code="GS-FERRY"), category=make.category(code="TNI"))
    before = _state()
    cases = {
        b"": "The file is empty.",
        b"\r\n": "The file is empty.",
        # The header is found below blank rows now (issue 12): these names feed no field.
        b";;;\r\nBRN-1;TNI;GS-FERRY;\r\n": "No column is mapped to a field",
        b";;;\r\n1;2;3\r\n": "no header line",
        "Tag;Catégorie\r\n".encode("utf-16"): "UTF-16",
        b"tag;category\r\nA-1;\x81\x8d\r\n": "encoding could not be recognised",
        b"tag;category\r\n": "The file has a header but no rows.",
    }
    for data, message in cases.items():
        path = tmp_path / "bad.csv"
        path.write_bytes(data)
        result = _cli(empty_url, "import", str(path))
        assert result.returncode == 1 and message in result.stderr, (data, result.stderr)
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"category": "colour"}')
    path.write_bytes(b"tag;category\r\nA-1;TNI\r\n")
    result = _cli(empty_url, "import", str(path), "--mapping", str(mapping))
    assert result.returncode == 1 and "Unknown field “colour”" in result.stderr
    assert _state() == before


def test_mapping_file_names_the_columns(empty_url, make, tmp_path):
    make.installation()
    make.site(code="EE-CURIE")
    make.category(code="VISU")
    path = _write_csv(tmp_path / "maison.csv", [
        ["Réf", "Genre", "École", "Remarque"],
        ["MAISON-1", "VISU", "EE-CURIE", "Prêté"]])
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('"Réf" = "tag"\nGenre = "category"\n"École" = "site"\n',
                       encoding="utf-8")
    result = _cli(empty_url, "import", str(path), "--mapping", str(mapping), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "1 to create" in result.stdout and count("asset", "tag = 'MAISON-1'") == 0


def test_director_cannot_import_outside_their_sites(empty_url, make, tmp_path, run):
    board = make.category(code="TNI")
    own = make.site(code="GS-FERRY")["id"]
    other_tag = make.asset(site=make.site(code="GS-JAURES"), category=board)["tag"]
    path = _write_csv(tmp_path / "director.csv", [
        ["tag", "category", "site", "notes"],
        ["", "TNI", "GS-FERRY", "mine"],
        ["", "TNI", "GS-JAURES", "not mine"],
        [other_tag, "TNI", "", "not mine either"],
        ["", "Robot", "GS-FERRY", ""],
    ], encoding="utf-8", delimiter=",")
    director = Importer(actor="direction@test", scope=Scope(frozenset({own})))
    before = _state()
    report = run(run_import(path, columns.guess_mapping(["tag", "category", "site", "notes"]),
                            director, commit=True))
    assert not report.committed
    assert [(n, c, m) for n, c, m in report.errors()] == [
        (3, "site", "The site “GS-JAURES” is not one of your sites."),
        # Every error names the value it is about (issue 12).
        (4, "tag", f"“{other_tag}”: This device belongs to a site that is not one of yours."),
        (5, "category", "Unknown category “Robot”: choose an existing one, or ask someone who "
                        "manages categories to create it.")]
    assert [r.action for r in report.rows] == ["create", "error", "error", "error"]
    assert _state() == before


def test_import_pages(empty_client, make, tmp_path):
    _example_commune(make)
    admin = empty_client
    account = make.sign_in(admin, "administrator")
    assert 'href="/imports"' in admin.get("/").text
    page = admin.get("/imports")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert admin.get("/imports/example.csv").content == EXAMPLE.read_bytes()
    sent = admin.post("/imports", files={"file": ("inventaire.csv", EXAMPLE.read_bytes(),
                                                  "text/csv")}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    url = sent.headers["location"]
    mapping_page = admin.get(url)
    assert mapping_page.status_code == 200
    assert "Windows-1252" in mapping_page.text
    # Guessed from the French header: "Date d'achat" -> purchase date (column 9).
    assert re.search(r'name="col_8">.*?<option value="purchase_date" selected>',
                     mapping_page.text, re.S)
    form = {f"col_{i}": field for i, field in enumerate(
        ["tag", "category", "manufacturer", "model", "serial", "site", "room", "status",
         "purchase_date", "purchase_price_eur", "warranty_end", "supplier", "order_ref",
         "notes"])}
    before = count("asset")
    checked = admin.post(url, data={**form, "action": "check"})
    assert checked.status_code == 200
    assert checked.text.count('<span class="pill ok">create</span>') == 6  # 5 rows + legend
    assert 'value="import"' in checked.text and count("asset") == before
    done = admin.post(url, data={**form, "action": "import"}, follow_redirects=False)
    assert done.status_code == 303
    result = admin.get(done.headers["location"])
    assert "5 assets created" in result.text
    assert count("asset") == before + 5
    assert count("audit_record", "actor = {} AND action = 'create' AND entity = 'asset'",
                 account["email"]) == 5
    assert admin.get(url).status_code == 404  # the upload is gone once imported


def test_import_pages_refuse_bad_files_and_show_row_errors(empty_client, make):
    make.installation()
    make.site(code="GS-FERRY")
    make.category(code="TNI")
    planner = empty_client
    make.sign_in(planner, "planner")
    for data, message in [(b"", "Choose a file to import."),
                          (b"\x81\x8d\x8f;\x90\n", "encoding could not be recognised"),
                          (b"x" * (20 * 1024 * 1024 + 1), "larger than 20 MB")]:
        files = {"file": ("f.csv", data, "text/csv")} if data else {"file": ("", b"", "")}
        sent = planner.post("/imports", files=files)
        assert sent.status_code == 400 and message in sent.text, sent.text[:300]
    bad = b"Type;Site;Date d'achat\r\nTNI;GS-FERRY;31/12/2023\r\nTNI;GS-FERRY;12/31/2023\r\n"
    url = planner.post("/imports", files={"file": ("f.csv", bad, "text/csv")},
                       follow_redirects=False).headers["location"]
    checked = planner.post(url, data={"col_0": "category", "col_1": "site",
                                      "col_2": "purchase_date", "action": "import"})
    assert checked.status_code == 400
    # A month-first date gets the hint to choose "month first" (issue 12).
    assert "“12/31/2023” is not a day-first date" in checked.text and 'value="import"' not in checked.text
    twice = planner.post(url, data={"col_0": "category", "col_1": "category", "action": "check"})
    assert twice.status_code == 400 and "Two columns feed" in twice.text
    # Somebody else's upload does not exist for them.
    make.sign_in(planner, "administrator")
    assert planner.get(url).status_code == 404


def test_who_may_import(empty_client, make):
    make.installation()
    client = empty_client
    for role in ("viewer", "technician", "director"):
        make.sign_in(client, role)
        assert 'href="/imports"' not in client.get("/").text
        assert client.get("/imports").status_code == 403
        sent = client.post("/imports", files={"file": ("f.csv", EXAMPLE.read_bytes(),
                                                       "text/csv")})
        assert sent.status_code == 403
    make.sign_in(client, "planner")
    assert 'href="/imports"' in client.get("/").text
