"""Categories and models as the JSON API reads and answers them (see core/documents.py)."""

from __future__ import annotations

import msgspec

from inventory.core.documents import UNSET, Document, Unset, Versioned


class CategoryDocument(Document):
    code: str
    name: str
    lifespan_years: int
    replacement_cost_cents: int
    price_change_bp: int  # hundredths of a percent a year
    criticality: int  # 0..3
    is_interactive_display: bool
    is_network: bool
    version: int


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
