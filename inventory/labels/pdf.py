"""Label sheets as vector PDF (reportlab): QR modules as one filled path per code."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from inventory.labels.formats import LabelFormat
from inventory.labels.layout import LabelContent, LabelLayout, layout_label
from inventory.labels.qr import QUIET_ZONE, dark_runs

# Binary (Flate only) streams: ASCII85 on top only makes files bigger and slower to write.
rl_config.useA85 = 0


@lru_cache(maxsize=4096)
def _qr_path(matrix: tuple[tuple[bool, ...], ...]) -> str:
    """The code's dark runs as one PDF path in module units (row 0 at the top), filled at
    once: whole numbers only, so it is small and quick to write."""
    ops = [f"{column} {-row - 1} {length} 1 re" for row, column, length in dark_runs(matrix)]
    return "\n".join(ops) + "\nf"


def _draw_label(canvas: Canvas, layout: LabelLayout, x0: float, y0: float) -> None:
    qr = layout.qr
    m = qr.module
    n = len(qr.matrix)
    # Top-left of the first module, inside the quiet zone.
    left = x0 + qr.x + QUIET_ZONE * m
    top = y0 + qr.y + (n + QUIET_ZONE) * m
    canvas.saveState()
    canvas.transform(m * mm, 0, 0, m * mm, left * mm, top * mm)
    canvas.addLiteral(_qr_path(qr.matrix))
    canvas.restoreState()
    for item in layout.texts:
        canvas.setFont(item.font, item.size)
        canvas.drawString((x0 + item.x) * mm, (y0 + item.y) * mm, item.text)


def render_labels(fmt: LabelFormat, contents: Sequence[LabelContent], out: BinaryIO, *,
                  skip: int = 0, offset: tuple[float, float] = (0.0, 0.0),
                  title: str = "") -> int:
    """Draw `contents` on `fmt`, leaving the first `skip` positions of the first sheet
    empty (a partly used sheet). `offset` (mm, right and up) corrects a printer's shift.
    Returns the number of pages."""
    canvas = Canvas(out, pagesize=(fmt.page_width * mm, fmt.page_height * mm),
                    pageCompression=1, invariant=1)
    canvas.setTitle(title or fmt.title)
    canvas.setFillColorRGB(0, 0, 0)
    skip = max(0, skip) % fmt.per_page if fmt.per_page > 1 else 0
    pages = 0
    position = skip
    for content in contents:
        if position and position % fmt.per_page == 0:
            canvas.showPage()
        if position % fmt.per_page == 0 or pages == 0:
            pages = max(pages, position // fmt.per_page + 1)
        x, y = fmt.cell(position)
        _draw_label(canvas, layout_label(fmt.label_width, fmt.label_height, content),
                    x + offset[0], y + offset[1])
        position += 1
    if not contents:
        pages = 1
    canvas.showPage()
    canvas.save()
    return pages


def render_calibration(fmt: LabelFormat, out: BinaryIO, lines: Iterable[str],
                       offset: tuple[float, float] = (0.0, 0.0)) -> None:
    """One page with every cell outlined and millimetre rulers along the top and left
    edges, shifted by `offset` like the labels: print it on plain paper, hold it against a
    label sheet, and the shift to correct can be read off the rulers."""
    canvas = Canvas(out, pagesize=(fmt.page_width * mm, fmt.page_height * mm), invariant=1)
    canvas.setTitle(f"Calibration {fmt.title}")
    dx, dy = offset
    canvas.setLineWidth(0.2)
    for position in range(fmt.per_page):
        x, y = fmt.cell(position)
        canvas.rect((x + dx) * mm, (y + dy) * mm, fmt.label_width * mm, fmt.label_height * mm)
        canvas.line((x + dx + fmt.label_width / 2) * mm, (y + dy + fmt.label_height / 2 - 1) * mm,
                    (x + dx + fmt.label_width / 2) * mm, (y + dy + fmt.label_height / 2 + 1) * mm)
    canvas.setFont("Helvetica", 5)
    for x in range(0, int(fmt.page_width) + 1):  # ruler along the top edge
        length = 4 if x % 10 == 0 else (2.5 if x % 5 == 0 else 1.5)
        canvas.line(x * mm, fmt.page_height * mm, x * mm, (fmt.page_height - length) * mm)
        if x % 10 == 0 and 0 < x < fmt.page_width:
            canvas.drawCentredString(x * mm, (fmt.page_height - 6.5) * mm, str(x))
    for y in range(0, int(fmt.page_height) + 1):  # ruler along the left edge, from the top
        length = 4 if y % 10 == 0 else (2.5 if y % 5 == 0 else 1.5)
        top_y = (fmt.page_height - y) * mm
        canvas.line(0, top_y, length * mm, top_y)
        if y % 10 == 0 and 0 < y < fmt.page_height:
            canvas.drawString(5 * mm, top_y - 1.5, str(y))
    size = 7 if fmt.kind == "sheet" else 4
    lines = list(lines)
    canvas.setFont("Helvetica", size)
    widest = max((canvas.stringWidth(line, "Helvetica", size) for line in lines), default=0)
    step = size * 1.4
    box_h = step * len(lines) + 4
    box_y = fmt.page_height / 2 * mm - box_h / 2
    canvas.setFillColorRGB(1, 1, 1)  # the explanation stays readable over the outlines
    canvas.rect((fmt.page_width / 2) * mm - widest / 2 - 3, box_y, widest + 6, box_h,
                stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    text_y = box_y + box_h - step
    for line in lines:
        canvas.drawCentredString(fmt.page_width / 2 * mm, text_y, line)
        text_y -= step
    canvas.showPage()
    canvas.save()
