"""People and loans as the JSON API reads and answers them (see core/documents.py).
Organisations are named by their codes; mandates are a list (stored one per line)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import msgspec

from inventory.core.documents import UNSET, Document, Input, Unset, Versioned


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PersonDocument(Document):
    id: int
    name: str  # empty once anonymised
    mandates: list[str]
    email: str
    organisations: list[str]  # codes
    anonymised: bool
    version: int

    @classmethod
    def of(cls, row: dict[str, Any], codes: dict[int, str]) -> PersonDocument:
        return cls.from_row(row, mandates=_lines(row["mandates"]),
                            organisations=sorted(codes[o] for o in row["organisations"]),
                            anonymised=row["anonymised_at"] is not None)


class PersonList(msgspec.Struct, kw_only=True):
    items: list[PersonDocument]
    next_cursor: str | None


class PersonInput(Versioned, kw_only=True):
    """A creation needs `name`; an update (with `version`) sends what changes. Without
    `organisations`, a new person belongs to the installation's first organisation."""

    name: str | Unset = UNSET
    mandates: list[str] | Unset = UNSET
    email: str | Unset = UNSET
    organisations: list[str] | Unset = UNSET


class LoanDocument(Document):
    id: int
    asset: str  # the device's tag
    person: int
    person_name: str  # empty once the person is anonymised ("a former holder")
    organisations: list[str]  # the organisations the loan serves (codes)
    out_on: dt.date
    out_condition: str
    accessories: list[str]
    due_on: dt.date | None
    for_term: bool
    acknowledged_at: dt.datetime | None
    returned_on: dt.date | None
    return_condition: str
    missing_accessories: list[str]
    overdue: bool
    notes: str
    version: int

    @classmethod
    def of(cls, row: Mapping[str, Any], codes: dict[int, str], today: dt.date) -> LoanDocument:
        overdue = (row["returned_on"] is None and row["due_on"] is not None
                   and str(row["due_on"]) < today.isoformat())
        return cls.from_row(row, asset=row["asset_tag"], person_name=row["person_name"] or "",
                            accessories=_lines(row["accessories"]),
                            missing_accessories=_lines(row["missing_accessories"]),
                            organisations=sorted(codes[o] for o in row["organisations"]),
                            overdue=overdue)


class LoanList(msgspec.Struct, kw_only=True):
    items: list[LoanDocument]
    next_cursor: str | None


class LoanCreate(Input, kw_only=True):
    """A check-out: the device's tag, the person's id, and `due_on` or `for_term`. A person
    already holding a device of the same category is refused (400 on `person`) unless
    `confirm_second`. Without `organisations`, the loan serves all the person's."""

    asset: str
    person: int
    out_on: dt.date | Unset = UNSET
    out_condition: str | Unset = UNSET
    accessories: list[str] | Unset = UNSET
    due_on: dt.date | Unset = UNSET
    for_term: bool | Unset = UNSET
    organisations: list[str] | Unset = UNSET
    notes: str | Unset = UNSET
    confirm_second: bool | Unset = UNSET


class LoanReturn(Versioned, kw_only=True):
    """A check-in: the date (today if left out), condition, missing accessories."""

    returned_on: dt.date | Unset = UNSET
    return_condition: str | Unset = UNSET
    missing_accessories: list[str] | Unset = UNSET


class LoanAcknowledge(Versioned, kw_only=True):
    """The signed receipt came back."""


class LoanUpdate(Versioned, kw_only=True):
    """What may change on a loan once made: its notes."""

    notes: str | Unset = UNSET
