"""Reading real files (pure): the header row found, totals skipped, units and vocabularies of
the tools people leave, bounded memory for workbooks, control characters removed."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from openpyxl import Workbook

from inventory.core.errors import FieldError
from inventory.imports import columns, reading

pytestmark = pytest.mark.usefixtures("english")


def test_the_header_is_found_below_titles_and_blank_rows():
    sample = [["Inventaire du matériel 2024", "", ""],
              ["", "", ""],
              ["Mise à jour : 01/09/2024", "", ""],
              ["N° d'inventaire", "Désignation", "Prix", "Mon champ"],
              ["BRN-000001", "Vidéoprojecteur", "499,00 €", "x"],
              ["BRN-000002", "Tablette", "189,90 €", "y"]]
    assert reading.find_header(sample, columns.is_known_column) == 3


def test_without_known_names_the_row_of_names_wins_over_titles_and_data():
    sample = [["Titre"], [], ["Alpha", "Beta", "Gamma"], ["1", "2", "3,5"], ["4", "x", "01/02/2023"]]
    assert reading.find_header(sample) == 2
    assert reading.find_header([["1", "2"], ["3", "4"]]) is None
    assert reading.find_header([["Titre seul"]]) == 0  # a lone name is better than nothing


@pytest.mark.parametrize("cells,expected", [
    (["TOTAL", "", "12 345,00 €"], "totals row"),
    (["", "Total général", "", "4 990"], "totals row"),
    (["Sous-total école Ferry", "", "1 000"], "totals row"),
    (["", "Vidéoprojecteur", "", "", ""], None),
    (["", "", "", "24 680,50 €", ""], "only a sum"),
    (["", "", "48", "24680.5", ""], "only a sum"),
    (["TOTAL-001", "Vidéoprojecteur", "499"], None),  # a tag, not a total
    (["BRN-000001", "", "499"], None),
    (["Totalement neuf", "", ""], None),
])
def test_summary_rows(cells, expected):
    reason = reading.summary_reason(cells, width=len(cells))
    assert (reason is None) if expected is None else (expected in reason)


def test_rows_skip_totals_and_report_them(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Liste du matériel;;\n;;\nSérie;Type;Prix\nS1;TNI;100\nS2;TNI;200\n"
                    ";;\nTOTAL;;300\n", encoding="utf-8")
    info = reading.inspect(path)
    assert (info.header_row, info.header, info.found) == (3, ["Série", "Type", "Prix"], True)
    assert info.titles == ("Liste du matériel",)
    skipped: list = []
    assert [n for n, _c, _x in reading.rows(path, info, skipped)] == [4, 5]
    assert skipped == [(7, "a totals row (“TOTAL”)")]
    chosen = reading.inspect(path, header_row=4)
    assert (chosen.header, chosen.found) == (["S1", "TNI", "100"], False)
    with pytest.raises(reading.FileProblem, match="Row 2 is not a header"):
        reading.inspect(path, header_row=2)


def test_workbook_with_title_merged_cells_and_a_blank_column(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet["B1"] = "Inventaire des écoles"
    sheet.merge_cells("B1:F1")
    sheet.append([])
    sheet.append([None, "Étiquette de l'actif", "Acheté", "Coût", None, "Garantie"])
    sheet.append([None, "A-1", dt.datetime(2023, 1, 31), 498.996, None, 3])
    sheet["F4"].number_format = '0" ans"'
    sheet.append([None, "Total", None, 498.996])
    path = tmp_path / "book.xlsx"
    book.save(path)
    info = reading.inspect(path)
    assert info.header_row == 3 and info.header[1:] == [
        "Étiquette de l'actif", "Acheté", "Coût", "", "Garantie"]
    mapping = columns.guess_mapping(info.header, info.formats)
    assert mapping == ["", "tag", "purchase_date", "purchase_price_eur", "", "warranty_years"]
    skipped: list = []
    ((number, cells, _extra),) = list(reading.rows(path, info, skipped))
    assert number == 4 and skipped == [(5, "a totals row (“Total”)")]
    notes: dict = {}
    values, errors = columns.parse_row(cells, mapping, notes=notes)
    assert errors == {}
    assert values["purchase_price_cents"] == 49900
    assert notes == {"purchase_price_eur": "498.996 rounded to 499,00 €."}
    assert values["warranty_end"] == dt.date(2026, 1, 31)  # 3 years, not 3 months


def test_an_uploaded_workbook_needs_no_xlsx_name(tmp_path):
    book = Workbook()
    book.active.append(["tag", "serial"])
    book.active.append(["A-1", "S-1"])
    path = tmp_path / "upload.bin"
    book.save(path)
    info = reading.inspect(path)
    assert info.kind == "xlsx" and [c for _n, c, _x in reading.rows(path, info)] == [["A-1", "S-1"]]


def _bomb(path, strings_bytes: int):
    """A small workbook whose sharedStrings.xml is enormous once uncompressed."""
    book = Workbook()
    book.active.append(["tag"])
    book.active.append(["A-1"])
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    unit = "<si><t>" + "x" * 1000 + "</t></si>"
    body = unit * (strings_bytes // len(unit))
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main">' + body + "</sst>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def test_a_workbook_with_72_mb_of_shared_strings_is_refused_before_reading(tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx", 72 * 1024 * 1024)
    assert path.stat().st_size < 400 * 1024  # a small file...
    with pytest.raises(reading.FileProblem, match="72 MB of data once uncompressed"):
        reading.inspect(path)  # ...refused from the zip's directory, nothing loaded


def test_control_characters_are_removed_from_cells(tmp_path):
    # The vertical tab is Word's manual line break: a line break, as for typed text
    # (validation.clean_text, the one cleaning); a one-line field turns it into a space.
    assert reading.cell_text("Écran\x0b fissuré\x00\x1f") == "Écran\n fissuré"
    assert reading.cell_text("deux\nlignes\tet tab") == "deux\nlignes\tet tab"
    path = tmp_path / "c.csv"
    path.write_bytes("Série;Notes\nS1;Bruit\x0bbizarre\x7f\n".encode())
    info = reading.inspect(path)
    assert [c for _n, c, _x in reading.rows(path, info)] == [["S1", "Bruit\nbizarre"]]


@pytest.mark.parametrize("text,order,expected", [
    ("1/23/23", "mdy", dt.date(2023, 1, 23)), ("12/31/2023", "mdy", dt.date(2023, 12, 31)),
    ("3/4/2023", "mdy", dt.date(2023, 3, 4)), ("1/23/23 10:15", "mdy", dt.date(2023, 1, 23)),
    ("2023-01-23", "mdy", dt.date(2023, 1, 23)), ("3/4/2023", "dmy", dt.date(2023, 4, 3))])
def test_month_first_dates_when_chosen(text, order, expected):
    assert columns.parse_date(text, order) == expected


@pytest.mark.parametrize("text", ["1/23/23", "12/31/2023"])
def test_month_first_dates_are_refused_with_the_hint_otherwise(text):
    with pytest.raises(FieldError, match="month first"):
        columns.parse_date(text)


def test_statuses_of_glpi_snipe_it_and_french_offices():
    for text, key in [
            ("En production", "in_service"), ("En stock", "in_stock"),
            ("En réparation", "in_repair"), ("Au rebut", "retired"), ("Volé", "retired"),
            ("Perdu", "retired"), ("Retiré", "retired"),
            ("Ready to Deploy", "in_stock"), ("Ready to Deploy (deployable)", "in_stock"),
            ("Deployed", "in_service"), ("Archived", "retired"),
            ("Broken - Not Fixable", "retired"), ("Lost/Stolen", "retired"),
            ("Lost/Stolen (archived)", "retired"), ("Out for Diagnostics", "in_repair"),
            ("Out for Diagnostics (pending)", "in_repair"), ("Pending", "in_stock"),
            ("Chez le réparateur (undeployable)", "faulty"),  # unknown label, known kind
            ("Neuf", "in_stock"), ("En prêt", "in_service"), ("À réformer", "retired"),
            ("HS", "faulty"), ("En panne", "faulty")]:
        assert columns.parse_status(text) == key, text


def test_headers_of_snipe_it_in_french_glpi_and_french_offices():
    header = ["Étiquette de l'actif", "Acheté", "Coût", "EOL",
              "Informations financières et administratives - Date d'achat",
              "Informations financières et administratives - Fournisseur",
              "Informations financières et administratives - Numéro de commande",
              "Informations financières et administratives - Durée de garantie",
              "Localisation", "Type d'équipement", "Marque / Modèle", "Commentaire",
              "Garantie (ans)"]
    assert columns.guess_mapping(header) == [
        "tag", "purchase_date", "purchase_price_eur", "end_of_life_year", "",
        "supplier", "order_ref", "warranty_months", "site", "category",
        "manufacturer_model", "notes", "warranty_years"]
    assert columns.guess_mapping(
        ["Informations financières et administratives - Valeur", "Garantie en années"]) == [
        "purchase_price_eur", "warranty_years"]


def test_prices_with_and_without_tax():
    header = ["Désignation", "Prix HT", "Prix TTC"]
    mapping = columns.guess_mapping(header)
    assert mapping == ["category", "", "purchase_price_eur"]
    assert "the asset's price is the price with tax" in columns.price_note(header, mapping)
    chosen = ["category", "purchase_price_eur", ""]
    assert "The price before tax" in columns.price_note(header, chosen)
    assert columns.price_note(["Prix"], ["purchase_price_eur"]) == ""


def test_maker_and_model_in_one_column_and_eol_as_a_date():
    values, errors = columns.parse_row(["Dell / Latitude 5420", "1/23/2028"],
                                       ["manufacturer_model", "end_of_life_year"],
                                       date_order="mdy")
    assert errors == {}
    assert values == {"manufacturer": "Dell", "model": "Latitude 5420", "end_of_life_year": 2028}


def test_warranty_units():
    assert columns.parse_years("3") == 36 and columns.parse_years("2,5 ans") == 30
    assert columns.parse_years("36 mois") == 36
    assert columns.parse_months("3 ans") == 36 and columns.parse_months("24") == 24
    with pytest.raises(FieldError, match="A warranty of 3 months"):
        columns.parse_months("3")  # months or years? asked, not guessed
    assert columns.parse_months("3 mois") == 3
