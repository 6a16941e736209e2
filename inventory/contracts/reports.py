"""Members' cost reports as a CSV file for French Excel (UTF-8 with a BOM, semicolons,
decimal commas: exporting/columns.py's writer)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from inventory.contracts import shares
from inventory.core.formatters import format_cents
from inventory.core.i18n import _
from inventory.core.i18n import lazy_gettext as L
from inventory.exporting.columns import LITERAL, MONEY, TEXT, Column, TableWriter


def share_text(contract: Mapping[str, Any], share: int | None) -> str:
    if share is None:
        return ""
    if contract["share_mode"] == shares.PERCENT:
        return shares.bp_input(share) + "\u00a0%"
    return format_cents(share)


def report_csv(contract: Mapping[str, Any], purchases: Sequence[Mapping[str, Any]],
               report: Sequence[Mapping[str, Any]]) -> bytes:
    """One line per member: its share, its part of the contract's amount, of each purchase
    and of all purchases; a last line of totals (equal to the contract's figures)."""
    columns = [
        Column("organisation", L("Code"), LITERAL),
        Column("name", L("Organisation")),
        Column("share", L("Share"), TEXT),
        Column("contract_cents", L("Share of the contract"), MONEY),
        *[Column(f"purchase_{p['id']}", _("Order %(ref)s") % {
            "ref": p["reference"] or p["id"]}, MONEY) for p in purchases],
        Column("purchases_cents", L("Share of the orders"), MONEY),
    ]
    out = io.BytesIO()
    writer = TableWriter("excel-csv", columns, out)
    for member in report:
        writer.append([member["code"], member["name"], share_text(contract, member["share"]),
                       member["contract_cents"],
                       *[member["purchases"].get(p["id"], 0) for p in purchases],
                       member["purchases_cents"]])
    writer.append(["", _("Total"), "", sum(m["contract_cents"] for m in report),
                   *[p["total_cents"] for p in purchases],
                   sum(m["purchases_cents"] for m in report)])
    writer.finish()
    return out.getvalue()
