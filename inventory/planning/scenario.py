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
# A yearly cap is kept in the plan's settings (JSON), not in a 32-bit column: a région's
# yearly budget runs to tens of millions of euros (20 million was the amounts' limit).
CAP_MAX_CENTS = 100_000_000_000_000  # a thousand billion euros
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


# Organisations (an installation of several): `organisations` lists the ids the plan is made
# for (empty or absent: every organisation, as before there were several), and
# `organisation_caps` their own yearly caps {"<id>": {"<year>": cents}} (left out: no cap).
ORGANISATIONS = "organisations"
ORGANISATION_CAPS = "organisation_caps"


def plan_organisations(settings: Mapping[str, Any]) -> list[int]:
    """The organisations a plan is made for (empty: every organisation)."""
    return sorted({int(i) for i in settings.get(ORGANISATIONS) or []})


def sees_plan(organisation_ids: frozenset[int] | None, settings: Mapping[str, Any]) -> bool:
    """Whether an account limited to `organisation_ids` (None: not limited) may see a plan:
    only when it sees every organisation the plan is made for, so a plan of every
    organisation is for the installation-wide accounts alone."""
    if organisation_ids is None:
        return True
    chosen = plan_organisations(settings)
    return bool(chosen) and set(chosen) <= organisation_ids


def cap_name(envelope: str, year: int) -> str:
    """A year's cap of one budget, as the plan form names it."""
    return f"cap_{envelope}_{year}"


def organisation_cap_name(code: str, year: int) -> str:
    return f"orgcap_{code}_{year}"


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
                   previous: Mapping[str, Any] | None = None,
                   organisations: list[dict[str, Any]] | None = None,
                   limited: bool = False) -> tuple[dict, dict]:
    """Form fields -> (header fields, settings). Raises ValidationFailed with field errors.

    Fields: name, first_year, years, budgets (one|split), cap_<envelope>_<year> (euros),
    weight_<name>, lifespan_<CATEGORY>, target_<i>_kinds (several), target_<i>_category,
    target_<i>_by_year; with several organisations in the installation, organisations
    (codes, several) and orgcap_<CODE>_<year> (euros; blank: no cap of its own).

    `organisations` are those the person may choose ({"id", "code", "name"}; None: the
    installation has only one, nothing to choose). For a person `limited` to some
    organisations, choosing none means all of theirs (they could not see a plan of every
    organisation).
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
                name = cap_name(code, year)
                if name in raw:
                    cents = c.field(name, v.euros_to_cents, raw.get(name), maximum=CAP_MAX_CENTS)
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
        if not kinds and not category and v.blank(by_year_raw):
            continue
        if not kinds or any(k not in SITE_KINDS for k in kinds):
            c.error(f"target_{i}_kinds", _("Tick at least one kind of site."))
        if category not in displays:  # coverage counts interactive displays
            c.error(f"target_{i}_category", _("Choose one of the proposed values."))
        by_year = c.field(f"target_{i}_by_year", v.integer, by_year_raw, required=True,
                          minimum=MIN_YEAR, maximum=MAX_YEAR)
        settings["targets"].append({"site_kinds": sorted(set(kinds)), "category": category,
                                    "by_year": by_year})
    if organisations is not None:
        _clean_organisations(c, raw, settings, organisations, limited, first_year, years,
                             previous or {})
    c.raise_if_any()
    return {"name": c.values["name"], "first_year": first_year, "years": years}, settings


def _clean_organisations(c: Collector, raw: Mapping[str, Any], settings: dict[str, Any],
                         organisations: list[dict[str, Any]], limited: bool,
                         first_year: int | None, years: int | None,
                         previous: Mapping[str, Any]) -> None:
    codes = raw.get(ORGANISATIONS) or []
    if isinstance(codes, str):
        codes = [codes]
    by_code = {o["code"]: o for o in organisations}
    chosen: set[int] = set()
    for code in codes:
        found = by_code.get(str(code).strip().upper()) if isinstance(code, str) else None
        if found is None:
            c.error(ORGANISATIONS, _("Choose one of the proposed values."))
        else:
            chosen.add(found["id"])
    if not chosen and limited:
        chosen = {o["id"] for o in organisations}
    settings[ORGANISATIONS] = sorted(chosen)
    settings[ORGANISATION_CAPS] = {}
    if not (first_year and years):
        return
    previous_caps = previous.get(ORGANISATION_CAPS) or {}
    for org in organisations:  # the caps of the plan's organisations (all: every one)
        if chosen and org["id"] not in chosen:
            continue
        caps: dict[str, int] = {}
        for year in range(first_year, first_year + years):
            name = organisation_cap_name(org["code"], year)
            if name in raw:  # blank: no cap of its own
                cents = c.field(name, v.euros_to_cents, raw.get(name), maximum=CAP_MAX_CENTS)
            else:  # a year or an organisation just added keeps what it had
                cents = (previous_caps.get(str(org["id"])) or {}).get(str(year))
            if cents is not None:
                caps[str(year)] = cents
        if caps:
            settings[ORGANISATION_CAPS][str(org["id"])] = caps


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
        organisation_caps=organisation_caps(first_year, years, settings),
    )


def organisation_caps(first_year: int, years: int,
                      settings: Mapping[str, Any]) -> dict[int, dict[int, int]]:
    """The organisations' own caps within the horizon: id -> year -> cents."""
    return {int(org): {int(y): int(cents) for y, cents in caps.items()
                       if first_year <= int(y) < first_year + years}
            for org, caps in (settings.get(ORGANISATION_CAPS) or {}).items()}
