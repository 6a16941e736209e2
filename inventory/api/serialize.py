"""Stored rows as JSON, for what has no typed document (a page's conflict answered as JSON)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

# Columns kept for the service's own use (a folded search key), never shown.
INTERNAL_COLUMNS = frozenset({"search_text"})


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def stored_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as JSON (a conflict's current record), without internal columns."""
    return jsonable({k: v for k, v in row.items() if k not in INTERNAL_COLUMNS})
