"""What a technician and a director find at "/": their own tools first. Pure, no DB."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from inventory.sites.rules import Position, distance_km


@dataclass
class SiteGroup:
    code: str
    name: str
    rows: list[Mapping[str, Any]] = field(default_factory=list)
    distance_km: float | None = None  # from where the person is, when both are known


def by_site(rows: Iterable[Mapping[str, Any]], first: Iterable[int] = (), *,
            near: Position | None = None,
            positions: Mapping[int, Position] | None = None) -> list[SiteGroup]:
    """Rows (with site, site_code, site_name) grouped per site, each group keeping the rows'
    order. Nearest site first when the person's position (`near`) is known, the sites of
    unknown position after them; otherwise, and among those, the person's own sites first,
    then the others by name."""
    own = set(first)
    groups: dict[str, SiteGroup] = {}
    mine: dict[str, bool] = {}
    for row in rows:
        code = row["site_code"]
        if code not in groups:
            site_id = row.get("site")
            where = (positions or {}).get(site_id) if isinstance(site_id, int) else None
            groups[code] = SiteGroup(code, row["site_name"], distance_km=distance_km(
                near, where) if near is not None and where is not None else None)
            mine[code] = site_id in own
        groups[code].rows.append(row)

    def order(group: SiteGroup) -> tuple:
        far = group.distance_km
        return (far is None, far or 0.0, not mine[group.code], group.name.casefold(),
                group.code)

    return sorted(groups.values(), key=order)


def started_by_first(campaigns: Iterable[Mapping[str, Any]], who: str) -> list[Mapping[str, Any]]:
    """The audits the person started first, the others after, each in the given order."""
    rows = list(campaigns)
    return [c for c in rows if c["started_by"] == who] + [
        c for c in rows if c["started_by"] != who]

