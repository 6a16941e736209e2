"""Cursor pagination shared by every list of the API: typed `limit` and `cursor` query
parameters and the {items, next_cursor} answer."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from litestar.params import Parameter

from inventory.core.errors import ValidationFailed
from inventory.core.i18n import _
from inventory.core.parsers import row_number

MAX_LIMIT = 500
DEFAULT_LIMIT = 100

Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description="Items per page")]
Cursor = Annotated[str | None, Parameter(
    max_length=200, description="The `next_cursor` of the previous page (opaque)")]


def encode_cursor(value: str | int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> str | None:
    """The position after which a list goes on."""
    if not raw:
        return None
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_",
                                validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed({"cursor": _("This cursor is not valid; start again without "
                                            "it.")}) from None


def int_cursor(raw: str | None) -> int:
    value = decode_cursor(raw)
    if value is None:
        return 0
    if row_number(value) is None:
        raise ValidationFailed({"cursor": _("This cursor is not valid; start again without it.")})
    return int(value)


def page_of(items: list[Any], key: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """A small collection (sites, rooms, categories, models, plans) paged like the large ones:
    ordered by `key`, after the cursor, at most `limit` items."""
    ordered = sorted(items, key=lambda item: getattr(item, key))
    if key == "id":
        after_id = int_cursor(cursor)
        ordered = [item for item in ordered if item.id > after_id]
    elif (after := decode_cursor(cursor)) is not None:
        ordered = [item for item in ordered if getattr(item, key) > after]
    page = ordered[:limit]
    more = len(ordered) > limit
    return {"items": page, "next_cursor": encode_cursor(getattr(page[-1], key)) if more
            else None}


Row = TypeVar("Row", bound=Mapping[str, Any])  # a dict, or a row's TypedDict


def cut(rows: list[Row], limit: int, key: str) -> tuple[list[Row], str | None]:
    """Rows read with limit + 1: the page, and the cursor of the next one (None at the end)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1][key]) if more else None


def cut_page(rows: list[Row], limit: int, document: Callable[[Row], Any],
             key: str = "id") -> dict[str, Any]:
    """Rows read with limit + 1 as a list's answer: {items: the page's rows as documents,
    next_cursor}."""
    rows, next_cursor = cut(rows, limit, key)
    return {"items": [document(row) for row in rows], "next_cursor": next_cursor}
