"""The rules of contracts, pure (no database, no HTTP): kinds, members' shares, how a cost is
split between members to the cent, and the warranty end a contract's terms give."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from inventory.core.errors import FieldError
from inventory.core.formatters import format_cents
from inventory.core.i18n import _
from inventory.core.i18n import lazy_gettext as L
from inventory.core.parsers import hundredths_of_percent

KINDS = {
    "marche": L("Public contract (marché)"),
    "accord_cadre": L("Framework agreement (accord-cadre)"),
    "ugap": L("UGAP order"),
    "groupement": L("Joint purchase (groupement de commandes)"),
}

PERCENT = "percent"  # shares in basis points: 10000 = 100 %
AMOUNT = "amount"  # shares in cents: they add up to the contract's amount
SHARE_MODES = {PERCENT: L("Percentages"), AMOUNT: L("Amounts")}
WHOLE = 10_000  # basis points in 100 %

# How far ahead the dashboard shows a contract's end or a maintenance renewal.
ALERT_DAYS = 90


def percent_to_bp(value: Any) -> int:
    """'33,34', '33.34 %', 25 -> basis points (3334, 2500); between 0 and 100 %."""
    if isinstance(value, bool):
        raise FieldError(_("Enter a percentage, such as 33,34."))
    amount = hundredths_of_percent(value, _("Enter a percentage, such as 33,34."),
                                   _("A percentage has at most two decimals."))
    if not 0 <= amount <= WHOLE:
        raise FieldError(_("Enter a percentage between 0 and 100."))
    return amount


def shares_problem(mode: str, shares: Sequence[int], amount_cents: int) -> str | None:
    """What is wrong with members' shares (None: they add up). No members is fine: the
    owner then bears the whole cost."""
    if not shares:
        return None
    total = sum(shares)
    if mode == PERCENT and total != WHOLE:
        return _("The members' shares add up to %(total)s, not %(whole)s.") % {
            "total": bp_input(total) + "\u00a0%", "whole": "100\u00a0%"}
    if mode == AMOUNT and total != amount_cents:
        return _("The members' shares add up to %(total)s, not the contract's amount "
                 "(%(amount)s).") % {"total": format_cents(total),
                                     "amount": format_cents(amount_cents)}
    return None


def bp_input(bp: int) -> str:
    """Basis points as a French percentage without its sign: 3334 -> '33,34', 2500 -> '25'."""
    whole, rest = divmod(bp, 100)
    return f"{whole},{rest:02d}".rstrip("0") if rest else str(whole)


def split(total_cents: int, weights: Sequence[int]) -> list[int]:
    """`total_cents` split in proportion to `weights` (largest-remainder rounding): whole
    cents that add up to the total exactly; equal remainders go to the earlier weight."""
    if total_cents < 0:
        raise ValueError("a negative total")
    weight_sum = sum(weights)
    if not weights:
        return []
    if weight_sum <= 0:
        raise ValueError("weights must add up to more than zero")
    floors, remainders = [], []
    for weight in weights:
        share, remainder = divmod(total_cents * weight, weight_sum)
        floors.append(share)
        remainders.append(remainder)
    left = total_cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def member_costs(total_cents: int, members: Sequence[tuple[Any, int]],
                 owner: Any = None) -> dict[Any, int]:
    """Each member's part of `total_cents` (a contract's amount, a purchase's, a device's
    replacement cost), by the members' shares (basis points or amounts: only their
    proportions count). Without members the owner bears it all."""
    if not members or sum(share for _m, share in members) <= 0:
        return {owner: total_cents}
    parts = split(total_cents, [share for _m, share in members])
    result: dict[Any, int] = {}
    for (member, _share), part in zip(members, parts, strict=True):
        result[member] = result.get(member, 0) + part
    return result


def replacement_cost_split(cost_cents: int, contract: Mapping[str, Any] | None,
                           owner: Any) -> dict[Any, int]:
    """A device's replacement cost split by its contract's members' shares (what renewal
    plans charge each organisation). `contract` is None for a device bought alone, or a
    mapping with `members`: [{"organisation": id, "share": n}, ...]."""
    members = [(m["organisation"], m["share"]) for m in (contract or {}).get("members", [])]
    return member_costs(cost_cents, members, owner)


def warranty_end(purchase_date: dt.date | None, months: int | None) -> dt.date | None:
    """The purchase date plus the contract's warranty months (the last day of a shorter
    month when the day does not exist: 31 January + 1 month = 28 or 29 February)."""
    if purchase_date is None or not months:
        return None
    month_index = purchase_date.month - 1 + months
    year, month = purchase_date.year + month_index // 12, month_index % 12 + 1
    day = min(purchase_date.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def line_total(quantity: int, unit_price_cents: int) -> int:
    return quantity * unit_price_cents


def due_soon(day: dt.date | None, today: dt.date, days: int = ALERT_DAYS) -> bool:
    """Is `day` within the next `days` days (today included)?"""
    return day is not None and today <= day <= today + dt.timedelta(days=days)


END = "end"
RENEWAL = "renewal"


def deadlines(contracts: Sequence[Mapping[str, Any]], today: dt.date,
              days: int = ALERT_DAYS) -> list[dict[str, Any]]:
    """What the dashboard announces: contracts ending and maintenance renewals within
    `days` days, soonest first."""
    found = []
    for contract in contracts:
        for what, column in ((END, "ends_on"), (RENEWAL, "renewal_on")):
            day = contract.get(column)
            if isinstance(day, str):  # SQLite gives dates as text
                day = dt.date.fromisoformat(day)
            if isinstance(day, dt.date) and due_soon(day, today, days):
                found.append({"contract": contract, "what": what, "on": day,
                              "days": (day - today).days})
    return sorted(found, key=lambda d: (d["on"], d["contract"]["reference"], d["what"]))
