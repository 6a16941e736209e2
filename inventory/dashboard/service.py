"""The fleet at a glance: counts per site, end of life, warranties, classroom coverage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from inventory.accounts.scope import Scope
from inventory.core.tables import Asset, Category, Site
from inventory.sites.rules import SCHOOL_KINDS

WARRANTY_SOON_DAYS = 90


@dataclass
class Coverage:
    site_code: str
    site_name: str
    classrooms: int
    equipped: int

    @property
    def complete(self) -> bool:
        return self.classrooms > 0 and self.equipped >= self.classrooms


def coverage_summary(rows: list[Coverage]) -> tuple[int, int]:
    """(schools whose every classroom has an interactive display, schools with classrooms)."""
    with_rooms = [r for r in rows if r.classrooms]
    return sum(1 for r in with_rooms if r.complete), len(with_rooms)


async def site_category_counts(scope: Scope) -> dict[str, Any]:
    in_scope, args = scope.sql("site")
    rows = await Asset.raw(
        f"SELECT site, category, status, COUNT(*) AS n FROM asset WHERE {in_scope} "
        "GROUP BY site, category, status", *args
    ).run()
    sites = [s for s in await Site.select(Site.id, Site.code, Site.name, Site.kind).order_by(
        Site.name).run() if scope.allows(s["id"])]
    categories = await Category.select(Category.id, Category.code, Category.name).order_by(
        Category.name).run()
    table: dict[int, dict[str, Any]] = {
        s["id"]: {"site": s, "by_category": {}, "by_status": {}, "total": 0} for s in sites
    }
    for row in rows:
        entry = table.get(row["site"])
        if entry is None:
            continue
        entry["by_status"][row["status"]] = entry["by_status"].get(row["status"], 0) + row["n"]
        if row["status"] != "retired":
            entry["by_category"][row["category"]] = (
                entry["by_category"].get(row["category"], 0) + row["n"])
            entry["total"] += row["n"]
    used = {c for entry in table.values() for c in entry["by_category"]}
    return {
        "rows": list(table.values()),
        "categories": [c for c in categories if c["id"] in used],
    }


async def end_of_life_counts(on: dt.date, scope: Scope) -> list[dict[str, Any]]:
    in_scope, args = scope.sql("asset.site")
    # Counted per site id, named afterwards: joining the site on each of a million devices
    # was most of the count's time.
    counts = await Asset.raw(
        "SELECT asset.site AS site, COUNT(*) AS n FROM asset "
        f"WHERE asset.eol_year <= {{}} AND asset.status != 'retired' AND {in_scope} "
        "GROUP BY asset.site", on.year, *args).run()
    names = {r["id"]: r for r in await Site.select(Site.id, Site.code, Site.name).run()}
    rows = [{"site_code": names[r["site"]]["code"], "site_name": names[r["site"]]["name"],
             "n": r["n"]} for r in counts]
    return sorted(rows, key=lambda r: (-r["n"], r["site_code"]))


async def _counts_by_name(column: str, label_sql: str, label_table: str, where: str,
                          *args: Any) -> list[dict[str, Any]]:
    """Devices counted per `asset.<column>` id, then summed per label (`label_sql` over
    `label_table`): grouping by id first spares a join per device."""
    counts = await Asset.raw(
        f"SELECT asset.{column} AS id, COUNT(*) AS n FROM asset WHERE asset.{column} IS NOT "
        f"NULL AND {where} GROUP BY asset.{column}", *args).run()
    labels = {r["id"]: r["name"] for r in await Asset.raw(
        f"SELECT id, {label_sql} AS name FROM {label_table}").run()}
    by_name: dict[Any, int] = {}
    for r in counts:
        name = labels.get(r["id"])
        by_name[name] = by_name.get(name, 0) + r["n"]
    return [{"name": name, "n": n} for name, n in by_name.items()]


async def warranties_ending(on: dt.date, scope: Scope, limit: int = 15
                            ) -> tuple[int, list[dict[str, Any]]]:
    end = on + dt.timedelta(days=WARRANTY_SOON_DAYS)
    where = (
        (Asset.warranty_end >= on) & (Asset.warranty_end <= end) & (Asset.status != "retired"))
    if scope.site_ids is not None:
        where = where & (Asset.site.is_in(sorted(scope.site_ids)) if scope.site_ids
                         else Asset.id == -1)
    total = await Asset.count().where(where).run()
    rows = await (
        Asset.select(
            Asset.tag, Asset.warranty_end, Asset.supplier,
            Asset.category.name.as_alias("category_name"),
            Asset.model.name.as_alias("model_name"),
            Asset.site.name.as_alias("site_name"),
        ).where(where).order_by(Asset.warranty_end).order_by(Asset.tag).limit(limit).run()
    )
    return total, rows


async def classroom_coverage(scope: Scope) -> list[Coverage]:
    kinds = ", ".join(f"'{k}'" for k in sorted(SCHOOL_KINDS))
    in_scope, args = scope.sql("site.id")
    rows = await Site.raw(
        "SELECT site.code AS code, site.name AS name, "
        "COUNT(DISTINCT room.id) AS classrooms, "
        "COUNT(DISTINCT CASE WHEN category.is_interactive_display AND asset.status != 'retired' "
        "THEN room.id END) AS equipped "
        "FROM site "
        "LEFT JOIN room ON room.site = site.id AND room.kind = 'classroom' "
        "LEFT JOIN asset ON asset.room = room.id "
        "LEFT JOIN category ON category.id = asset.category "
        f"WHERE site.kind IN ({kinds}) AND {in_scope} "
        "GROUP BY site.code, site.name ORDER BY site.name", *args
    ).run()
    return [Coverage(r["code"], r["name"], r["classrooms"], r["equipped"]) for r in rows]


# Faults


def mean_hours(pairs: list[tuple[dt.datetime, dt.datetime]]) -> float | None:
    """Mean time from report to repair, in hours. Pure."""
    spans = [(end - start).total_seconds() / 3600 for start, end in pairs if end >= start]
    return sum(spans) / len(spans) if spans else None


def rate_per_100(faults: dict[Any, int], devices: dict[Any, int]) -> list[tuple[Any, int, int,
                                                                                float]]:
    """(key, faults, devices, faults per 100 devices) for keys with devices, worst first."""
    rows = [(key, faults.get(key, 0), n, 100 * faults.get(key, 0) / n)
            for key, n in devices.items() if n]
    return sorted(rows, key=lambda r: (-r[3], str(r[0])))


async def fault_figures(on: dt.date, scope: Scope) -> dict[str, Any]:
    """Open faults per site; mean time to repair and faults per 100 devices over the last
    twelve months, by category and by model."""
    since = dt.datetime.combine(on - dt.timedelta(days=365), dt.time(), tzinfo=dt.UTC)
    in_scope, args = scope.sql("fault.site")
    open_rows = await Asset.raw(
        "SELECT site.code AS code, site.name AS name, COUNT(*) AS n FROM fault "
        "JOIN site ON site.id = fault.site WHERE fault.status IN ('new', 'acknowledged', "
        f"'in_progress', 'waiting_parts') AND {in_scope} GROUP BY site.code, site.name "
        "ORDER BY n DESC", *args).run()
    repaired = await Asset.raw(
        "SELECT fault.created_at AS started, fault_event.at AS ended FROM fault_event "
        "JOIN fault ON fault.id = fault_event.fault WHERE fault_event.to_status = 'resolved' "
        f"AND fault_event.at >= {{}} AND {in_scope}", since, *args).run()
    by_category = await Asset.raw(
        "SELECT category.name AS name, COUNT(*) AS n FROM fault JOIN asset ON asset.id = "
        "fault.asset JOIN category ON category.id = asset.category WHERE fault.created_at >= {} "
        f"AND {in_scope} GROUP BY category.name", since, *args).run()
    by_model = await Asset.raw(
        "SELECT equipment_model.manufacturer || ' ' || equipment_model.name AS name, "
        "COUNT(*) AS n FROM fault JOIN asset ON asset.id = fault.asset JOIN equipment_model "
        "ON equipment_model.id = asset.model WHERE fault.created_at >= {} "
        f"AND {in_scope} GROUP BY equipment_model.manufacturer, equipment_model.name",
        since, *args).run()
    asset_scope, asset_args = scope.sql("asset.site")
    in_service = f"asset.status != 'retired' AND {asset_scope}"
    devices_category = await _counts_by_name("category", "name", "category", in_service,
                                             *asset_args)
    devices_model = await _counts_by_name(
        "model", "manufacturer || ' ' || name", "equipment_model", in_service, *asset_args)

    def table(faults: list[dict[str, Any]], devices: list[dict[str, Any]]
              ) -> list[tuple[Any, int, int, float]]:
        return rate_per_100({r["name"]: r["n"] for r in faults},
                            {r["name"]: r["n"] for r in devices})

    return {
        "open_per_site": open_rows,
        "open_total": sum(r["n"] for r in open_rows),
        "mttr_hours": mean_hours([(r["started"], r["ended"]) for r in repaired
                                  if isinstance(r["started"], dt.datetime)
                                  and isinstance(r["ended"], dt.datetime)]),
        "repaired": len(repaired),
        "by_category": [r for r in table(by_category, devices_category) if r[1]],
        "by_model": [r for r in table(by_model, devices_model) if r[1]][:10],
    }
