"""Renewal plans as the JSON API reads and answers them (see core/documents.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum
from typing import Any

import msgspec

from inventory.core.documents import UNSET, Document, Unset, Versioned, choice
from inventory.core.fields import PLAN_STATUSES
from inventory.planning.engine import NEW, REPLACE, WEIGHT_NAMES
from inventory.planning.scenario import (
    ENVELOPE_KINDS,
    MAX_TARGETS,
    ONE_BUDGET,
    ORGANISATION_CAPS,
    cap_name,
    organisation_cap_name,
)
from inventory.sites.documents import SiteKind

PlanStatus = choice("PlanStatus", PLAN_STATUSES)
Budgets = choice("Budgets", ENVELOPE_KINDS)
PlanLineKind = choice("PlanLineKind", [REPLACE, NEW])  # a device replaced, or a new one


class PlanDocument(Document):
    id: int
    name: str
    first_year: int
    years: int
    # The codes of the organisations it is made for (empty: every organisation).
    organisations: list[str]
    status: PlanStatus
    settings: PlanSettings
    summary: PlanSummary
    approved_at: dt.datetime | None
    approved_by: str
    version: int


class PlanList(msgspec.Struct, kw_only=True):
    items: list[PlanDocument]
    next_cursor: str | None


class PlanYear(msgspec.Struct, kw_only=True):
    year: int
    cap_cents: int
    spent_cents: int
    due_cents: int
    carried: int


class PlanPart(msgspec.Struct, kw_only=True):
    organisation: str | None  # its code
    cost_cents: int


class PlanLineDocument(msgspec.Struct, kw_only=True):
    year: int | None  # null: the unfunded backlog
    kind: PlanLineKind
    tag: str | None  # null for a new purchase
    site: str | None
    room: str | None
    category: str | None
    cost_cents: int
    score: int
    reason: str
    organisation: str | None  # the device's owner (the room's, for a new purchase)
    # Who pays what: the owner alone, or a jointly bought device's contract members by
    # their shares; the parts add up to cost_cents.
    parts: list[PlanPart]


class PlanOrganisationYear(msgspec.Struct, kw_only=True):
    year: int
    cap_cents: int | None  # null: no cap of its own
    spent_cents: int


class PlanOrganisationTotal(msgspec.Struct, kw_only=True):
    """What one organisation pays; the organisations' totals add up to the plan's."""

    organisation: str | None  # its code
    years: list[PlanOrganisationYear]
    backlog_cents: int
    total_cents: int


class PlanDetail(PlanDocument):
    """The scenario, its yearly totals and its lines (`limit`/`cursor` page the lines)."""

    totals: list[PlanYear]
    backlog_cents: int
    by_organisation: list[PlanOrganisationTotal]  # empty with one organisation
    lines: list[PlanLineDocument]
    next_cursor: str | None


Envelope = choice("Envelope", sorted({code for kinds in ENVELOPE_KINDS.values()
                                       for code, _kinds in kinds}))
WeightName = choice("WeightName", WEIGHT_NAMES)


class PlanCap(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A year's cap of one budget: `all` with one budget, `schools` and `others` split."""

    budget: Envelope
    year: int
    euros: float


