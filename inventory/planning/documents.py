"""Renewal plans as the JSON API reads and answers them (see core/documents.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from inventory.core.documents import UNSET, Document, Unset, Versioned, choice
from inventory.core.fields import PLAN_STATUSES
from inventory.planning.engine import NEW, REPLACE
from inventory.planning.scenario import ENVELOPE_KINDS

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
    settings: dict[str, Any]
    summary: dict[str, Any]
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


class PlanInput(Versioned, kw_only=True):
    """Also, as in the plan form: cap_<budget>_<year> (euros, a number), weight_<name>
    (a number), lifespan_<CATEGORY> (years, a number), target_<i>_kinds (site kinds),
    target_<i>_category (a category code), target_<i>_by_year (a number), and with several
    organisations orgcap_<ORGANISATION>_<year> (euros, a number; null: no cap of its own)."""

    name: str | Unset = UNSET
    first_year: int | Unset = UNSET
    years: int | Unset = UNSET
    budgets: Budgets | Unset = UNSET  # one, or split (schools and other buildings)
    # Organisation codes (with several organisations; empty: every organisation, or all
    # of the account's for an account limited to some).
    organisations: list[str] | Unset = UNSET
