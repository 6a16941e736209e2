"""Assets: the register's operations (queries + rules), shared by pages and the JSON API."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from inventory.accounts.scope import Scope
from inventory.assets import queries, rules, scanning
from inventory.core import audit, clock, db, kept
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.db import (
    current_engine,
    fetch_all,
    fetch_bounded,
    fetch_small,
    insert_many,
)
from inventory.core.errors import Collector, Conflict, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import Asset, AssetModel, Category, ReservedTag, Room, Site, TagSequence
from inventory.organisations import service as organisations
from inventory.sites import service as site_service
from inventory.sites.rules import sort_rooms

# Fields a person edits (API names). Site and room change through move_asset, status
# through change_status, so each leaves its own kind of audit record.
EDIT_FIELDS = (
    "category", "model", "serial", "purchase_date", "purchase_price_cents", "supplier",
    "order_ref", "warranty_end", "commissioning_date", "eol_year_override", "holder",
    "hostname", "ip_address", "mac_address", "firmware", "notes", "contract", "purchase",
)
PAGE_SIZE = 50




# Validation


def clean_asset_fields(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse and check what can be checked without the database. Returns (values, errors);
    references come back as given (category code, model id, site code, room id)."""
    c = Collector()
    c.field("category", v.text, raw.get("category"), required=True, max_length=32)
    c.field("model", v.integer, raw.get("model"), minimum=1)
    c.field("serial", v.text, raw.get("serial"), max_length=120)
    purchase = c.field("purchase_date", v.date, raw.get("purchase_date"))
    if "purchase_price_eur" in raw:
        c.field("purchase_price_eur", v.euros_to_cents, raw.get("purchase_price_eur"))
        c.values["purchase_price_cents"] = c.values.pop("purchase_price_eur", None)
    else:
        c.field("purchase_price_cents", v.cents, raw.get("purchase_price_cents"))
    for name, length in (("supplier", 200), ("order_ref", 120), ("holder", 200),
                         ("hostname", 120), ("firmware", 60), ("notes", 5000)):
        c.field(name, v.text, raw.get(name), max_length=length, multiline=name == "notes")
    warranty = c.field("warranty_end", v.date, raw.get("warranty_end"))
    commissioning = c.field("commissioning_date", v.date, raw.get("commissioning_date"))
    c.field("eol_year_override", v.integer, raw.get("eol_year_override"), minimum=1990,
            maximum=2100)
    # The contract and the order that delivered it (ids; checked against the database).
    c.field("contract", v.integer, raw.get("contract"), minimum=1)
    c.field("purchase", v.integer, raw.get("purchase"), minimum=1)
    if purchase and warranty and warranty < purchase:
        c.error("warranty_end", _("The warranty cannot end before the purchase date."))
    if purchase and commissioning and commissioning < purchase:
        c.error("commissioning_date", _("Commissioning cannot come before the purchase date."))
    ip = c.field("ip_address", v.text, raw.get("ip_address"), max_length=45)
    if ip:
        try:
            c.values["ip_address"] = str(ipaddress.ip_address(ip))
        except ValueError:
            c.error("ip_address", _("Enter an IP address such as 10.0.12.5."))
    mac = c.field("mac_address", v.text, raw.get("mac_address"), max_length=17)
    if mac:
        try:
            c.values["mac_address"] = rules.normalise_mac(mac)
        except ValueError as error:
            c.error("mac_address", str(error))
    return c.values, c.errors


