"""The pure side of imports: reading files, guessing columns, reading cells (no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from inventory.core import i18n
from inventory.core.errors import FieldError
from inventory.exporting.columns import ASSET_COLUMNS, neutralise
from inventory.imports import columns, reading


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")


def _write(tmp_path, data: bytes, name="f.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"),
                                               ("cp1252", "cp1252")])
def test_encodings_are_detected(tmp_path, encoding, expected):
    text = "Numéro de série;Modèle;Coût\r\nSN-1;Écran 75\";1 234,50 €\r\n"
    path = _write(tmp_path, text.replace('"', "").encode(encoding))
    info = reading.inspect(path)
    assert info.encoding == expected and info.delimiter == ";"
    assert info.header == ["Numéro de série", "Modèle", "Coût"]
    assert list(reading.rows(path, info)) == [(2, ["SN-1", "Écran 75", "1 234,50 €"], False)]


def test_unreadable_encodings_are_refused(tmp_path):
    with pytest.raises(reading.FileProblem, match="UTF-16"):
        reading.inspect(_write(tmp_path, "tag;serial\n".encode("utf-16")))
    # Bytes undefined in Windows-1252 and invalid in UTF-8.
    with pytest.raises(reading.FileProblem, match="encoding could not be recognised"):
        reading.inspect(_write(tmp_path, b"tag;serial\n\x81\x8d\x8f;\x90\n"))


@pytest.mark.parametrize("line,expected", [("a;b;c", ";"), ("a,b,c", ","), ("a\tb\tc", "\t"),
                                           ('"x,y";b;c', ";"), ("seul", ";")])
def test_separator_is_counted_outside_quotes(line, expected):
    assert reading.detect_delimiter(line) == expected


def test_bad_files_are_refused_with_a_reason(tmp_path):
    for data, message in [(b"", "empty"), (b"\r\n\r\n  \r\n", "empty"),
                          (b";;\r\n1;2\r\n", "no header line"),
                          (b"Tag;tag\r\nA;B\r\n", "Two columns are named"),
                          (b"\xd0\xcf\x11\xe0rest", ".xls"),
                          (b"PK\x03\x04broken", "could not be opened")]:
        with pytest.raises(reading.FileProblem, match=message):
            reading.inspect(_write(tmp_path, data))
    with pytest.raises(reading.FileProblem, match="larger than 1 MB"):
        reading.inspect(_write(tmp_path, b"tag\n" + b"x" * (1024 * 1024)), limit=1024 * 1024)


def test_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path):
    path = _write(tmp_path, b'tag,notes\nA-1,"two\nlines"\n\n,\nA-2,x,extra\n')
    info = reading.inspect(path)
    assert list(reading.rows(path, info)) == [
        (2, ["A-1", "two\nlines"], False), (5, ["A-2", "x"], True)]


def test_xlsx_cells_become_text(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Asset Tag", "Purchase Date", "Purchase Cost", "Serial"])
    sheet.append(["LAP-1", dt.datetime(2023, 4, 3), 1234.5, 12345])
    sheet.append([None, None, None, None])
    sheet.append(["LAP-2", dt.date(2022, 1, 31), 800, "ABC"])
    book.save(tmp_path / "f.xlsx")
    path = tmp_path / "f.xlsx"
    info = reading.inspect(path)
    assert info.kind == "xlsx" and info.header[0] == "Asset Tag"
    assert list(reading.rows(path, info)) == [
        (2, ["LAP-1", "2023-04-03", "1234.5", "12345"], False),
        (4, ["LAP-2", "2022-01-31", "800", "ABC"], False)]


def test_our_export_header_maps_to_itself():
    mapping = columns.guess_mapping(list(ASSET_COLUMNS))
    assert mapping == list(ASSET_COLUMNS)


def test_snipe_it_header_is_guessed():
    header = ["Asset Tag", "Asset Name", "Serial", "Model", "Model No.", "Category",
              "Manufacturer", "Location", "Purchase Date", "Purchase Cost", "Supplier",
              "Order Number", "Warranty", "Warranty Expires", "Notes", "Status"]
    assert dict(zip(header, columns.guess_mapping(header), strict=True)) == {
        "Asset Tag": "tag", "Asset Name": "hostname", "Serial": "serial", "Model": "model",
        "Model No.": "", "Category": "category", "Manufacturer": "manufacturer",
        "Location": "site", "Purchase Date": "purchase_date",
        "Purchase Cost": "purchase_price_eur", "Supplier": "supplier",
        "Order Number": "order_ref", "Warranty": "warranty_months",
        "Warranty Expires": "warranty_end", "Notes": "notes", "Status": "status"}


def test_glpi_and_french_headers_are_guessed():
    header = ["Nom", "Numéro de série", "Fabricant", "Modèle", "Type", "Lieu", "Statut",
              "Date d'achat", "Numéro d'inventaire", " FOURNISSEUR ", "Prix d'achat (€)",
              "Fin de garantie", "Salle", "Colonne inconnue"]
    assert columns.guess_mapping(header) == [
        "hostname", "serial", "manufacturer", "model", "category", "site", "status",
        "purchase_date", "tag", "supplier", "purchase_price_eur", "warranty_end", "room", ""]


def test_a_field_is_guessed_for_one_column_only():
    assert columns.guess_mapping(["Statut", "État"]) == ["status", ""]


def test_mapping_files(tmp_path):
    header = ["Réf.", "N° série", "Lieu"]
    given = columns.parse_mapping_file('{"Réf.": "tag", "N° série": "serial"}', "m.json")
    assert columns.apply_mapping_file(header, given) == ["tag", "serial", "site"]
    given = columns.parse_mapping_file('[columns]\n"réf." = "tag"\nLieu = "ignore"\n', "m.toml")
    assert columns.apply_mapping_file(header, given) == ["tag", "", ""]
    with pytest.raises(columns.MappingProblem, match="Unknown field “colour”"):
        columns.apply_mapping_file(header, {"Lieu": "colour"})
    with pytest.raises(columns.MappingProblem, match="no column “Salle”"):
        columns.apply_mapping_file(header, {"Salle": "room"})
    with pytest.raises(columns.MappingProblem, match="cannot be read"):
        columns.parse_mapping_file("{nope", "m.json")
    with pytest.raises(columns.MappingProblem, match="Two columns feed"):
        columns.check_mapping(["tag", "tag"])
    with pytest.raises(columns.MappingProblem, match="No column"):
        columns.check_mapping(["", ""])


@pytest.mark.parametrize("text,expected", [
    ("03/04/2023", dt.date(2023, 4, 3)), ("3/4/2023", dt.date(2023, 4, 3)),
    ("31.12.2023", dt.date(2023, 12, 31)), ("2023-12-31", dt.date(2023, 12, 31)),
    ("2023-12-31 00:00:00", dt.date(2023, 12, 31)), ("", None)])
def test_dates_are_day_first_or_iso(text, expected):
    assert columns.parse_date(text) == expected


@pytest.mark.parametrize("text", ["2023-13-01", "31/02/2023", "12/31/2023", "31/12/23",
                                  "45291", "demain", "2023-12-31T25:00"])
def test_unreadable_dates_are_errors(text):
    # A month-first date gets the hint to choose "month first" (issue 12).
    with pytest.raises(FieldError, match="is not a (day-first )?date"):
        columns.parse_date(text)


def test_cells_of_a_row():
    mapping = ["tag", "purchase_price_eur", "purchase_date", "warranty_months", "status",
               "notes", ""]
    values, errors = columns.parse_row(
        ["brn-000012", "1 234,50 €", "31/01/2023", "36 mois", "Réformé", "'=1+1", "x"], mapping)
    assert errors == {}
    assert values == {"tag": "BRN-000012", "purchase_price_cents": 123450,
                      "purchase_date": dt.date(2023, 1, 31), "warranty_end": dt.date(2026, 1, 31),
                      "status": "retired", "notes": "=1+1"}
    # "perdu" (GLPI's "Perdu") is now a known status (issue 12); "égaré" is not.
    values, errors = columns.parse_row(["A B", "1.234,50", "2023-13-01", "3 siècles", "égaré",
                                        "", ""], mapping)
    assert set(errors) == {"tag", "purchase_price_eur", "purchase_date", "warranty_months",
                           "status"}
    assert "Unknown status “égaré”" in errors["status"]


def test_amounts_as_french_offices_write_them():
    for text, cents in [("1 234,50 €", 123450), ("1\u202f234,5", 123450), ("1234.50", 123450),
                        ("800", 80000), ("0,99 EUR", 99)]:
        assert columns.parse_row([text], ["purchase_price_eur"])[0] == {
            "purchase_price_cents": cents}
    for text in ["1.234,50", "1,234.50", "12,345", "abc", "-5"]:
        assert "purchase_price_eur" in columns.parse_row([text], ["purchase_price_eur"])[1], text


def test_statuses_in_every_tongue():
    for text, key in [("in_service", "in_service"), ("En service", "in_service"),
                      ("Ready to Deploy", "in_stock"), ("Pending", "in_stock"),
                      ("en panne", "faulty"), ("Out for Repair", "in_repair"),
                      ("Archived", "retired"), ("RÉFORMÉ", "retired"), ("In stock", "in_stock")]:
        assert columns.parse_status(text) == key


def test_neutralised_export_cells_come_back_as_they_were():
    for text in ["=HYPERLINK(\"x\")", "-12", "+33 1 99", "@home", "plain", "'quoted"]:
        assert columns.unneutralise(neutralise(text)) == text


def test_warranty_months_clamp_to_month_end():
    assert columns.add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert columns.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    values, errors = columns.parse_row(["24"], ["warranty_months"])
    assert errors == {"warranty_months": "A warranty in months needs the purchase date."}
