"""Label formats, geometry and real decoding of every shipped format. No database."""

import io
import re

import pypdfium2 as pdfium
import pytest
import zxingcpp

from inventory.labels.formats import FormatError, all_formats, load_format_file, parse_format
from inventory.labels.layout import MIN_MODULE_MM, LabelContent, LabelTooSmall, layout_label, smallest_module
from inventory.labels.pdf import render_labels
from inventory.labels.qr import QUIET_ZONE, qr_matrix

BASE = "https://inventaire.brenneville.example"
FORMATS = sorted(all_formats())
LONG_LINES = ("Vidéoprojecteur interactif (VPI) Epson EB-1485Fi avec un nom très long",
              "Groupe scolaire Louis-Pasteur et Marie-Curie réunis", "Salle polyvalente n° 12",
              "Propriété de la Ville de Brenneville-sur-Exemple", "Support : 01 99 00 00 00")


def _contents(count: int) -> list[LabelContent]:
    return [LabelContent(url=f"{BASE}/a/BRN-{n:06d}", tag=f"BRN-{n:06d}", lines=LONG_LINES)
            for n in range(1, count + 1)]


def test_required_formats_are_shipped():
    assert {"avery-l7160", "avery-l7163", "avery-l7651", "zweckform-3475", "avery-l7159",
            "brother-ql-62mm", "brother-ql-29x62"} <= set(FORMATS)


def test_grid_matches_the_published_geometry():
    l7160 = all_formats()["avery-l7160"]
    assert (l7160.columns, l7160.rows, l7160.per_page) == (3, 7, 21)
    x, y = l7160.cell(0)
    assert x == pytest.approx(7.2) and y == pytest.approx(297 - 15.15 - 38.1)
    x, y = l7160.cell(20)  # bottom-right
    assert x == pytest.approx(7.2 + 2 * 66.04) and y == pytest.approx(297 - 15.15 - 7 * 38.1)


@pytest.mark.parametrize("field,value,message", [
    ("columns", 0, "columns"), ("label_width", "wide", "label_width"),
    ("rows", 99, "rows"), ("kind", "scroll", "kind"), ("top_margin", -1, "top_margin"),
])
def test_malformed_format_names_file_and_field(field, value, message):
    data = {"title": "x", "kind": "sheet", "page_width": 210, "page_height": 297,
            "columns": 3, "rows": 7, "label_width": 63.5, "label_height": 38.1,
            "left_margin": 7.2, "top_margin": 15.1, "horizontal_pitch": 66.04,
            "vertical_pitch": 38.1, field: value}
    with pytest.raises(FormatError) as error:
        parse_format("broken-sheet", data)
    assert "labels/broken-sheet.toml" in str(error.value)
    assert message in str(error.value)


def test_unreadable_format_file_is_reported(tmp_path):
    bad = tmp_path / "typo.toml"
    bad.write_text("title = \"x\"\ncolumns = [", encoding="utf-8")
    with pytest.raises(FormatError, match="labels/typo.toml"):
        load_format_file(bad)


def test_qr_is_small_and_robust():
    matrix = qr_matrix(f"{BASE}/a/BRN-000123")
    assert len(matrix) in (33, 37)  # version 4 or 5 at level Q: as small as the URL allows
    assert len(matrix) >= 21  # never a Micro QR


def test_too_small_labels_are_refused():
    assert smallest_module(15, 10, f"{BASE}/a/BRN-000001") < MIN_MODULE_MM
    with pytest.raises(LabelTooSmall):
        layout_label(15, 10, _contents(1)[0])


@pytest.mark.parametrize("name", FORMATS)
def test_every_element_stays_inside_its_cell(name):
    fmt = all_formats()[name]
    for content in _contents(3) + [LabelContent(url=f"{BASE}/a/X-1", tag="X-1", lines=())]:
        layout = layout_label(fmt.label_width, fmt.label_height, content)
        qr = layout.qr
        assert qr.x >= -1e-9 and qr.x + qr.side <= fmt.label_width + 1e-6
        assert qr.y >= -1e-9 and qr.y + qr.side <= fmt.label_height + 1e-6
        assert qr.module >= MIN_MODULE_MM
        for text in layout.texts:
            assert text.x >= qr.side - qr.module * QUIET_ZONE  # never over the code
            assert text.x + text.width <= fmt.label_width + 1e-6, (name, text)
            assert text.size / 72 * 25.4 * 0.2 <= text.y, (name, text)  # descenders inside
            assert text.y + text.size / 72 * 25.4 * 0.75 <= fmt.label_height + 1e-6, (name, text)
        assert layout.texts[0].text.startswith("BRN-") or layout.texts[0].text == "X-1"


