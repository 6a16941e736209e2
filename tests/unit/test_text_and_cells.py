"""Text cleaned on the way in (validation.clean_text / text) and export cells on the way out
(inventory.exporting.columns): pure functions, no database."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from inventory.core import i18n
from inventory.core import parsers as v
from inventory.core.errors import FieldError
from inventory.exporting import columns as exports
from inventory.exporting.columns import (
    ASSETS,
    DATE,
    LITERAL,
    MOMENT,
    MONEY,
    TEXT,
    YESNO,
    Column,
    TableWriter,
    as_literal,
    neutralise,
    unneutralise,
)

pytestmark = pytest.mark.usefixtures("english")


def test_clean_text_removes_control_characters_and_normalises_line_breaks():
    typed = "Écran\x0bnoir\x07 depuis\x00 lundi\r\nsalle 12\rfin\t(voir)\x1f\x7f"
    assert v.clean_text(typed, multiline=True) == "Écran\nnoir depuis lundi\nsalle 12\nfin\t(voir)"
    assert v.clean_text(typed) == "Écran noir depuis lundi salle 12 fin (voir)"
    assert v.clean_text("Parent d'élève — Ω ✓ 😀") == "Parent d'élève — Ω ✓ 😀"


def test_text_parser_cleans_before_checking():
    assert v.text("  Salle\x0b12\x00 ") == "Salle 12"
    assert v.text("ligne 1\r\nligne 2\x0c", multiline=True, max_length=20) == "ligne 1\nligne 2"
    with pytest.raises(FieldError):
        v.text("\x00\x07 \x1b", required=True)  # only control characters: nothing typed
    assert v.text("\x00" * 10 + "abc", max_length=3) == "abc"  # removed before the length check


def test_formula_starts_are_neutralised_in_csv_full_width_too():
    for text in ("=1+1", "+33 1 99", "-12", "@SUM(A1)", "\tx", "\rx", "＝1+1", "＋1", "－1",
                 "＠SUM(A1)"):
        assert neutralise(text) == "'" + text
        assert unneutralise(neutralise(text)) == text
    assert neutralise("plain ＝ inside") == "plain ＝ inside"
    assert neutralise(12) == 12


def test_literals_keep_their_text_in_french_excel_and_come_back():
    for text in ("00012345", "1E5", "2.10", "3,5", "12/03", "1-2", "123 456"):
        wrapped = as_literal(text)
        assert wrapped == f'="{text}"'
        assert unneutralise(wrapped) == text
    assert as_literal("5CG1234XYZ") == "5CG1234XYZ"  # Excel keeps it as text anyway
    assert as_literal("=1+1") == "'=1+1"
    assert unneutralise('="a""b"') == 'a"b'


def _excel_csv(columns, rows, language="fr") -> list[list[str]]:
    i18n.set_language(language)
    out = io.BytesIO()
    writer = TableWriter("excel-csv", columns, out)
    for row in rows:
        writer.append(row)
    writer.finish()
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


COLUMNS = (Column("when", "When", DATE), Column("at", "At", MOMENT),
           Column("price", "Price", MONEY), Column("ok", "OK", YESNO),
           Column("serial", "Serial", LITERAL), Column("text", "Text", TEXT))
ROW = [dt.date(2026, 12, 1), dt.datetime(2026, 12, 1, 13, 5, 42, 123456, tzinfo=dt.UTC),
       123450, True, "00012345", "a\x0bb =c"]


def test_french_excel_cells():
    header, row = _excel_csv(COLUMNS, [ROW])
    assert header == ["When", "At", "Price", "OK", "Serial", "Text"]
    assert row == ["01/12/2026", "01/12/2026 14:05", "1234,50", "Oui", '="00012345"', "ab =c"]
    _header, english = _excel_csv(COLUMNS, [ROW], "en")
    assert english[:4] == ["2026-12-01", "2026-12-01 14:05", "1234,50", "Yes"]


def test_times_are_in_paris_without_microseconds():
    summer = dt.datetime(2026, 7, 1, 12, 0, 0, 999999, tzinfo=dt.UTC)
    assert exports.moment(summer).isoformat() == "2026-07-01T14:00:00+02:00"
    assert exports.moment("2026-12-01 13:05:42.5").isoformat() == "2026-12-01T14:05:42+01:00"
    assert exports.script_cell(COLUMNS[1], ROW[1]) == "2026-12-01T14:05:42+01:00"


def test_xlsx_cells_are_typed_and_never_fail_on_stored_text():
    out = io.BytesIO()
    writer = TableWriter("xlsx", COLUMNS, out, localised=True)
    writer.append(ROW)
    writer.append([None, None, None, False, "1E5", "=HYPERLINK(\"x\")\x00\x1b"])
    writer.finish()
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    first, second = sheet[2], sheet[3]
    assert first[0].value == dt.datetime(2026, 12, 1) and first[0].number_format == "DD/MM/YYYY"
    assert first[1].value == dt.datetime(2026, 12, 1, 14, 5, 42)
    assert first[1].number_format == "DD/MM/YYYY HH:MM"
    assert first[2].value == 1234.5 and first[2].number_format == '#,##0.00 "€"'
    assert first[3].value == "Yes" and second[3].value == "No"
    assert first[4].value == "00012345" and second[4].value == "1E5"
    assert first[4].data_type == "s" and first[4].number_format == "@"
    assert first[5].value == "ab =c"
    assert second[5].value == "=HYPERLINK(\"x\")" and second[5].data_type == "s"  # text, no '
    assert second[0].value is None and second[2].value is None


def test_asset_headers_for_people_are_import_column_names_in_both_languages():
    from inventory.imports import columns

    for language in i18n.LANGUAGES:
        i18n.set_language(language)
        header = [c.header(True) for c in ASSETS]
        assert columns.guess_mapping(header) == list(exports.ASSET_COLUMNS)
    assert "Étiquette" in _excel_csv(ASSETS, [])[0]
