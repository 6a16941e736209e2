"""The asset register's read queries as plain SQL (pure: builds strings, runs nothing).

The asset page and the list are the hottest paths; building these joins with Piccolo's
query builder cost more CPU than running them, so they are written once here, in SQL that
SQLite and PostgreSQL both accept ({} placeholders, as Piccolo's raw queries take).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from inventory.accounts.scope import Scope

JOINS = (
    "FROM asset "
    "JOIN category ON category.id = asset.category "
    "LEFT JOIN equipment_model ON equipment_model.id = asset.model "
    "JOIN site ON site.id = asset.site "
    "LEFT JOIN room ON room.id = asset.room"
)
DETAIL_SELECT = (
    "SELECT asset.*, category.code AS category_code, category.name AS category_name, "
    "category.lifespan_years AS lifespan_years, category.is_network AS is_network, "
    "equipment_model.manufacturer AS manufacturer, equipment_model.name AS model_name, "
    "site.code AS site_code, site.name AS site_name, site.uai AS site_uai, "
    "room.name AS room_name, "
    "(SELECT code FROM organisation WHERE organisation.id = asset.owner) AS owner_code "
    + JOINS
)
LIST_SELECT = (
    "SELECT asset.tag, asset.status, asset.serial, asset.purchase_date, asset.eol_year, "
    "asset.warranty_end, category.code AS category_code, category.name AS category_name, "
    "equipment_model.manufacturer AS manufacturer, equipment_model.name AS model_name, "
    "site.code AS site_code, site.name AS site_name, room.id AS room_id, "
    "room.name AS room_name " + JOINS
)
SORT_COLUMNS = {
    "tag": "asset.tag",
    "category": "category.name",
    "model": "equipment_model.name",
    "site": "site.name",
    "room": "room.name",
    "status": "asset.status",
    "purchase_date": "asset.purchase_date",
    "eol_year": "asset.eol_year",
    "warranty_end": "asset.warranty_end",
}
WARRANTY_SOON_DAYS = 90


@dataclass(frozen=True)
class Search:
    """A free-text search, resolved: the LIKE pattern (assets.rules.like_pattern) for the
    assets' own fields, and the models and rooms whose names match."""

    pattern: str
    model_ids: tuple[int, ...] = ()
    room_ids: tuple[int, ...] = ()


def where(f, scope: Scope, on: dt.date, search: Search | None = None,
          tags: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
    """The filter `f` (an AssetFilter) and the person's scope as a WHERE clause.

    Site and category codes become ids in scalar subqueries, so both engines can use the
    composite (site, category, tag) index. A search (`f.q`, resolved as `search`) reads one
    column of asset, folded like the pattern, so no join is needed and the result does not
    depend on the engine's idea of case."""
    parts: list[str] = []
    args: list[Any] = []

    def add(sql: str, *values: Any) -> None:
        parts.append(sql)
        args.extend(values)

    in_scope, scope_args = scope.sql("asset.site")
    if scope.limited:
        add(in_scope, *scope_args)
    if tags:
        add("asset.tag IN (" + ", ".join("{}" for _ in tags) + ")", *tags)
    if search is not None:
        alternatives = ["asset.search_text LIKE {} ESCAPE '\\'"]
        for column, ids in (("asset.model", search.model_ids), ("asset.room", search.room_ids)):
            if ids:
                alternatives.append(f"{column} IN ({', '.join('{}' for _ in ids)})")
        add("(" + " OR ".join(alternatives) + ")",
            search.pattern, *search.model_ids, *search.room_ids)
    if f.site:
        add("asset.site = (SELECT id FROM site WHERE code = {})", f.site)
    if f.room:
        add("asset.room = {}", f.room)
    if f.category:
        add("asset.category = (SELECT id FROM category WHERE code = {})", f.category)
    if f.status == "active":
        add("asset.status != 'retired'")
    elif f.status:
        add("asset.status = {}", f.status)
    if f.eol == "past":
        add("asset.eol_year <= {} AND asset.status != 'retired'", on.year)
    elif f.eol:
        add("asset.eol_year = {}", int(f.eol))
    if f.warranty == "expired":
        add("asset.warranty_end < {}", on)
    elif f.warranty == "ending":
        add("asset.warranty_end >= {} AND asset.warranty_end <= {}", on,
            on + dt.timedelta(days=WARRANTY_SOON_DAYS))
    elif f.warranty == "active":
        add("asset.warranty_end >= {}", on)
    elif f.warranty == "none":
        add("asset.warranty_end IS NULL")
    return (" WHERE " + " AND ".join(parts)) if parts else "", args


def order_by(sort: str, descending: bool) -> str:
    column = SORT_COLUMNS.get(sort, "asset.tag")
    direction = "DESC" if descending else "ASC"
    tie = "" if column == "asset.tag" else ", asset.tag ASC"
    return f" ORDER BY {column} {direction}{tie}"