def _decode_sheet(name: str, dpi: int) -> list[str | None]:
    fmt = all_formats()[name]
    contents = _contents(fmt.per_page)
    buffer = io.BytesIO()
    render_labels(fmt, contents, buffer)
    page = pdfium.PdfDocument(buffer.getvalue())[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    px = dpi / 25.4
    decoded = []
    for position in range(fmt.per_page):
        x, y = fmt.cell(position)
        top = fmt.page_height - y - fmt.label_height
        cell = image.crop((round(x * px), round(top * px), round((x + fmt.label_width) * px),
                           round((top + fmt.label_height) * px)))
        results = zxingcpp.read_barcodes(cell, formats=zxingcpp.BarcodeFormat.QRCode)
        decoded.append(results[0].text if len(results) == 1 else None)
    return decoded


@pytest.mark.parametrize("dpi", [300, 150])
@pytest.mark.parametrize("name", FORMATS)
def test_every_label_of_every_format_decodes(name, dpi):
    """Each cell is cropped from the rasterized page and decoded alone by a real decoder."""
    fmt = all_formats()[name]
    expected = [c.url for c in _contents(fmt.per_page)]
    assert _decode_sheet(name, dpi) == expected


def test_skip_leaves_used_positions_empty():
    fmt = all_formats()["avery-l7160"]
    buffer = io.BytesIO()
    pages = render_labels(fmt, _contents(21), buffer, skip=5)
    assert pages == 2
    page = pdfium.PdfDocument(buffer.getvalue())[0]
    image = page.render(scale=150 / 72).to_pil().convert("L")
    px = 150 / 25.4
    x, y = fmt.cell(0)
    top = fmt.page_height - y - fmt.label_height
    first = image.crop((round(x * px), round(top * px), round((x + fmt.label_width) * px),
                        round((top + fmt.label_height) * px)))
    assert first.getextrema() == (255, 255)  # an untouched position
    x, y = fmt.cell(5)
    top = fmt.page_height - y - fmt.label_height
    sixth = image.crop((round(x * px), round(top * px), round((x + fmt.label_width) * px),
                        round((top + fmt.label_height) * px)))
    assert zxingcpp.read_barcodes(sixth)[0].text == f"{BASE}/a/BRN-000001"


def test_too_small_message_names_the_smallest_format_that_works():
    from inventory.core import i18n
    from inventory.labels.service import too_small_message

    i18n.set_language("en")
    message = too_small_message(f"{BASE}/a/BRN-000001")
    assert "Avery L7651" in message  # the smallest shipped sheet a phone still reads


def test_a_tiny_format_is_refused_at_print_time():
    from inventory.labels.layout import LabelTooSmall

    tiny = parse_format("tiny", {
        "title": "Tiny", "kind": "sheet", "page_width": 210, "page_height": 297, "columns": 10,
        "rows": 25, "label_width": 18, "label_height": 10, "left_margin": 5, "top_margin": 5,
        "horizontal_pitch": 20, "vertical_pitch": 11})
    with pytest.raises(LabelTooSmall):
        render_labels(tiny, _contents(1), io.BytesIO())


def test_format_titles_follow_the_reader_language():
    from inventory.core import i18n
    from inventory.labels.formats import all_formats

    formats = all_formats()
    token = i18n.set_language("fr")
    try:
        french = {name: f.title for name, f in formats.items()}
    finally:
        i18n._current.reset(token)
    token = i18n.set_language("en")
    try:
        english = {name: f.title for name, f in formats.items()}
    finally:
        i18n._current.reset(token)
    assert french["avery-l7160"] == "Avery L7160 (A4, 3 × 7, 63,5 × 38,1 mm)"
    assert english["avery-l7160"] == "Avery L7160 (A4, 3 × 7, 63.5 × 38.1 mm)"
    # Every shipped format has its French title, without an English word or decimal point.
    for name, text in french.items():
        assert text != english[name] or "." not in text, name
        assert not any(w in text for w in ("die-cut", "continuous", "roll")), name
        assert not re.search(r"\d\.\d", text), name
