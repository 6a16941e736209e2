"""The fleet at a glance: counts per site, end of life, warranties, classroom coverage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from inventory.accounts.scope import Scope
from inventory.assets import tally
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
    rows = await tally.counts("site, category, status", scope)
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
    counts = await tally.counts(
        "site", scope, "eol_year <> 0 AND eol_year <= {} AND status <> 'retired'", on.year)
    names = {r["id"]: r for r in await Site.select(Site.id, Site.code, Site.name).run()}
    rows = [{"site_code": names[r["site"]]["code"], "site_name": names[r["site"]]["name"],
             "n": r["n"]} for r in counts]
    return sorted(rows, key=lambda r: (-r["n"], r["site_code"]))


async def _in_service(column: str, scope: Scope) -> dict[Any, int]:
    """Devices not retired per `column` (category or model) id."""
    counts = await tally.counts(column, scope, f"{column} <> 0 AND status <> 'retired'")
    return {r[column]: r["n"] for r in counts}


async def _labels(label_sql: str, label_table: str) -> dict[Any, Any]:
    """Names by id of a small table (categories, models)."""
    return {r["id"]: r["name"] for r in await Asset.raw(
        f"SELECT id, {label_sql} AS name FROM {label_table}").run()}


def _summed_by_label(by_id: dict[Any, int], labels: dict[Any, Any]) -> list[dict[str, Any]]:
    """Counts per id summed per name (two models may share one)."""
    by_name: dict[Any, int] = {}
    for key, n in by_id.items():
        name = labels.get(key)
        by_name[name] = by_name.get(name, 0) + n
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
    # A classroom is equipped when one interactive display in service is in it: asked per
    # classroom through the asset's room index (counting distinct rooms over every device
    # of every classroom took 2.3 s on PostgreSQL at a million devices).
    rows = await Site.raw(
        "SELECT site.code AS code, site.name AS name, COUNT(room.id) AS classrooms, "
        "SUM(CASE WHEN EXISTS (SELECT 1 FROM asset WHERE asset.room = room.id "
        "AND asset.status != 'retired' AND asset.category IN "
        "(SELECT id FROM category WHERE is_interactive_display)) THEN 1 ELSE 0 END) AS equipped "
        "FROM site "
        "LEFT JOIN room ON room.site = site.id AND room.kind = 'classroom' "
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
    # Faults per device category and model, in one read, named afterwards.
    faulted = await Asset.raw(
        "SELECT asset.category AS category, asset.model AS model, COUNT(*) AS n FROM fault "
        "JOIN asset ON asset.id = fault.asset WHERE fault.created_at >= {} "
        f"AND {in_scope} GROUP BY asset.category, asset.model", since, *args).run()
    faults_category: dict[Any, int] = {}
    faults_model: dict[Any, int] = {}
    for r in faulted:
        faults_category[r["category"]] = faults_category.get(r["category"], 0) + r["n"]
        if r["model"] is not None:
            faults_model[r["model"]] = faults_model.get(r["model"], 0) + r["n"]
    category_labels = await _labels("name", "category")
    model_labels = await _labels("manufacturer || ' ' || name", "equipment_model")
    by_category = _summed_by_label(faults_category, category_labels)
    by_model = _summed_by_label(faults_model, model_labels)
    devices_category = _summed_by_label(await _in_service("category", scope), category_labels)
    devices_model = _summed_by_label(await _in_service("model", scope), model_labels)

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
