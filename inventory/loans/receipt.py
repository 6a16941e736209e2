"""The loan receipt the person signs, as a one-page A4 PDF (reportlab, as the labels), in the
language the caller set. Pure: a loan's row in, PDF bytes out."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from inventory.core.formatters import format_date
from inventory.core.i18n import _
from inventory.loans import rules

_LEFT = 20 * mm
_WIDTH = A4[0] - 2 * _LEFT


def _wrapped(canvas: Canvas, text: str, y: float, size: float = 10.5) -> float:
    """Draw `text` within the margins, word-wrapped; returns the next line's height."""
    canvas.setFont("Helvetica", size)
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if canvas.stringWidth(candidate, "Helvetica", size) > _WIDTH and line:
                canvas.drawString(_LEFT, y, line)
                y -= size * 1.4
                line = word
            else:
                line = candidate
        canvas.drawString(_LEFT, y, line)
        y -= size * 1.4
    return y


def receipt_pdf(loan: Mapping[str, Any], owner: str, organisations: list[str]) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    canvas.setTitle(_("Loan receipt") + f" {loan['asset_tag']}")
    y = A4[1] - 25 * mm
    if owner:
        canvas.setFont("Helvetica", 10)
        canvas.drawString(_LEFT, y, owner)
        y -= 12 * mm
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(_LEFT, y, _("Loan receipt"))
    y -= 12 * mm
    device = " ".join(x for x in (loan.get("category_name"), loan.get("model_name")) if x)
    rows = [
        (_("Device"), f"{device} ({loan['asset_tag']})"),
        (_("Lent to"), loan["person_name"] or _("a former holder")),
        (_("Lent on"), format_date(loan["out_on"])),
        (_("Return"), _("For the term of office") if loan["for_term"]
         else format_date(loan["due_on"])),
        (_("Condition"), loan["out_condition"] or "—"),
        (_("Accessories"), ", ".join(rules.lines(loan["accessories"])) or "—"),
        (_("For"), ", ".join(organisations) or "—"),
    ]
    for label, value in rows:
        canvas.setFont("Helvetica-Bold", 10.5)
        canvas.drawString(_LEFT, y, label)
        canvas.setFont("Helvetica", 10.5)
        canvas.drawString(_LEFT + 40 * mm, y, str(value)[:90])
        y -= 7 * mm
    y -= 6 * mm
    y = _wrapped(canvas, _(
        "I received the device and accessories above in the condition stated. I will use it "
        "for my duties, take care of it and return it, with its accessories, at the end of "
        "the loan or of my term of office, or when asked."), y)
    y -= 15 * mm
    canvas.setFont("Helvetica", 10.5)
    canvas.drawString(_LEFT, y, _("Date:"))
    canvas.drawString(_LEFT + _WIDTH / 2, y, _("Signature:"))
    canvas.showPage()
    canvas.save()
    return out.getvalue()
