"""Categories and models as the JSON API reads and answers them (see core/documents.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from inventory.core.documents import UNSET, Document, Unset, Versioned
from inventory.faults import symptoms
from inventory.faults.documents import Symptom


class CategoryDocument(Document):
    code: str
    name: str
    lifespan_years: int
    replacement_cost_cents: int
    price_change_bp: int  # hundredths of a percent a year
    criticality: int  # 0..3
    is_interactive_display: bool
    is_network: bool
    # What a fault report on one of its devices offers, in the order forms list them.
    symptoms: list[Symptom]
    version: int

    @classmethod
    def from_row(cls, row: Mapping[str, Any], **renamed: Any) -> CategoryDocument:
        return msgspec.convert({**row, "symptoms": symptoms.parse(row.get("symptoms")),
                                **renamed}, cls, strict=False)


class CategoryList(msgspec.Struct, kw_only=True):
    items: list[CategoryDocument]
    next_cursor: str | None


class CategoryInput(Versioned, kw_only=True):
    """A creation needs `code`, `name` and `lifespan_years`."""

    code: str | Unset = UNSET
    name: str | Unset = UNSET
    lifespan_years: int | Unset = UNSET
    replacement_cost_cents: int | Unset = UNSET
    price_change_bp: int | Unset = UNSET
    criticality: int | Unset = UNSET
    is_interactive_display: bool | Unset = UNSET
    is_network: bool | Unset = UNSET
    # Left out of a creation: the field's defaults for its code or kind. `other` is always
    # offered (added last if missing).
    symptoms: list[Symptom] | Unset = UNSET


class ModelDocument(Document):
    id: int
    category: str | None  # the category's code
    manufacturer: str
    name: str
    version: int


class ModelList(msgspec.Struct, kw_only=True):
    items: list[ModelDocument]
    next_cursor: str | None


class ModelInput(Versioned, kw_only=True):
    category: str | Unset = UNSET
    manufacturer: str | Unset = UNSET
    name: str | Unset = UNSET
