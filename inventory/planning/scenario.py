"""A scenario's settings: read from a form or JSON, checked, and turned into the engine's
input. Pure: the caller passes the categories it knows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inventory.core import parsers as v
from inventory.core.errors import Collector
from inventory.core.i18n import _
from inventory.planning.engine import WEIGHT_NAMES, CoverageTarget, Envelope, Scenario, Weights
from inventory.sites.rules import SCHOOL_KINDS, SITE_KINDS

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_YEARS = 15
MAX_TARGETS = 3
ONE_BUDGET = "one"
SCHOOLS_AND_OTHERS = "split"
# The envelopes a scenario can use: one budget, or schools and the other buildings apart
# (councils vote school equipment and town services on different budget lines).
ENVELOPE_KINDS = {
    ONE_BUDGET: (("all", None),),
    SCHOOLS_AND_OTHERS: (("schools", sorted(SCHOOL_KINDS)), ("others", None)),
}


def envelope_label(code: str) -> str:
    return {"all": _("All sites"), "schools": _("Schools"),
            "others": _("Other buildings")}.get(code, code)


def default_settings(first_year: int, years: int, categories: list[dict[str, Any]]) -> dict:
    """A new scenario: one budget a little over the yearly average of what falls due, no
    target, the categories' own lifespans, the engine's default weights."""
    return {
        "budgets": ONE_BUDGET,
        "caps": {"all": {str(y): 0 for y in range(first_year, first_year + years)}},
        "weights": Weights().as_dict(),
        "lifespans": {},
        "targets": [],
    }


def clean_settings(raw: Mapping[str, Any], categories: list[dict[str, Any]],
                   previous: Mapping[str, Any] | None = None) -> tuple[dict, dict]:
    """Form fields -> (header fields, settings). Raises ValidationFailed with field errors.

    Fields: name, first_year, years, budgets (one|split), cap_<envelope>_<year> (euros),
    weight_<name>, lifespan_<CATEGORY>, target_<i>_kinds (several), target_<i>_category,
    target_<i>_by_year.
    """
    c = Collector()
    c.field("name", v.text, raw.get("name"), required=True, max_length=200)
    first_year = c.field("first_year", v.integer, raw.get("first_year"), required=True,
                         minimum=MIN_YEAR, maximum=MAX_YEAR)
    years = c.field("years", v.integer, raw.get("years"), required=True, minimum=1,
                    maximum=MAX_YEARS)
    budgets = raw.get("budgets") or ONE_BUDGET
    if budgets not in ENVELOPE_KINDS:
        c.error("budgets", _("Choose one of the proposed values."))
        budgets = ONE_BUDGET
    settings: dict[str, Any] = {"budgets": budgets, "caps": {}, "weights": {}, "lifespans": {},
                                "targets": []}
    previous_caps = (previous or {}).get("caps", {})
    if first_year and years:
        for code, _kinds in ENVELOPE_KINDS[budgets]:
            caps = settings["caps"][code] = {}
            for year in range(first_year, first_year + years):
                name = f"cap_{code}_{year}"
                if name in raw:
                    cents = c.field(name, v.euros_to_cents, raw.get(name))
                else:  # a year just added to the horizon starts from the previous cap
                    cents = previous_caps.get(code, {}).get(str(year))
                caps[str(year)] = cents or 0
    for weight in WEIGHT_NAMES:
        name = f"weight_{weight}"
        value = c.field(name, v.integer, raw.get(name), minimum=0, maximum=1000)
        settings["weights"][weight] = value if value is not None else getattr(Weights(), weight)
    codes = {cat["code"] for cat in categories}
    displays = {cat["code"] for cat in categories if cat["is_interactive_display"]}
    for code in sorted(codes):
        name = f"lifespan_{code}"
        value = c.field(name, v.integer, raw.get(name), minimum=1, maximum=50)
        known = next(cat for cat in categories if cat["code"] == code)
        if value is not None and value != known["lifespan_years"]:
            settings["lifespans"][code] = value
    for i in range(MAX_TARGETS):
        kinds = raw.get(f"target_{i}_kinds") or []
        if isinstance(kinds, str):
            kinds = [kinds]
        category = (raw.get(f"target_{i}_category") or "").strip()
        by_year_raw = raw.get(f"target_{i}_by_year")
        if not kinds and not category and not (by_year_raw or "").strip():
            continue
        if not kinds or any(k not in SITE_KINDS for k in kinds):
            c.error(f"target_{i}_kinds", _("Tick at least one kind of site."))
        if category not in displays:  # coverage counts interactive displays
            c.error(f"target_{i}_category", _("Choose one of the proposed values."))
        by_year = c.field(f"target_{i}_by_year", v.integer, by_year_raw, required=True,
                          minimum=MIN_YEAR, maximum=MAX_YEAR)
        settings["targets"].append({"site_kinds": sorted(set(kinds)), "category": category,
                                    "by_year": by_year})
    c.raise_if_any()
    return {"name": c.values["name"], "first_year": first_year, "years": years}, settings


def to_engine(first_year: int, years: int, settings: Mapping[str, Any],
              categories: list[dict[str, Any]], price_year: int) -> Scenario:
    ids = {cat["code"]: cat["id"] for cat in categories}
    budgets = settings.get("budgets", ONE_BUDGET)
    envelopes = []
    for code, kinds in ENVELOPE_KINDS.get(budgets, ENVELOPE_KINDS[ONE_BUDGET]):
        caps = settings.get("caps", {}).get(code, {})
        envelopes.append(Envelope(
            code=code,
            caps={y: int(caps.get(str(y), 0) or 0) for y in range(first_year, first_year + years)},
            kinds=frozenset(kinds) if kinds is not None else None,
        ))
    weights = Weights(**{k: int(v) for k, v in settings.get("weights", {}).items()
                         if k in WEIGHT_NAMES})
    targets = tuple(
        CoverageTarget(frozenset(t["site_kinds"]), ids[t["category"]], int(t["by_year"]))
        for t in settings.get("targets", []) if t.get("category") in ids
    )
    return Scenario(
        first_year=first_year, years=years, envelopes=tuple(envelopes), weights=weights,
        lifespans={ids[code]: int(n) for code, n in settings.get("lifespans", {}).items()
                   if code in ids},
        targets=targets, price_year=price_year,
    )
