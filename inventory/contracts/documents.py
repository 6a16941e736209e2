"""Contracts and purchases as the JSON API reads and answers them (see core/documents.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from inventory.contracts import shares
from inventory.core.documents import UNSET, Document, Input, Unset, Versioned, choice

ContractKind = choice("ContractKind", shares.KINDS)
ShareMode = choice("ShareMode", shares.SHARE_MODES)
Code = Annotated[str, msgspec.Meta(max_length=64)]


class MemberDocument(Document):
    """A member and its share: basis points (10000 = 100 %) when the contract's `share_mode`
    is `percent`, cents when it is `amount`. `cost_cents` is its part of the contract's
    amount (the parts add up to the amount to the cent)."""

    organisation: str  # the organisation's code
    name: str
    share: int
    cost_cents: int


class ContractDocument(Document):
    id: int
    reference: str
    title: str
    kind: ContractKind
    supplier: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    warranty_months: int | None
    maintenance_terms: str
    renewal_on: dt.date | None  # the maintenance contract's renewal date
    amount_cents: int
    share_mode: ShareMode
    owner: str  # the owning organisation's code
    members: list[MemberDocument]
    notes: str
    version: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> ContractDocument:
        costs = shares.member_costs(row["amount_cents"],
                                    [(m["organisation"], m["share"]) for m in row["members"]],
                                    row["owner"])
        members = [{"organisation": m["organisation_code"], "name": m["organisation_name"],
                    "share": m["share"], "cost_cents": costs.get(m["organisation"], 0)}
                   for m in row["members"]]
        return cls.from_row(row, owner=row["owner_code"], members=members)


class ContractList(msgspec.Struct, kw_only=True):
    items: list[ContractDocument]
    next_cursor: str | None


class MemberInput(msgspec.Struct, kw_only=True):
    organisation: Code  # its code
    share: int  # basis points or cents, as the contract's share_mode


class ContractInput(Versioned, kw_only=True):
    """A creation needs `reference`. `members` replaces the whole list when sent; their
    shares must add up to 100 % (`percent`) or to `amount_cents` (`amount`)."""

    reference: str | Unset = UNSET
    title: str | Unset = UNSET
    kind: ContractKind | Unset = UNSET
    supplier: str | Unset = UNSET
    starts_on: dt.date | None | Unset = UNSET
    ends_on: dt.date | None | Unset = UNSET
    warranty_months: int | None | Unset = UNSET
    maintenance_terms: str | Unset = UNSET
    renewal_on: dt.date | None | Unset = UNSET
    amount_cents: int | Unset = UNSET
    share_mode: ShareMode | Unset = UNSET
    owner: Code | Unset = UNSET  # an organisation's code (default: the account's own)
    members: list[MemberInput] | Unset = UNSET
    notes: str | Unset = UNSET

    def fields(self) -> dict[str, Any]:
        values = super().fields()
        if "members" in values:
            values["members"] = [{"organisation": m.organisation, "share": m.share}
                                 for m in values["members"]]
        return values


class LineDocument(Document):
    description: str
    category: str | None  # the category's code
    quantity: int
    unit_price_cents: int
    total_cents: int


class PurchaseDocument(Document):
    id: int
    contract: int  # the contract's id
    contract_reference: str
    reference: str
    ordered_on: dt.date | None
    notes: str
    lines: list[LineDocument]
    total_cents: int
    version: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> PurchaseDocument:
        lines = [{**line, "category": line.get("category_code")} for line in row["lines"]]
        return cls.from_row(row, lines=lines)


class PurchaseList(msgspec.Struct, kw_only=True):
    items: list[PurchaseDocument]
    next_cursor: str | None


class LineInput(Input, kw_only=True):
    description: str
    category: Code | None | Unset = UNSET
    quantity: int | Unset = UNSET
    unit_price_cents: int | Unset = UNSET


class PurchaseInput(Versioned, kw_only=True):
    """A creation needs `contract`. `lines` replaces every line when sent."""

    contract: int | Unset = UNSET
    reference: str | Unset = UNSET
    ordered_on: dt.date | None | Unset = UNSET
    notes: str | Unset = UNSET
    lines: list[LineInput] | Unset = UNSET

    def fields(self) -> dict[str, Any]:
        values = super().fields()
        if "lines" in values:
            values["lines"] = [line.fields() for line in values["lines"]]
        return values
