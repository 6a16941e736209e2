"""The asset register's read queries as plain SQL (pure: builds strings, runs nothing).

The asset page and the list are the hottest paths; building these joins with Piccolo's
query builder cost more CPU than running them, so they are written once here, in SQL that
SQLite and PostgreSQL both accept ({} placeholders, as Piccolo's raw queries take).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from inventory.accounts.scope import Scope

JOINS = (
    "FROM asset "
    "JOIN category ON category.id = asset.category "
    "LEFT JOIN equipment_model ON equipment_model.id = asset.model "
    "JOIN site ON site.id = asset.site "
    "LEFT JOIN room ON room.id = asset.room"
)


class AssetRow(TypedDict):
    """A row of DETAIL_SELECT (or PAGE_SELECT): the asset's own columns (asset.*), then the
    names of what it points at. Both engines give the declared types (dates as dates,
    booleans as bools; tests/test_row_types.py). get_asset adds warranty_state."""

    id: int
    tag: str
    category: int
    model: int | None
    serial: str
    site: int
    room: int | None
    status: str
    purchase_date: dt.date | None
    purchase_price_cents: int | None
    supplier: str
    order_ref: str
    warranty_end: dt.date | None
    commissioning_date: dt.date | None
    eol_year_override: int | None
    eol_year: int | None
    holder: str
    hostname: str
    ip_address: str
    mac_address: str
    firmware: str
    notes: str
    search_text: str
    last_seen_on: dt.date | None
    replaces_id: int | None
    owner: int | None
    contract: int | None
    purchase: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    # Joined
    category_code: str
    category_name: str
    lifespan_years: int
    is_network: bool
    category_symptoms: str
    manufacturer: str | None  # no model: None
    model_name: str | None
    site_code: str
    site_name: str
    site_uai: str | None
    room_name: str | None  # no room: None
    owner_code: str | None
    # PAGE_SELECT's (EXISTS): 0 or 1 on SQLite, a bool on PostgreSQL; read as true or false
    has_interventions: NotRequired[bool | int]
    has_faults: NotRequired[bool | int]
    has_loans: NotRequired[bool | int]
    # Added by get_asset
    warranty_state: NotRequired[str]


DETAIL_COLUMNS = (
    "asset.*, category.code AS category_code, category.name AS category_name, "
    "category.lifespan_years AS lifespan_years, category.is_network AS is_network, "
    "category.symptoms AS category_symptoms, "
    "equipment_model.manufacturer AS manufacturer, equipment_model.name AS model_name, "
    "site.code AS site_code, site.name AS site_name, site.uai AS site_uai, "
    "room.name AS room_name, "
    "(SELECT code FROM organisation WHERE organisation.id = asset.owner) AS owner_code"
)
DETAIL_SELECT = f"SELECT {DETAIL_COLUMNS} {JOINS}"
# The asset page's row: also whether the device has any intervention, fault or loan, so the
# page reads those only when there are some (most devices have none: 3 round trips fewer
# to PostgreSQL). Index probes on each table's `asset` column.
PAGE_SELECT = (
    f"SELECT {DETAIL_COLUMNS}, "
    "EXISTS (SELECT 1 FROM intervention WHERE intervention.asset = asset.id) "
    "AS has_interventions, "
    "EXISTS (SELECT 1 FROM fault WHERE fault.asset = asset.id) AS has_faults, "
    f"EXISTS (SELECT 1 FROM loan WHERE loan.asset = asset.id) AS has_loans {JOINS}"
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


# SQLite's substring index over asset.search_text (FTS5, trigram tokenizer; m0029). On
# PostgreSQL the same migration's pg_trgm GIN index serves the LIKE itself.
SEARCH_TABLE = "asset_search"


@dataclass(frozen=True)
class Search:
    """A free-text search, resolved: the LIKE pattern (assets.rules.like_pattern) for the
    assets' own fields, on SQLite the FTS5 query that narrows the rows the LIKE reads
    (assets.rules.narrowing_query; None to read them all), the models whose names match, and
    the room names that match (names, not ids: a région's thousands of rooms share a few
    hundred names, and the database finds the rooms)."""

    pattern: str
    model_ids: tuple[int, ...] = ()
    room_names: tuple[str, ...] = ()
    narrowing: str | None = None
    # False (PostgreSQL) for a term shorter than a trigram: no substring index can help,
    # and PostgreSQL, offered its GIN index for it, would read all of that index and then
    # every row (three times slower than reading the table), so the LIKE is kept off it.
    indexed: bool = True
    # PostgreSQL: the matching rooms' ids as one array (`room = ANY(ARRAY(...))`), which its
    # planner looks up in the room index beside the others; an `IN (subquery)` in the OR was
    # a filter on every row of the school (2,799 heap pages for "Classe 3", now 795).
    rooms_as_array: bool = False

    @property
    def by_index(self) -> bool:
        """Whether its matches are found through indexes (trigrams, models, rooms) rather
        than by reading every row in reach."""
        return self.narrowing is not None or bool(self.model_ids or self.room_names)


def trigram_counts(count: int, cap: int) -> str:
    """One read giving, for `count` FTS5 queries (each one trigram), how many assets hold
    it, counted up to `cap` (each count stops there, so a trigram every asset holds costs
    little more than a rare one), and the fleet's size."""
    one = (f"(SELECT COUNT(*) FROM (SELECT 1 FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} "
           f"MATCH {{}} LIMIT {int(cap)}))")
    # With the fleet's size (the largest id: one step down the table's b-tree).
    return "SELECT " + ", ".join([*(f"{one} AS n{i}" for i in range(count)),
                                  "(SELECT MAX(id) FROM asset) AS fleet"])


