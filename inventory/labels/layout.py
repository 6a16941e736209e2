"""Where each element of a label goes. Pure: geometry and text fitting, no PDF, no DB.

A label holds the QR code (with its quiet zone) on the left, and on the right the tag in
large type, then what the device is, where it is, the owner's line and an optional support
phone. Text shrinks down to a floor, then is cut with an ellipsis; lines that still do not
fit are dropped from the least useful up. Nothing is ever placed outside its cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.pdfbase.pdfmetrics import stringWidth

from inventory.labels.qr import QUIET_ZONE, qr_matrix

PT_PER_MM = 72 / 25.4
MIN_MODULE_MM = 0.4  # below this, phone cameras start to miss codes
PADDING_MM = 1.2
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
ELLIPSIS = "…"


@dataclass(frozen=True)
class LabelContent:
    url: str
    tag: str
    lines: tuple[str, ...] = ()  # most important first: what it is, where, owner, phone


@dataclass(frozen=True)
class TextItem:
    text: str
    x: float  # mm from the cell's left
    y: float  # mm from the cell's bottom (baseline)
    size: float  # points
    font: str
    width: float  # mm actually used


@dataclass(frozen=True)
class QrItem:
    x: float
    y: float
    module: float  # mm
    matrix: tuple[tuple[bool, ...], ...]

    @property
    def side(self) -> float:
        """The whole symbol with its quiet zone, in mm."""
        return self.module * (len(self.matrix) + 2 * QUIET_ZONE)


@dataclass(frozen=True)
class LabelLayout:
    width: float
    height: float
    qr: QrItem
    texts: list[TextItem] = field(default_factory=list)


class LabelTooSmall(ValueError):
    def __init__(self, module_mm: float):
        super().__init__(f"QR modules of {module_mm:.2f} mm")
        self.module_mm = module_mm


def text_width_mm(text: str, font: str, size_pt: float) -> float:
    return stringWidth(text, font, size_pt) / PT_PER_MM


def fit_text(text: str, font: str, max_width: float, size: float, min_size: float
             ) -> tuple[str, float]:
    """The largest size from `size` down to `min_size` at which `text` fits `max_width`
    mm; if even `min_size` is too wide, the text is cut and ends with an ellipsis."""
    current = size
    while current >= min_size:
        if text_width_mm(text, font, current) <= max_width:
            return text, current
        current -= 0.25
    cut = text
    while cut and text_width_mm(cut + ELLIPSIS, font, min_size) > max_width:
        cut = cut[:-1]
    return (cut.rstrip() + ELLIPSIS) if cut else "", min_size


def qr_module_for(width: float, height: float, modules: int) -> float:
    side = min(height, width * 0.55)
    return side / (modules + 2 * QUIET_ZONE)


def layout_label(width: float, height: float, content: LabelContent) -> LabelLayout:
    matrix = qr_matrix(content.url)
    module = qr_module_for(width, height, len(matrix))
    if module < MIN_MODULE_MM:
        raise LabelTooSmall(module)
    qr = QrItem(x=0.0, y=(height - module * (len(matrix) + 2 * QUIET_ZONE)) / 2, module=module,
                matrix=matrix)
    # The QR's quiet zone already separates it from the text: text starts right after it.
    left = qr.side - module * QUIET_ZONE / 2
    text_width = width - left - PADDING_MM
    top = height - PADDING_MM
    bottom = PADDING_MM
    texts: list[TextItem] = []
    if text_width <= 2:
        return LabelLayout(width, height, qr, texts)

    # Sizes scale with the label's height, within readable bounds.
    tag_size = max(6.0, min(14.0, height * 0.42))
    line_size = max(5.0, min(8.0, height * 0.2))
    min_line_size = 5.0
    tag_text, tag_pt = fit_text(content.tag, BOLD, text_width, tag_size, 5.5)
    y = top - tag_pt / PT_PER_MM * 0.8
    texts.append(TextItem(tag_text, left, y, tag_pt, BOLD,
                          text_width_mm(tag_text, BOLD, tag_pt)))
    # One size for every secondary line (the largest at which they all fit, above a floor),
    # so the label reads evenly; a line still too long at the floor ends with an ellipsis.
    lines = [line for line in content.lines if line]
    while line_size > min_line_size and any(text_width_mm(line, REGULAR, line_size) > text_width
                                  for line in lines):
        line_size -= 0.25
    gap = line_size / PT_PER_MM * 1.18
    for line in lines:
        if y - gap < bottom:
            break  # no room left: the least important lines are left out
        y -= gap
        fitted, size = fit_text(line, REGULAR, text_width, line_size, line_size)
        if fitted:
            texts.append(TextItem(fitted, left, y, size, REGULAR,
                                  text_width_mm(fitted, REGULAR, size)))
    return LabelLayout(width, height, qr, texts)


def smallest_module(width: float, height: float, url: str) -> float:
    return qr_module_for(width, height, len(qr_matrix(url)))