class PlanTarget(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Every classroom of these kinds of site equipped with this kind of display by then."""

    site_kinds: list[SiteKind]
    category: str  # an interactive display's category code
    by_year: int


class PlanOrganisationCap(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    organisation: str  # its code
    year: int
    euros: float | None  # null: no cap of its own


class PlanInput(Versioned, kw_only=True, forbid_unknown_fields=True):
    """A scenario, as its form has it. A PATCH sends what changes: each list replaces what
    it names (a cap left out keeps its amount). Unknown fields are refused."""

    name: str | Unset = UNSET
    first_year: int | Unset = UNSET
    years: int | Unset = UNSET
    budgets: Budgets | Unset = UNSET  # one, or split (schools and other buildings)
    # Organisation codes (with several organisations; empty: every organisation, or all
    # of the account's for an account limited to some).
    organisations: list[str] | Unset = UNSET
    caps: list[PlanCap] | Unset = UNSET
    weights: dict[WeightName, int] | Unset = UNSET  # each criterion's weight, 0 to 1,000
    lifespans: dict[str, int] | Unset = UNSET  # category code: years (this plan's own)
    targets: list[PlanTarget] | Unset = UNSET  # at most 3
    organisation_caps: list[PlanOrganisationCap] | Unset = UNSET

    def form_fields(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The plan form's fields the planning rules read (scenario.clean_settings), and
        each one's place in this document (to name it in an error)."""
        fields: dict[str, Any] = {}
        places: dict[str, str] = {}

        def put(name: str, value: Any, place: str) -> None:
            fields[name] = value
            places[name] = place

        for name in ("name", "first_year", "years", "budgets", "organisations"):
            if (value := getattr(self, name)) is not UNSET:
                put(name, value.value if isinstance(value, Enum) else value, name)
        for i, cap in enumerate(self.caps or []):
            put(cap_name(cap.budget.value, cap.year), cap.euros, f"caps[{i}].euros")
        for weight, value in (self.weights or {}).items():
            put(f"weight_{weight.value}", value, f"weights.{weight.value}")
        for code, value in (self.lifespans or {}).items():
            put(f"lifespan_{code}", value, f"lifespans.{code}")
        if self.targets is not UNSET:
            for i in range(MAX_TARGETS):  # the targets sent replace the plan's
                target = self.targets[i] if i < len(self.targets) else None
                put(f"target_{i}_kinds", [k.value for k in target.site_kinds] if target else [],
                    f"targets[{i}].site_kinds")
                put(f"target_{i}_category", target.category if target else "",
                    f"targets[{i}].category")
                put(f"target_{i}_by_year", target.by_year if target else "",
                    f"targets[{i}].by_year")
        for i, cap in enumerate(self.organisation_caps or []):
            put(organisation_cap_name(cap.organisation.strip().upper(), cap.year),
                "" if cap.euros is None else cap.euros, f"organisation_caps[{i}].euros")
        return fields, places


class PlanTargetSetting(msgspec.Struct, kw_only=True):
    site_kinds: list[SiteKind]
    category: str  # an interactive display's category code
    by_year: int


class PlanSettings(msgspec.Struct, kw_only=True):
    """The scenario as saved: amounts in cents, years as text keys, organisations by code
    (the plan's own list is the document's `organisations`)."""

    budgets: Budgets
    caps: dict[Envelope, dict[str, int]]  # budget: {year: cents}
    weights: dict[WeightName, int]
    lifespans: dict[str, int]  # category code: years (this plan's own, where it differs)
    targets: list[PlanTargetSetting]
    organisation_caps: dict[str, dict[str, int]]  # organisation code: {year: cents}

    @classmethod
    def of(cls, settings: Mapping[str, Any], codes: Mapping[int, str]) -> PlanSettings:
        """From the stored settings, whose organisations are ids."""
        own = settings.get(ORGANISATION_CAPS) or {}
        return msgspec.convert({
            "budgets": settings.get("budgets", ONE_BUDGET), "caps": settings.get("caps", {}),
            "weights": settings.get("weights", {}), "lifespans": settings.get("lifespans", {}),
            "targets": settings.get("targets", []),
            "organisation_caps": {codes[int(i)]: caps for i, caps in own.items()
                                  if int(i) in codes}}, cls)


class PlanSummary(msgspec.Struct, kw_only=True):
    """What the list of plans shows: a draft's as computed at its last save or night, an
    approved plan's as of its approval (with its yearly totals then)."""

    total_cents: int = 0
    backlog_cents: int = 0
    backlog_count: int = 0
    lines: int = 0
    over_cap_years: list[int] = []
    average_age_end: float | None = None
    # An approved plan's, as approved: [year, cap, spent, due, carried over] in cents.
    totals: list[list[int]] | None = None
    undated: int | None = None
    coverage: list[float | None] | None = None  # rooms, equipped before, after