def where(f, scope: Scope, on: dt.date, search: Search | None = None,
          tags: tuple[str, ...] = (), indexed: bool = True) -> tuple[str, list[Any]]:
    """The filter `f` (an AssetFilter) and the person's scope as a WHERE clause.

    Site and category codes become ids in scalar subqueries, so both engines can use the
    composite (site, category, tag) index. A search (`f.q`, resolved as `search`) reads one
    column of asset, folded like the pattern, so no join is needed and the result does not
    depend on the engine's idea of case; each engine's substring index (m0029) finds the
    rows. `indexed=False` (SQLite) keeps the search's conditions off the indexes (a unary
    +), so that a search matching many assets is read by walking the tags in order."""
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
        plain = "" if indexed else "+"
        text = ("asset.search_text LIKE {} ESCAPE '\\'" if search.indexed
                else "(asset.search_text || '') LIKE {} ESCAPE '\\'")
        text_args: list[Any] = [search.pattern]
        if search.narrowing is not None:
            text = (f"({plain}asset.id IN (SELECT rowid FROM {SEARCH_TABLE} WHERE "
                    f"{SEARCH_TABLE} MATCH {{}}) AND {text})")
            text_args.insert(0, search.narrowing)
        alternatives = [text]
        if search.model_ids:
            alternatives.append(
                f"{plain}asset.model IN ({', '.join('{}' for _ in search.model_ids)})")
        if search.room_names:
            rooms = (f"SELECT id FROM room WHERE name IN "
                     f"({', '.join('{}' for _ in search.room_names)})")
            alternatives.append(f"asset.room = ANY(ARRAY({rooms}))" if search.rooms_as_array
                                else f"{plain}asset.room IN ({rooms})")
        add("(" + " OR ".join(alternatives) + ")",
            *text_args, *search.model_ids, *search.room_names)
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


def page_clause(limit: int, offset: int) -> str:
    """LIMIT and OFFSET written into the statement, not passed as parameters: PostgreSQL
    plans a prepared statement once (its generic plan) only when that plan costs no more
    than planning each time would, and with an unknown LIMIT it costs a full sort. The list's
    plan took 0.33 ms of its 0.4 ms; its values are the few pages people open."""
    return f" LIMIT {int(limit)} OFFSET {int(offset)}"


def search_page_sql(where: str, descending: bool, limit: int, offset: int) -> str:
    """A search's matches (`where`) counted and a page of them in tag order, in one read
    (arguments: where's). The matches are read once into the CTE; the page's rows are then
    read by id. Every row carries `total`; with no row on the page, one row of nulls
    carries it."""
    direction = "DESC" if descending else "ASC"
    return (f"WITH matched AS MATERIALIZED (SELECT asset.id, asset.tag FROM asset{where}) "
            "SELECT counted.total, page.* FROM (SELECT COUNT(*) AS total FROM matched) counted "
            f"LEFT JOIN ({LIST_SELECT} WHERE asset.id IN (SELECT id FROM matched ORDER BY tag "
            f"{direction}{page_clause(limit, offset)})) page ON TRUE ORDER BY page.tag {direction}")


def order_by(sort: str, descending: bool, tag_index: bool = True) -> str:
    """`tag_index=False` (SQLite only: PostgreSQL has no unary + for text) keeps SQLite from
    reading the rows in the tag index's order, so it reads a search's matches through the
    search's indexes and sorts them."""
    column = SORT_COLUMNS.get(sort, "asset.tag")
    if not tag_index and column == "asset.tag":
        return f" ORDER BY +asset.tag {'DESC' if descending else 'ASC'}"
    direction = "DESC" if descending else "ASC"
    tie = "" if column == "asset.tag" else ", asset.tag ASC"
    return f" ORDER BY {column} {direction}{tie}"