def clean_location(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    c = Collector()
    c.field("site", v.text, raw.get("site"), required=True, max_length=32)
    c.field("room", v.integer, raw.get("room"), minimum=1)
    return c.values, c.errors


@dataclass
class Resolved:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    lifespan_years: int | None = None


async def _resolve(values: dict[str, Any], errors: dict[str, str], scope: Scope | None = None,
                   kept: Mapping[str, Any] | None = None) -> Resolved:
    """Turn codes into ids and check that model, category, site and room agree; the
    contract and order must be ones `scope` sees, unless they are the device's already
    (`kept`: its stored contract and purchase)."""
    out = Resolved(values=dict(values), errors=dict(errors))
    if "category" in values and values["category"] and "category" not in errors:
        category = await Category.select(Category.id, Category.lifespan_years).where(
            Category.code == values["category"].upper()).first().run()
        if category is None:
            out.errors["category"] = _("Choose one of the proposed values.")
        else:
            out.values["category"] = category["id"]
            out.lifespan_years = category["lifespan_years"]
            if values.get("model") and "model" not in errors:
                model = await AssetModel.select(AssetModel.category).where(
                    AssetModel.id == values["model"]).first().run()
                if model is None:
                    out.errors["model"] = _("Choose one of the proposed values.")
                elif model["category"] != category["id"]:
                    out.errors["model"] = _("This model belongs to another category.")
    if "site" in values and "site" not in errors:
        site = await Site.select(Site.id).where(Site.code == values["site"].upper()).first().run()
        if site is None:
            out.errors["site"] = _("Choose one of the proposed values.")
        else:
            out.values["site"] = site["id"]
            if values.get("room") and "room" not in errors:
                room = await Room.select(Room.site).where(Room.id == values["room"]).first().run()
                if room is None or room["site"] != site["id"]:
                    out.errors["room"] = _("This room is not in the chosen site.")
    await _resolve_contract(out, scope, kept or {})
    return out


async def _resolve_contract(out: Resolved, scope: Scope | None, kept: Mapping[str, Any]
                            ) -> None:
    """The purchase names its contract (given alone, the purchase sets it); a device whose
    warranty end is empty gets its contract's warranty terms from the purchase date."""
    from inventory.contracts import service as contracts
    from inventory.contracts.shares import warranty_end
    from inventory.core.tables import Contract, Purchase

    async def seen(name: str, row_id: int) -> bool:
        if scope is None or kept.get(name) == row_id:  # a link kept stays, whoever edits
            return True
        found = await contracts.links(row_id if name == "contract" else None,
                                      row_id if name == "purchase" else None, scope)
        return found[name] is not None

    values, errors = out.values, out.errors
    if values.get("purchase") and "purchase" not in errors:
        purchase = await Purchase.select(Purchase.contract).where(
            Purchase.id == values["purchase"]).first().run()
        if purchase is None or not await seen("purchase", values["purchase"]):
            errors["purchase"] = _("Choose one of the proposed values.")
        elif not values.get("contract"):
            values["contract"] = purchase["contract"]
        elif values["contract"] != purchase["contract"]:
            errors["purchase"] = _("This order belongs to another contract.")
    if values.get("contract") and "contract" not in errors:
        contract = await Contract.select(Contract.warranty_months).where(
            Contract.id == values["contract"]).first().run()
        if contract is None or not await seen("contract", values["contract"]):
            errors["contract"] = _("Choose one of the proposed values.")
        elif not values.get("warranty_end") and "warranty_end" not in errors:
            values["warranty_end"] = warranty_end(values.get("purchase_date"),
                                                  contract["warranty_months"])


async def _check_serial(values: Mapping[str, Any], errors: dict[str, str],
                        exclude_id: int | None = None) -> None:
    if not values.get("serial") or not values.get("model") or "serial" in errors:
        return
    query = Asset.exists().where(
        (Asset.serial == values["serial"]) & (Asset.model == values["model"]))
    if exclude_id is not None:
        query = query.where(Asset.id != exclude_id)
    if await query.run():
        errors["serial"] = _("Another asset of this model already has this serial number.")


def _with_eol(values: dict[str, Any], lifespan: int | None) -> dict[str, Any]:
    values["eol_year"] = rules.end_of_life_year(
        lifespan_years=lifespan,
        purchase_date=values.get("purchase_date"),
        commissioning_date=values.get("commissioning_date"),
        override=values.get("eol_year_override"),
    )
    return values


# Tags


async def _ensure_sequence(prefix: str) -> None:
    if not await TagSequence.exists().where(TagSequence.prefix == prefix).run():
        await TagSequence.insert(TagSequence(prefix=prefix, last_value=0)).run()


async def take_numbers(prefix: str, count: int) -> int:
    """Take the next `count` numbers of `prefix`'s sequence at once; returns the last one.
    Numbers are never handed out twice, even when an asset is later retired or deleted.
    Must run inside audit.atomic()."""
    await _ensure_sequence(prefix)
    row = await TagSequence.raw(
        "UPDATE tag_sequence SET last_value = last_value + {} WHERE prefix = {} "
        "RETURNING last_value", count, prefix).run()
    return row[0]["last_value"]


async def next_tag(prefix: str, digits: int) -> str:
    """The next tag of `prefix`'s sequence. Must run inside audit.atomic()."""
    return rules.format_tag(prefix, await take_numbers(prefix, 1), digits)


async def advance_sequence(prefix: str, number: int) -> None:
    """Tags of our series given from outside (a file, the demo) move the sequence past
    them, so a new asset never receives one of them. Must run inside audit.atomic()."""
    await _ensure_sequence(prefix)
    await TagSequence.raw(
        "UPDATE tag_sequence SET last_value = {} WHERE prefix = {} AND last_value < {}",
        number, prefix, number).run()


# Queries


async def in_scope_since(tag: str, scope: Scope) -> dt.datetime | None:
    """When the device last came into the person's sites, if it was ever elsewhere: what
    happened to it before (interventions, faults) is not theirs to read."""
    if not scope.limited:
        return None
    entries = await audit.history("asset", rules.normalise_tag(tag))
    return rules.history_for_scope(entries, scope.allows)[1]


async def away_from_scope(asset_tag: str, scope: Scope) -> list[tuple[Any, Any]]:
    """When the device was at sites the person does not see (rules.away_stretches): [] for
    a person who sees every site."""
    if not scope.limited:
        return []
    entries = await audit.history("asset", rules.normalise_tag(asset_tag))
    return rules.away_stretches(entries, scope.allows)


async def get_asset(tag: str, scope: Scope, *, for_page: bool = False) -> queries.AssetRow:
    """One asset by tag; an asset outside the person's sites does not exist for them.
    `for_page`: with has_interventions, has_faults and has_loans (queries.PAGE_SELECT)."""
    select = queries.PAGE_SELECT if for_page else queries.DETAIL_SELECT
    found = await fetch_small(select + " WHERE asset.tag = {}", rules.normalise_tag(tag),
                              row=queries.AssetRow)
    asset = found[0] if found else None
    if asset is None or not scope.allows(asset["site"]):
        raise NotFound(tag)
    asset["warranty_state"] = rules.warranty_state(asset["warranty_end"], clock.today())
    return asset


# A device's whole history, for a reader who sees only some sites (the stretches elsewhere
# are folded into one entry before paging): far more than any device gathers.
_WHOLE_HISTORY = 100_000


@dataclass(frozen=True)
class AssetHistory:
    """A page of a device's history, newest first."""
    entries: list[dict[str, Any]]
    more: bool  # older records remain
    # When the device last came into the reader's sites (in_scope_since), read from the
    # same records: None for a reader who sees every site.
    in_scope_since: dt.datetime | None = None


async def history_entries(tag: str, scope: Scope, limit: int, before: int | None = None
                          ) -> AssetHistory:
    """A page of the asset's audit records, newest first: `limit` records older than the
    record `before` (an id). A person who sees only some sites reads the time the device
    spent elsewhere as one record (rules.history_for_scope). Shared by the asset's page,
    its history page and the API."""
    key = rules.normalise_tag(tag)
    since = None
    if scope.limited:
        entries = await audit.history("asset", key, limit=_WHOLE_HISTORY)
        entries, since = rules.history_for_scope(entries, scope.allows)
        entries = [e for e in entries if not before or e["id"] < before][:limit + 1]
    else:
        entries = await fetch_small(
            audit.RECORD_COLUMNS + "WHERE entity_key = {} AND entity = 'asset' "
            + ("AND id < {} " if before else "") + "ORDER BY id DESC LIMIT {}",
            key, *([before] if before else []), limit + 1)
        for entry in entries:
            if isinstance(entry["changes"], str):
                entry["changes"] = json.loads(entry["changes"])
    return AssetHistory(entries[:limit], len(entries) > limit, since)


async def history(tag: str, scope: Scope, limit: int, before: int | None = None
                  ) -> AssetHistory:
    """history_entries() as people read them: ids of sites, rooms, models and categories
    shown by name, statuses, amounts and dates in words."""
    from inventory.history.words import readable

    page = await history_entries(tag, scope, limit, before)
    return AssetHistory(await readable(page.entries), page.more, page.in_scope_since)


async def tag_exists(tag: str, scope: Scope) -> bool:
    """Whether the reader may open this very tag."""
    in_scope, args = scope.sql("asset.site")
    return bool(await fetch_small(f"SELECT 1 AS one FROM asset WHERE asset.tag = {{}} AND "
                                  f"{in_scope}", rules.normalise_tag(tag), *args))


async def tags_numbered(prefix: str, number: int, scope: Scope, limit: int = 2) -> list[str]:
    """Tags (at most `limit`) of the reader's sites whose number is `number`, of `prefix` or,
    without one, of any prefix: "23" finds BRN-000023 (scanning.typed_number)."""
    in_scope, args = scope.sql("asset.site")
    if prefix:
        wanted = scanning.numbered_tags(prefix, number)
        match = "asset.tag IN (" + ", ".join("{}" for _ in wanted) + ")"
    else:  # any prefix: a few LIKE patterns on the unique tags (digits only, no wildcard)
        wanted = ["%" + tag.removeprefix("X") for tag in scanning.numbered_tags("X", number)]
        match = "(" + " OR ".join("asset.tag LIKE {}" for _ in wanted) + ")"
    rows = await fetch_all(f"SELECT asset.tag FROM asset WHERE {match} AND {in_scope} "
                           "ORDER BY asset.tag LIMIT {}", *wanted, *args, limit)
    return [row["tag"] for row in rows]


@dataclass(frozen=True)
class AssetFilter:
    q: str = ""
    site: str = ""
    room: int | None = None
    category: str = ""
    status: str = ""
    eol: str = ""  # a year, or "past" for assets at or beyond end of life
    warranty: str = ""  # "expired", "ending", "active", "none"
    sort: str = "tag"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> AssetFilter:
        """Lenient: a filter value that cannot be read is dropped, never an error page."""
        def get(name: str) -> str:
            value = params.get(name)  # without control characters (PostgreSQL refuses NUL)
            return v.clean_text(value).strip() if isinstance(value, str) else ""

        room = get("room")
        page = get("page")
        sort = get("sort")
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        return cls(
            q=get("q")[:100],
            site=get("site").upper(),
            room=v.row_number(room),
            category=get("category").upper(),
            status=get("status") if get("status") in rules.STATUSES or get("status") == "active"
            else "",
            eol=get("eol") if get("eol") == "past" or v.row_number(get("eol")) is not None else "",
            warranty=get("warranty") if get("warranty") in {"expired", "ending", "active", "none"}
            else "",
            sort=sort if sort in queries.SORT_COLUMNS else "tag",
            descending=descending,
            page=max(1, min(int(page), 100_000)) if page.isdigit() else 1,
        )

    def query_args(self, **overrides: Any) -> dict[str, str]:
        """The filter as URL parameters (without empty ones), for links and bookmarks."""
        values = {
            "q": self.q, "site": self.site, "room": self.room or "", "category": self.category,
            "status": self.status, "eol": self.eol, "warranty": self.warranty,
            "sort": ("-" if self.descending else "") + self.sort if self.sort != "tag"
            or self.descending else "",
            "page": self.page if self.page > 1 else "",
        }
        values.update(overrides)
        return {k: str(val) for k, val in values.items() if val not in ("", None)}

    def sort_args(self, key: str) -> dict[str, str]:
        """The URL parameters of a column header's link: the first page sorted by `key`,
        descending when the list is already sorted by it in ascending order."""
        target = ("-" if self.sort == key and not self.descending else "") + key
        return self.query_args(sort=target if target != "tag" else "", page="")


@dataclass
class AssetPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


async def _detail_rows(where: str, args: list[Any]) -> list[queries.AssetRow]:
    """Rows of DETAIL_SELECT (as get_asset reads them) for `where` and what follows it."""
    return await fetch_all(queries.DETAIL_SELECT + where, *args, row=queries.AssetRow)


async def _list_rows(f: AssetFilter, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    # A free-text search reads every row of its sites: straight to a pooled connection.
    # Other filters usually take well under a millisecond: tried on the loop's thread first.
    if f.q:
        return await fetch_all(sql, *args)
    return await fetch_bounded(sql, *args)


async def resolve_search(text: str) -> queries.Search | None:
    """The typed search as the list's WHERE clause reads it: models and rooms are few, so
    their names are read afresh, folded (from a cache of names) and matched here (a
    renamed room or model, or a device moved, is found by its new name at once). The
    assets' own fields are read through each engine's substring index (m0029)."""
    folded = rules.fold(text)
    if not folded:
        return None
    postgres = current_engine().engine_type == "postgres"
    models = await fetch_small("SELECT id, manufacturer, name FROM equipment_model")
    # Each room name once: a région's rooms read as rows cost ~2.5 µs each on every search.
    room_names = await fetch_small("SELECT DISTINCT name FROM room")
    return queries.Search(
        pattern=rules.like_pattern(text),
        model_ids=tuple(m["id"] for m in models
                        if folded in _folded_name(f"{m['manufacturer']} {m['name']}")),
        room_names=tuple(r["name"] for r in room_names if folded in _folded_name(r["name"])),
        narrowing=await _narrowing(folded),
        # SQLite's LIKE never reads its trigram table: only PostgreSQL's needs keeping off.
        indexed=rules.uses_substring_index(folded) or not postgres,
        rooms_as_array=postgres)


# How many assets hold each trigram (counted up to TRIGRAM_CAP), and the fleet's size, are
# kept a while per database: they only steer how a search reads, never what it finds.
TRIGRAM_CAP = 20_000
TRIGRAM_COUNTS_FOR_S = 600
_trigram_counts: dict[tuple[str | None, str], tuple[float, int]] = {}


async def _narrowing(folded: str) -> str | None:
    """SQLite: the FTS5 query of the term's rarest trigrams (rules.narrowing_query). The
    trigrams not counted lately are counted in one bounded read. PostgreSQL's GIN index
    reads the rarest trigrams first by itself (None: the LIKE alone)."""
    if current_engine().engine_type != "sqlite" or not rules.uses_substring_index(folded):
        return None
    now, url = time.monotonic(), db.current_url
    found = rules.trigrams(folded)
    unknown = [t for t in [rules.FLEET, *found]
               if now - _trigram_counts.get((url, t), (-1e9, 0))[0] > TRIGRAM_COUNTS_FOR_S]
    if unknown:
        if len(_trigram_counts) > 50_000:  # a bound, not a policy: counts are cheap to redo
            _trigram_counts.clear()
        trigrams = [t for t in unknown if t != rules.FLEET]
        row = (await fetch_all(queries.trigram_counts(len(trigrams), TRIGRAM_CAP),
                               *[rules.fts_phrase(t) for t in trigrams]))[0]
        counted = {t: row[f"n{i}"] for i, t in enumerate(trigrams)}
        counted[rules.FLEET] = row["fleet"] or 0
        for key in unknown:
            _trigram_counts[(url, key)] = (now, counted[key])
    counts = {t: _trigram_counts[(url, t)][1] for t in found}
    return rules.narrowing_query(counts, rules.narrow_below(_trigram_counts[(url, rules.FLEET)][1]))


@functools.lru_cache(maxsize=8192)
def _folded_name(name: str) -> str:
    return rules.fold(name)


async def where_clause(f: AssetFilter, scope: Scope,
                       tags: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
    return queries.where(f, scope, clock.today(), await resolve_search(f.q), tags)


async def count_assets(f: AssetFilter, scope: Scope) -> int:
    where, args = await where_clause(f, scope)
    return await _count(f, where, args)


async def _count(f: AssetFilter, where: str, args: list[Any]) -> int:
    return (await _list_rows(f, f"SELECT COUNT(*) AS n FROM asset{where}", args))[0]["n"]


async def list_assets(f: AssetFilter, scope: Scope, page_size: int = PAGE_SIZE) -> AssetPage:
    search = await resolve_search(f.q)
    where, args = queries.where(f, scope, clock.today(), search)
    if search is not None and f.sort == "tag" and (f.site or f.room or scope.limited):
        # A search within some sites: its matches, counted and paged in one read, so they
        # are found once (on SQLite from one covering index, m0035; PostgreSQL reads a
        # school's ~2,800 heap pages once) rather than once to count and once for the page.
        found = await _list_rows(f, queries.search_page_sql(
            where, f.descending, page_size, (f.page - 1) * page_size), args)
        total = found[0]["total"]
        pages = max(1, -(-total // page_size))
        if f.page <= pages:
            for row in found:
                del row["total"]
            return AssetPage(rows=[row for row in found if row["tag"] is not None],
                             total=total, page=f.page, pages=pages)
        # Past the last page (the matches changed meanwhile): the last page, read below.
    total = await _count(f, where, args)
    pages = max(1, -(-total // page_size))
    page = min(f.page, pages)
    walk = await _walk_in_tag_order(f, scope, search, total, page * page_size)
    if walk:
        where, args = queries.where(f, scope, clock.today(), search, indexed=False)
    elif walk is False:
        # The matches' ids read as the count read them (through the search's indexes),
        # then their rows, sorted.
        where = f" WHERE asset.id IN (SELECT asset.id FROM asset{where})"
    sql = (queries.LIST_SELECT + where
           + queries.order_by(f.sort, f.descending, tag_index=walk is not False)
           + queries.page_clause(page_size, (page - 1) * page_size))
    rows = await _list_rows(f, sql, args)
    return AssetPage(rows=rows, total=total, page=page, pages=pages)


async def _walk_in_tag_order(f: AssetFilter, scope: Scope, search: queries.Search | None,
                             total: int, shown: int) -> bool | None:
    """SQLite, a search over every site in tag order: True to read the page by walking the
    tags in order until it is full, False to read every match through the search's
    indexes and sort them (rules.walk_in_tag_order); None (PostgreSQL, whose planner
    chooses with its statistics, a list without a search, a site's list): as the engine
    likes. SQLite has no statistics: left alone, it walks the whole fleet in tag order for
    a search that matches 30 devices."""
    if (search is None or f.sort != "tag" or current_engine().engine_type != "sqlite"
            or f.site or f.room or scope.limited  # a site's rows: read through its index
            or not search.by_index):  # every row read anyway: SQLite walks the tags
        return None
    if total < rules.WALK_AT_LEAST:
        return False
    fleet = (await fetch_small("SELECT MAX(id) AS n FROM asset"))[0]["n"] or 0
    return rules.walk_in_tag_order(total, shown, fleet)


async def iter_assets_for_export(scope: Scope, batch_size: int = 1000,
                                 f: AssetFilter | None = None
                                 ) -> AsyncIterator[queries.AssetRow]:
    """Every asset (of the filter `f`, if given) in tag order, in batches so a large fleet
    never sits in memory at once."""
    last_tag = ""
    where, args = await where_clause(f or AssetFilter(), scope)
    where = f"{where} AND asset.tag > {{}}" if where else " WHERE asset.tag > {}"
    while True:
        rows = await _detail_rows(where + " ORDER BY asset.tag LIMIT {}",
                                  [*args, last_tag, batch_size])
        if not rows:
            return
        for row in rows:
            yield row
        last_tag = rows[-1]["tag"]


async def details(tags: list[str], scope: Scope) -> list[queries.AssetRow]:
    """Full rows (as get_asset reads them) of these assets, in the order given."""
    if not tags:
        return []
    in_scope, args = scope.sql("asset.site")
    marks = ", ".join("{}" for _ in tags)
    rows = await _detail_rows(f" WHERE asset.tag IN ({marks}) AND {in_scope}", [*tags, *args])
    by_tag = {row["tag"]: row for row in rows}
    return [by_tag[tag] for tag in tags if tag in by_tag]


async def page_after(f: AssetFilter, scope: Scope, after_tag: str, limit: int
                     ) -> list[queries.AssetRow]:
    """Assets of the filter in tag order after `after_tag` (the API's cursor)."""
    where, args = await where_clause(f, scope)
    where = f"{where} AND asset.tag > {{}}" if where else " WHERE asset.tag > {}"
    return await _detail_rows(where + " ORDER BY asset.tag LIMIT {}", [*args, after_tag, limit])


async def form_choices(site_code: str | None, scope: Scope) -> dict[str, Any]:
    """What the asset forms offer: categories, models by category, sites, the site's rooms."""
    choices = await filter_choices(site_code, scope)
    choices["models"] = await AssetModel.select(
        AssetModel.id, AssetModel.manufacturer, AssetModel.name, AssetModel.category
    ).order_by(AssetModel.manufacturer).order_by(AssetModel.name).run()
    return choices


CATEGORY_CHOICES = ("category", "SELECT id, code, name FROM category ORDER BY name")


async def filter_choices(site_code: str | None, scope: Scope) -> dict[str, Any]:
    """What the list's filters offer: categories, sites, the chosen site's rooms."""
    # Small tables, read on every list page: kept until they change (one read of their
    # marks), the site's rooms read afresh.
    sites, categories = await kept.rows(site_service.SITE_CHOICES, CATEGORY_CHOICES)
    sites = site_service.in_scope(sites, scope)
    rooms: list[dict[str, Any]] = []
    site = next((s for s in sites if s["code"] == (site_code or "").upper()), None)
    if site:
        rooms = sort_rooms(await fetch_small("SELECT id, name FROM room WHERE site = {}",
                                             site["id"]))
    return {"categories": list(categories), "sites": sites, "rooms": rooms}


# Writes: one path per operation, shared by the pages, the API, the import, the demo and
# the command line. Creations go through create_many (tag, derived values, audit record);
# changes through apply_changes (version check, derived values, one audit record per kind).

# Every stored column but the id, with its default: the rows of a bulk insert all name them.
_COLUMN_DEFAULTS = {column._meta.db_column_name: column.get_default_value()
                    for column in Asset._meta.columns if column._meta.name != "id"}
# Given with a new device but not recorded in its "create" record (the tag is the record's
# key, the end-of-life year is computed).
_NOT_RECORDED = frozenset({"tag", "eol_year"})


async def create(raw: Mapping[str, Any], actor: Actor | str, scope: Scope, *, prefix: str,
                 digits: int) -> queries.AssetRow:
    """One asset from what a person typed (pages, API): checked here, written by
    create_many. A `tag` is a blank label printed ahead of time; `replaces` the tag of the
    device it succeeds, retired in the same transaction."""
    values, errors = clean_asset_fields(raw)
    location, location_errors = clean_location(raw)
    status = raw.get("status") or "in_service"
    if status not in rules.ACTIVE_STATUSES:
        errors["status"] = _("Choose one of the proposed values.")
    resolved = await _resolve({**values, **location}, {**errors, **location_errors}, scope)
    _check_scope(resolved, scope)
    await _check_serial(resolved.values, resolved.errors)
    replaced = await _replaced_asset(raw.get("replaces"), scope, resolved.errors)
    if resolved.errors:
        raise ValidationFailed(resolved.errors)
    values = {**resolved.values, "status": status}
    if replaced is not None:
        values["replaces_id"] = replaced["id"]
    blank = rules.normalise_tag(raw.get("tag") or "")
    async with audit.atomic():
        if replaced is not None and replaced["status"] != "retired":
            # The successor takes over: the old device leaves service in the same transaction.
            await apply_changes(replaced, {"status": "retired"}, None, actor)
        if blank:
            # A blank label printed ahead of time: its reserved tag becomes the asset's.
            used = await ReservedTag.update({ReservedTag.used_at: clock.now()}).where(
                (ReservedTag.tag == blank) & ReservedTag.used_at.is_null()
            ).returning(ReservedTag.id).run()
            if not used:
                raise ValidationFailed({"tag": _("This tag is not a blank label waiting "
                                                   "for its device.")})
            values["tag"] = blank
        tag = (await create_many([values], actor, prefix=prefix, digits=digits))[0]
    return await get_asset(tag, scope)


async def create_many(rows: Sequence[Mapping[str, Any]], actor: Actor | str, *, prefix: str,
                      digits: int) -> list[str]:
    """Write new assets from checked values (ids for category, model, site, room, owner and
    replaces_id; `tag` when the device has one already, else the next of its owner's
    prefix's sequence, or `prefix`'s, the installation's), in bulk: each gets its
    end-of-life year and search text, and a "create" audit record naming its category and
    site. Runs in the caller's transaction, or its
    own. Returns the tags, in the order of `rows`."""
    if not rows:
        return []
    unknown = {name for values in rows for name in values} - set(_COLUMN_DEFAULTS)
    if unknown:
        raise ValueError(f"not asset columns: {sorted(unknown)}")
    async with audit.atomic():
        categories = {c["id"]: c for c in await Category.select(
            Category.id, Category.name, Category.lifespan_years).where(
            Category.id.is_in(sorted({values["category"] for values in rows}))).run()}
        sites = {s["id"]: s for s in await Site.select(Site.id, Site.name, Site.owner).where(
            Site.id.is_in(sorted({values["site"] for values in rows}))).run()}
        # A device belongs to its site's organisation unless told otherwise; a new tag
        # starts with its organisation's prefix, if it has one, else the installation's.
        owners = [values.get("owner") or sites[values["site"]]["owner"] for values in rows]
        own_prefixes = await organisations.tag_prefixes() if any(
            not values.get("tag") for values in rows) else {}
        prefixes = [own_prefixes.get(owner, prefix) for owner in owners]
        wanted = Counter(p for p, values in zip(prefixes, rows, strict=True)
                         if not values.get("tag"))
        numbers: dict[str, Iterator[int]] = {}
        for series in sorted(wanted):  # one sequence per prefix, always in the same order
            last = await take_numbers(series, wanted[series])
            numbers[series] = iter(range(last - wanted[series] + 1, last + 1))
        replaced = sorted({values["replaces_id"] for values in rows if values.get("replaces_id")})
        replaced_tags = {a["id"]: a["tag"] for a in await Asset.select(Asset.id, Asset.tag).where(
            Asset.id.is_in(replaced)).run()} if replaced else {}
        owner_codes = await organisations.codes(
            [values["owner"] for values in rows if values.get("owner")])
        now = clock.now()
        stored, records, tags = [], [], []
        for values, owner, series in zip(rows, owners, prefixes, strict=True):
            tag = values.get("tag") or rules.format_tag(series, next(numbers[series]), digits)
            category = categories[values["category"]]
            row = {**_COLUMN_DEFAULTS, **values, "owner": owner, "tag": tag}
            _with_eol(row, category["lifespan_years"])
            row.update(rules.derived_values(row), version=1, created_at=now, updated_at=now)
            stored.append(row)
            tags.append(tag)
            # What people read in the history: names rather than ids, no computed values.
            shown = {"category": category["name"], "site": sites[values["site"]]["name"]}
            if values.get("replaces_id"):
                shown["replaces_id"] = replaced_tags[values["replaces_id"]]
            if values.get("owner"):  # named (an import's column): by its code, as transfers
                shown["owner"] = owner_codes.get(values["owner"])
            records.append(audit.entry(
                actor=actor, entity="asset", entity_key=tag, action="create",
                changes=audit.created_json(values, shown, _NOT_RECORDED),
                site_id=values["site"], at=now))
        await insert_many(Asset, stored)
        await audit.record_many(records)
    return tags


async def _replaced_asset(tag: Any, scope: Scope, errors: dict[str, str]) -> queries.AssetRow | None:
    """The device a new one replaces (renewal plans follow this link), or None."""
    tag = rules.normalise_tag(tag or "") if isinstance(tag, str) else ""
    if not tag:
        return None
    try:
        replaced = await get_asset(tag, scope)
    except NotFound:
        errors["replaces"] = _("No device has this tag.")
        return None
    if await Asset.exists().where(Asset.replaces_id == replaced["id"]).run():
        errors["replaces"] = _("This device already has a successor.")
        return None
    return replaced


def _as_raw(asset: Mapping[str, Any]) -> dict[str, Any]:
    """A stored asset as input for the cleaner, so a partial update keeps what it omits."""
    raw = {name: asset.get(name) for name in EDIT_FIELDS}
    raw["category"] = asset["category_code"]
    return raw


def _check_scope(resolved: Resolved, scope: Scope) -> None:
    if "site" not in resolved.errors and not scope.allows(resolved.values.get("site")):
        resolved.errors["site"] = _("Choose one of the proposed values.")


async def update(tag: str, raw: Mapping[str, Any], version: int | None,
                 actor: Actor | str, scope: Scope) -> queries.AssetRow:
    """Change what a person edits (EDIT_FIELDS): the fields `raw` omits keep their stored
    values, read in the write transaction, so a partial change (an API PATCH) never
    restores what someone else saved meanwhile; with `version`, written only if nobody
    changed the asset since."""
    async with audit.atomic():
        current = await get_asset(tag, scope)
        merged = _as_raw(current)
        merged.pop("purchase_price_cents" if "purchase_price_eur" in raw else "", None)
        merged.update({k: raw[k] for k in raw if k in EDIT_FIELDS or k == "purchase_price_eur"})
        values, errors = clean_asset_fields(merged)
        resolved = await _resolve(values, errors, scope, kept={
            "contract": current["contract"], "purchase": current["purchase"]})
        await _check_serial(resolved.values, resolved.errors, exclude_id=current["id"])
        if resolved.errors:
            raise ValidationFailed(resolved.errors)
        await apply_changes(current, _with_eol(resolved.values, resolved.lifespan_years),
                            version, actor)
    return await get_asset(tag, scope)


async def move_asset(tag: str, raw: Mapping[str, Any], version: int | None,
                     actor: Actor | str, scope: Scope) -> queries.AssetRow:
    async with audit.atomic():
        current = await get_asset(tag, scope)
        values, errors = clean_location(raw)
        resolved = await _resolve(values, errors)
        _check_scope(resolved, scope)
        if resolved.errors:
            raise ValidationFailed(resolved.errors)
        resolved.values.setdefault("room", None)
        await apply_changes(current, resolved.values, version, actor)
    return await get_asset(tag, scope)


async def transfer_asset(tag: str, owner: str, version: int | None, actor: Actor | str,
                         scope: Scope) -> queries.AssetRow:
    """Give the device to another organisation (it stays where it is). Only someone who
    works for both its owner and the new one may."""
    async with audit.atomic():
        current = await get_asset(tag, scope)
        if not scope.allows_organisation(current["owner"]):
            raise NotFound(tag)
        new_owner = await organisations.owner_for(owner or None, scope) if owner else None
        if new_owner is None:
            raise ValidationFailed({"owner": _("Choose one of the proposed values.")})
        if new_owner != current["owner"]:
            expected = version if version is not None else current["version"]
            if not await _write_owner((Asset.id == current["id"]) & (Asset.version == expected),
                                      current["owner"], new_owner, current["site"], actor):
                raise Conflict(current)
    return await get_asset(tag, scope)


async def transfer_site(code: str, owner: str, version: int | None, actor: Actor | str,
                        scope: Scope) -> dict[str, Any]:
    """Give the site to another organisation, with the devices there that belonged to the
    site's organisation (a device another member owns keeps its owner)."""
    async with audit.atomic():
        changed = await site_service.change_owner(code, owner, version, actor, scope)
        if changed is not None:
            site, new_owner = changed
            await _write_owner((Asset.site == site["id"]) & (Asset.owner == site["owner"]),
                               site["owner"], new_owner, site["id"], actor)
    return await site_service.get_site(code, scope)


async def _write_owner(where: Any, old_owner: int | None, new_owner: int, site_id: int,
                       actor: Actor | str) -> list[str]:
    """The one writer of devices' owners: the devices `where` selects pass from `old_owner`
    to `new_owner` (a new version each) with a transfer record each. Returns their tags."""
    moved = await Asset.update({Asset.owner: new_owner, Asset.version: Asset.version + 1,
                                Asset.updated_at: clock.now()}).where(where).returning(
        Asset.tag).run()
    names = await organisations.codes([old_owner, new_owner])
    was = names.get(old_owner) if old_owner is not None else None
    await audit.record_many([audit.entry(
        actor=actor, entity="asset", entity_key=row["tag"], action="transfer",
        changes={"owner": [was, names[new_owner]]},
        site_id=site_id) for row in moved])
    return [row["tag"] for row in moved]


async def current_as_seen(tag: str, version: int | None, scope: Scope) -> queries.AssetRow:
    """The device as it is now, for an action sent with its version as the client saw it (a
    phone's queued intervention or fault report): changed since (moved, retired, edited) is
    a Conflict, shown to the person rather than applied over a device they did not see.
    Call it inside the action's transaction: on PostgreSQL it locks the device's row until
    the action commits (a change sent meanwhile waits for it); on SQLite the write
    transaction already keeps other writers out."""
    if version is not None and current_engine().engine_type != "sqlite":
        await db.fetch_all("SELECT id FROM asset WHERE tag = {} FOR UPDATE",
                           rules.normalise_tag(tag))
    current = await get_asset(tag, scope)
    if version is not None and current["version"] != version:
        raise Conflict(current)
    return current


async def mark_seen(tag: str, actor: Actor | str, scope: Scope,
                    version: int | None = None) -> queries.AssetRow:
    """A technician confirms the device is here today (inventory audit). With `version` (what
    a phone saw offline), a device changed since, moved or retired, is a Conflict: "seen
    here" must not confirm a place that is no longer its record's."""
    today_ = clock.today()
    async with audit.atomic():
        current = await get_asset(tag, scope)
        if version is not None and version != current["version"]:
            raise Conflict(current)
        if current["last_seen_on"] != today_:
            await Asset.update({Asset.last_seen_on: today_}).where(Asset.id == current["id"]).run()
            await audit.record(actor=actor, entity="asset", entity_key=current["tag"],
                               action="seen",
                               changes=audit.diff(current, {"last_seen_on": today_}),
                               site_id=current["site"])
    return await get_asset(tag, scope)


async def mark_seen_many(days: Mapping[int, dt.date], actor: Actor | str) -> int:
    """The bulk form of mark_seen (an inventory audit closes): each asset (by id) was seen on
    its day. Like mark_seen, only a changed date is written, with its "seen" audit record.
    Returns how many assets changed."""
    if not days:
        return 0
    changed = 0
    async with audit.atomic():
        rows = await Asset.select(Asset.id, Asset.tag, Asset.site, Asset.last_seen_on).where(
            Asset.id.is_in(list(days))).run()
        entries = []
        for row in rows:
            day = days[row["id"]]
            if row["last_seen_on"] == day:
                continue
            await Asset.update({Asset.last_seen_on: day}).where(Asset.id == row["id"]).run()
            entries.append(audit.entry(actor=actor, entity="asset", entity_key=row["tag"],
                                       action="seen", changes=audit.diff(
                                           row, {"last_seen_on": day}), site_id=row["site"]))
            changed += 1
        await audit.record_many(entries)
    return changed


async def refresh_end_of_life(category_id: int, actor: Actor | str) -> int:
    """Recompute the stored end-of-life year of a category's assets after its lifespan changed.
    Same rule as rules.end_of_life_year, written as one portable UPDATE; every asset whose year
    moved gets an "update" audit record saying so, as an edit that moves it does. Returns how
    many assets changed."""
    async with audit.atomic():
        before = await Asset.select(Asset.id, Asset.tag, Asset.site, Asset.eol_year).where(
            Asset.category == category_id).run()
        await Asset.raw(
            "UPDATE asset SET eol_year = CASE "
            "WHEN eol_year_override IS NOT NULL THEN eol_year_override "
            "WHEN COALESCE(commissioning_date, purchase_date) IS NULL THEN NULL "
            "ELSE CAST(SUBSTR(CAST(COALESCE(commissioning_date, purchase_date) AS TEXT), 1, 4) "
            "AS INTEGER) + (SELECT lifespan_years FROM category WHERE category.id = asset.category) "
            "END WHERE category = {}",
            category_id,
        ).run()
        after = {r["id"]: r["eol_year"] for r in await Asset.select(
            Asset.id, Asset.eol_year).where(Asset.category == category_id).run()}
        entries = [audit.entry(actor=actor, entity="asset", entity_key=r["tag"], action="update",
                               changes=audit.diff(r, {"eol_year": after[r["id"]]}),
                               site_id=r["site"])
                   for r in before if after.get(r["id"], r["eol_year"]) != r["eol_year"]]
        await audit.record_many(entries)
    return len(entries)


async def change_status(tag: str, status: Any, version: int | None, actor: Actor | str,
                        scope: Scope) -> queries.AssetRow:
    async with audit.atomic():
        current = await get_asset(tag, scope)
        if not isinstance(status, str) or status not in rules.STATUSES:  # JSON may send {} or []
            raise ValidationFailed({"status": _("Choose one of the proposed values.")})
        await apply_changes(current, {"status": status}, version, actor)
    return await get_asset(tag, scope)


async def apply_changes(current: Mapping[str, Any], values: Mapping[str, Any],
                        version: int | None, actor: Actor | str) -> dict[str, list[Any]]:
    """Write checked `values` over the asset `current` (read in this transaction, or checked
    through `version`): a move, a status change and an edit each leave their own audit
    record, and the derived values follow. Raises Conflict when the asset changed since
    `version`, NotFound when it is gone. Runs in the caller's transaction, or its own.
    apply_changes_many for one asset: the one change writer."""
    return (await apply_changes_many([(current, values, version)], actor))[0]


_MOVED = ("site", "room")


async def apply_changes_many(
        changes: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], int | None]],
        actor: Actor | str) -> list[dict[str, list[Any]]]:
    """apply_changes for many assets at once (an import's changes), each a (current, values,
    version) triple: the same checks, versions, derived values and audit records as one
    audit.update_versioned per kind of change (a move, a status change, an edit, in this
    order, each raising the version by one), written as a few UPDATEs of many rows and one
    bulk INSERT of the records. The rows are read again in the transaction, as
    update_versioned does; the first asset that changed since its `version` raises Conflict
    (with the row as stored), a deleted one NotFound, and nothing of the call is kept once
    the caller's transaction rolls back. Returns each asset's changes, in order."""
    results: list[dict[str, list[Any]]] = []
    pending: list[tuple[Mapping[str, Any], Mapping[str, Any], int | None,
                        dict[str, list[Any]]]] = []
    for current, values, version in changes:
        found = audit.diff(current, values)
        results.append(found)
        if not found:
            if version is not None and version != current["version"]:
                raise Conflict(current)
            continue
        pending.append((current, values, version, found))
    if not pending:
        return results
    async with audit.atomic():
        # An asset named twice is written twice, in order, as one call per asset would.
        segment: list[Any] = []
        seen: set[int] = set()
        for item in pending:
            if item[0]["id"] in seen:
                await _write_changes(segment, actor)
                segment, seen = [], set()
            segment.append(item)
            seen.add(item[0]["id"])
        await _write_changes(segment, actor)
    return results


async def _write_changes(
        pending: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], int | None,
                                dict[str, list[Any]]]],
        actor: Actor | str) -> None:
    """apply_changes_many's writes for assets named once each (see there)."""
    ids = [current["id"] for current, _values, _version, _changes in pending]
    stored: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        stored.update((row["id"], row) for row in await Asset.select().where(
            Asset.id.is_in(ids[start:start + 500])).run())
    now = clock.now()
    by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    records: list[dict[str, Any]] = []
    written: list[tuple[Mapping[str, Any], dict[str, Any]]] = []
    for current, values, version, changes in pending:
        row = stored.get(current["id"])
        if row is None:
            raise NotFound(current["tag"])
        if version is not None and row["version"] != version:
            raise Conflict(row)
        groups = (
            ("move", {k: values[k] for k in _MOVED if k in changes}),
            ("retire" if values.get("status") == "retired" else "status",
             {"status": values["status"]} if "status" in changes else {}),
            ("update", {k: values[k] for k in changes if k not in (*_MOVED, "status")}),
        )
        site_id = values.get("site", current["site"])
        after: dict[str, Any] = row
        assigned: set[str] = set()
        for action, group in groups:
            # audit.update_versioned, once per kind of change, on the row as it would be
            # after the previous one.
            if not group:
                continue
            group_changes = audit.diff(after, group)
            if not group_changes:
                continue
            derived = rules.derived_values({**after, **group})
            after = {**after, **group, **derived, "version": after["version"] + 1,
                     "updated_at": now}
            assigned.update(group, derived, ("version", "updated_at"))
            records.append(audit.entry(actor=actor, entity="asset", entity_key=current["tag"],
                                       action=action, changes=group_changes, site_id=site_id,
                                       at=now))
        if not assigned:
            continue
        columns = tuple(sorted(assigned))
        by_columns.setdefault(columns, []).append(
            (row["id"], row["version"], *(after[name] for name in columns)))
        written.append((current, row))
    updated: set[int] = set()
    for columns, rows in by_columns.items():
        updated |= await db.update_many(Asset, columns, rows)
    for current, row in written:
        if row["id"] not in updated:  # changed or deleted meanwhile (another instance)
            now_stored = await Asset.select().where(Asset.id == row["id"]).first().run()
            if now_stored is None:
                raise NotFound(current["tag"])
            raise Conflict(now_stored)
    await audit.record_many(records)

