"""Pure rules for people and loans: what a check-out, a check-in and a person must say,
when a loan is overdue, when a person's data may go, and the acknowledgment tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from typing import Any

from inventory.core import parsers as v
from inventory.core.errors import Collector
from inventory.core.i18n import _

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# How long the emailed acknowledgment link works.
ACKNOWLEDGE_DAYS = 14
DEFAULT_RETENTION_MONTHS = 24


def clean_person(raw: Mapping[str, Any]) -> dict[str, Any]:
    c = Collector()
    c.field("name", v.text, raw.get("name"), required=True, max_length=200)
    c.field("mandates", v.lines, raw.get("mandates"))
    email = c.field("email", v.text, raw.get("email"), max_length=254)
    if email and not _EMAIL.match(email):
        c.error("email", _("Enter an email address such as name@example.org."))
    c.raise_if_any()
    return c.values


def clean_check_out(raw: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    """A check-out's fields: lent on (not in the future), condition, accessories, and a due
    date or "for the term of office"."""
    c = Collector()
    out_on = c.field("out_on", v.date, raw.get("out_on") or today.isoformat())
    if out_on and out_on > today:
        c.error("out_on", _("A loan cannot start in the future."))
    c.field("out_condition", v.text, raw.get("out_condition"), max_length=200)
    c.field("accessories", v.lines, raw.get("accessories"))
    _return_terms(c, raw, out_on)
    c.field("notes", v.text, raw.get("notes"), max_length=5000, multiline=True)
    c.raise_if_any()
    return c.values


def clean_loan_update(raw: Mapping[str, Any], out_on: dt.date) -> dict[str, Any]:
    """What may change on a loan once made: its return date (or "for the term") and notes;
    only the fields `raw` names."""
    c = Collector()
    if "notes" in raw:
        c.field("notes", v.text, raw.get("notes"), max_length=5000, multiline=True)
    if "for_term" in raw or "due_on" in raw:
        _return_terms(c, raw, out_on)
    c.raise_if_any()
    return c.values


def _return_terms(c: Collector, raw: Mapping[str, Any], out_on: dt.date | None) -> None:
    """When the device comes back: a due date after `out_on`, or "for the term of office"."""
    for_term = str(raw.get("for_term", "")).lower() in ("1", "true", "on", "yes")
    c.values["for_term"] = for_term
    due_on = c.field("due_on", v.date, raw.get("due_on"))
    if for_term:
        c.values["due_on"] = None
    elif due_on is None and "due_on" not in c.errors:
        c.error("due_on", _("Give a return date, or tick “for the term of office”."))
    elif due_on and out_on and due_on < out_on:
        c.error("due_on", _("The return date comes before the loan starts."))


def clean_check_in(raw: Mapping[str, Any], today: dt.date, out_on: dt.date) -> dict[str, Any]:
    c = Collector()
    returned_on = c.field("returned_on", v.date, raw.get("returned_on") or today.isoformat())
    if returned_on and returned_on > today:
        c.error("returned_on", _("A device cannot come back in the future."))
    elif returned_on and returned_on < out_on:
        c.error("returned_on", _("The device came back before it was lent."))
    c.field("return_condition", v.text, raw.get("return_condition"), max_length=200)
    c.field("missing_accessories", v.lines, raw.get("missing_accessories"))
    c.raise_if_any()
    return c.values


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def is_overdue(loan: Mapping[str, Any], today: dt.date) -> bool:
    return (loan.get("returned_on") is None and loan.get("due_on") is not None
            and loan["due_on"] < today)


def months_before(today: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(today.day, 0, -1):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError(today)  # unreachable: day 1 always exists


def new_token() -> tuple[str, str]:
    """A single-use acknowledgment token and the hash kept of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
