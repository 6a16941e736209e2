"""What a technician and a director find at "/": their own tools first. Pure, no DB."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SiteGroup:
    code: str
    name: str
    rows: list[Mapping[str, Any]] = field(default_factory=list)


def by_site(rows: Iterable[Mapping[str, Any]], first: Iterable[int] = ()) -> list[SiteGroup]:
    """Rows (with site, site_code, site_name) grouped per site, each group keeping the rows'
    order: the person's own sites first, then the others by name."""
    own = set(first)
    groups: dict[str, SiteGroup] = {}
    mine: dict[str, bool] = {}
    for row in rows:
        code = row["site_code"]
        if code not in groups:
            groups[code] = SiteGroup(code, row["site_name"])
            mine[code] = row.get("site") in own
        groups[code].rows.append(row)
    return sorted(groups.values(), key=lambda g: (not mine[g.code], g.name.casefold(), g.code))


def started_by_first(campaigns: Iterable[Mapping[str, Any]], who: str) -> list[Mapping[str, Any]]:
    """The audits the person started first, the others after, each in the given order."""
    rows = list(campaigns)
    return [c for c in rows if c["started_by"] == who] + [
        c for c in rows if c["started_by"] != who]

