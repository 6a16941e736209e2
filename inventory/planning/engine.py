"""The renewal planning engine: a pure, deterministic function from the fleet and a scenario
to a year-by-year plan. No DB, no HTTP: the service feeds it plain values.

How a year is planned, per budget envelope (a yearly cap for a group of sites):
1. The candidates are the assets whose end of life has come (and that were not replaced
   yet), plus the rooms a coverage target says must be equipped by now.
2. They are ranked by a priority score (the scenario's weights times how far past its end of
   life a device is, its recent faults, its warranty being over and how much teaching needs
   its category), ties broken by a stable key.
3. They are funded in that order while the envelope's cap allows. The first one that does not
   fit ends that envelope's year ("most urgent first": money is not spent on a less urgent
   device while a more urgent one waits). What is not funded is carried to the next year;
   past the horizon it is the unfunded backlog. A candidate costing more than a year's whole
   cap therefore holds that year up: the plan reports it (`blocked`) so the planner raises the
   cap or changes the priorities.

Funding strictly in order keeps the plan monotone: with higher caps, everything funded by a
given year is still funded by that year, so the backlog never grows. (Passing over a
candidate too dear for the year would break this: a higher cap can then let it in and push
out cheaper ones.)

Organisations (a plan made for several members of a mutualised service): each line is
charged to organisations, its device's owner alone or, for a device bought jointly, every
member of its contract by the contract's shares (contracts.shares: whole cents adding up to
the line's cost). An organisation may have a yearly cap of its own besides the envelopes'.
Within a year the candidates of every envelope are taken in one order of priority; a
candidate whose part does not fit its organisation's cap ends that organisation's year the
way the envelope's cap ends the envelope's: it and every later candidate charging that
organisation wait, while the other organisations' devices go on being funded from the
envelope (an organisation out of money does not hold up its neighbours).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, TypedDict

from inventory.contracts.shares import member_costs
from inventory.core import memory

REPLACE = "replace"
NEW = "new"


@dataclass(frozen=True)
class CategoryPolicy:
    id: int
    code: str
    lifespan_years: int
    cost_cents: int
    price_change_bp: int = 0  # hundredths of a percent a year
    criticality: int = 1  # 0..3
    is_interactive_display: bool = False


# A million of them for a région's plan: slots, and not frozen (a frozen dataclass's
# __init__ sets each field through object.__setattr__, ~1 s more per million). Never
# changed once read.
@dataclass(slots=True)
class PlanAsset:
    id: int
    tag: str
    category_id: int
    site_id: int
    site_kind: str
    room_id: int | None
    start_year: int | None  # commissioning year, else purchase year
    eol_override: int | None = None
    warranty_end: date | None = None
    recent_faults: int = 0  # faults reported in the last 12 months
    owner: int | None = None  # the owning organisation
    # A jointly bought device: its contract's members and their shares (basis points or
    # amounts: only their proportions count); empty, the owner bears the whole cost.
    shares: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class PlanRoom:
    """A classroom, for coverage targets."""

    id: int
    site_id: int
    site_kind: str
    has_display: bool
    owner: int | None = None  # the site's organisation, which pays for its new display


@dataclass(frozen=True)
class Weights:
    age: int = 10  # per year past end of life
    faults: int = 5  # per fault in the last 12 months (at most 10 counted)
    warranty: int = 3  # warranty over
    criticality: int = 4  # per level of the category's criticality (0..3)
    coverage: int = 20  # a room a coverage target asks for

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in WEIGHT_NAMES}


WEIGHT_NAMES = ("age", "faults", "warranty", "criticality", "coverage")
MAX_COUNTED_FAULTS = 10


@dataclass(frozen=True)
class Envelope:
    """A budget: caps per year for the sites of some kinds (kinds None: every other site)."""

    code: str
    caps: Mapping[int, int]
    kinds: frozenset[str] | None = None


@dataclass(frozen=True)
class CoverageTarget:
    """Every classroom of the sites of these kinds has an interactive display by `by_year`;
    the missing ones are bought in `category_id`."""

    site_kinds: frozenset[str]
    category_id: int
    by_year: int


@dataclass(frozen=True)
class Scenario:
    first_year: int
    years: int
    envelopes: tuple[Envelope, ...]
    weights: Weights = field(default_factory=Weights)
    lifespans: Mapping[int, int] = field(default_factory=dict)  # category id -> years
    targets: tuple[CoverageTarget, ...] = ()
    price_year: int | None = None  # the year of the categories' prices (default first_year)
    # Yearly caps per organisation: organisation id -> year -> cents; a year left out (or
    # an organisation) has no cap of its own, only the envelopes'.
    organisation_caps: Mapping[int, Mapping[int, int]] = field(default_factory=dict)

    @property
    def last_year(self) -> int:
        return self.first_year + self.years - 1

    @property
    def plan_years(self) -> range:
        return range(self.first_year, self.first_year + self.years)


class LineReason(TypedDict, total=False):
    """Why a line is due, as of its year: a replaced device's facts (eol_year to
    warranty_over) or a new display's target (by_year, site_kinds); carried_from when a cap
    moved it past the year it first came due. An approved plan stores it as JSON."""

    eol_year: int
    lifespan: int
    start_year: int | None
    override: bool
    faults: int
    age: int | None
    warranty_over: bool
    by_year: int
    site_kinds: list[str]
    carried_from: int


class Line(Protocol):
    """A purchase of the plan, or of its backlog (year None): a device replaced (REPLACE) or
    a new display for a classroom (NEW). The engine makes ComputedLines, an approved plan's
    stored lines are StoredLines."""

    @property
    def year(self) -> int | None: ...  # None: backlog
    @property
    def kind(self) -> str: ...  # REPLACE or NEW
    @property
    def asset_id(self) -> int | None: ...
    @property
    def tag(self) -> str: ...
    @property
    def site_id(self) -> int: ...
    @property
    def room_id(self) -> int | None: ...
    @property
    def category_id(self) -> int: ...
    @property
    def cost_cents(self) -> int: ...
    @property
    def score(self) -> int: ...
    @property
    def envelope(self) -> str: ...
    @property
    def reason(self) -> LineReason: ...
    @property
    def owner(self) -> int | None: ...
    @property
    def parts(self) -> tuple[tuple[int | None, int], ...]:
        """Who pays for it: (organisation, cents) adding up to cost_cents (the owner alone,
        or a jointly bought device's contract members by their shares)."""
        ...


@dataclass(slots=True)
class StoredLine:
    """A line as an approved plan stored it."""

    year: int | None
    kind: str
    asset_id: int | None
    tag: str
    site_id: int
    room_id: int | None
    category_id: int
    cost_cents: int
    score: int
    envelope: str
    reason: LineReason
    owner: int | None = None
    parts: tuple[tuple[int | None, int], ...] = ()


@dataclass(frozen=True)
class YearTotal:
    year: int
    cap_cents: int
    spent_cents: int
    demand_cents: int  # everything that was due that year, funded or carried
    carried: int  # how many candidates were carried to the next year


@dataclass(frozen=True)
class Plan:
    lines: tuple[Line, ...]  # funded, by year then rank
    backlog: tuple[Line, ...]
    totals: tuple[YearTotal, ...]
    spent_by_envelope: Mapping[tuple[int, str], int]
    undated: int  # assets with neither purchase date nor end-of-life override: not planned
    average_age_end: float | None
    coverage_rooms: int
    coverage_before: int
    coverage_after: int
    # (year, envelope, tag or "" for a new purchase, cost): the next in line costs more than
    # the whole cap of that year, so nothing after it could be funded.
    blocked: tuple[tuple[int, str, str, int], ...] = ()
    # (year, organisation, tag or "", its part): the same for an organisation's own cap.
    organisation_blocked: tuple[tuple[int, int, str, int], ...] = ()

    @property
    def backlog_cents(self) -> int:
        return sum(line.cost_cents for line in self.backlog)

    @property
    def total_cents(self) -> int:
        return sum(line.cost_cents for line in self.lines)

    @property
    def backlog_count(self) -> int:
        return len(self.backlog)

    @property
    def lines_count(self) -> int:
        return len(self.lines)


def cost_in_year(policy: CategoryPolicy, year: int, price_year: int) -> int:
    """Today's replacement cost moved by the yearly price change, rounded to the cent."""
    n = year - price_year
    if n <= 0 or policy.price_change_bp == 0:
        return policy.cost_cents
    numerator = policy.cost_cents * (10000 + policy.price_change_bp) ** n
    denominator = 10000**n
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(slots=True)
class _Candidate:
    kind: str
    envelope: str
    due_year: int  # the first plan year it competes in
    late_from: int  # end-of-life year, or the year a target makes the room due
    static_score: int  # the part of the score that does not change with the year
    warranty_over_from: int  # first year its warranty counts as over
    tiebreak: tuple
    policy: CategoryPolicy
    asset: PlanAsset | None = None
    room: PlanRoom | None = None
    lifespan: int = 0
    target: CoverageTarget | None = None
    order: int = 0  # rank of `tiebreak` among all candidates: ties are broken by it
    first_ranked: int = 0  # the first year it competed for money
    key: int = 0  # its heap key in a year its warranty still runs
    key_warranty_over: int = 0
    heap_key: int | None = None  # its key's entry in its envelope's heap, while it waits
    # Its score in a year is age × year - key // spread (see make_plan's keys).


NEVER = 10**9


def _envelope_of(kind: str, envelopes: tuple[Envelope, ...]) -> str:
    fallback = None
    for envelope in envelopes:
        if envelope.kinds is None:
            fallback = fallback or envelope.code
        elif kind in envelope.kinds:
            return envelope.code
    return fallback or ""


def _room_due_years(count: int, first_year: int, by_year: int) -> list[int]:
    """Spread `count` purchases evenly from first_year to by_year: by each year, the
    cumulative number due is ceil(count * elapsed / span)."""
    span = max(1, by_year - first_year + 1)
    due = []
    for i in range(count):
        # the smallest elapsed e (1..span) with ceil(count * e / span) > i
        elapsed = (i * span) // count + 1
        due.append(first_year + elapsed - 1)
    return due


def make_plan(
    assets: Iterable[PlanAsset],
    categories: Iterable[CategoryPolicy],
    scenario: Scenario,
    rooms: Iterable[PlanRoom] = (),
) -> Plan:
    # The plan builds a few objects per device and no reference cycles: the cyclic garbage
    # collector would only walk them again and again (a quarter of a million-device plan's
    # time). It runs as usual once the plan is made.
    with memory.collector_paused():
        return _make_plan(assets, categories, scenario, rooms)


def _make_plan(assets: Iterable[PlanAsset], categories: Iterable[CategoryPolicy],
               scenario: Scenario, rooms: Iterable[PlanRoom]) -> Plan:
    policies = {c.id: c for c in categories}
    weights = scenario.weights
    price_year = scenario.price_year if scenario.price_year is not None else scenario.first_year
    last_year = scenario.last_year
    envelope_codes = [e.code for e in scenario.envelopes]

    candidates: list[_Candidate] = []
    # The fleet's age at the end of the horizon: every dated device's, as if none were
    # replaced; a replacement then makes its device as old as its successor.
    dated = age_sum = 0
    undated = 0
    envelope_of_kind: dict[str, str] = {}
    years: dict[int, int] = {}
    # Per category: its policy, the scenario's lifespan for it and its criticality's score.
    by_category = {c.id: (c, scenario.lifespans.get(c.id, c.lifespan_years),
                          weights.criticality * c.criticality) for c in policies.values()}
    first_year = scenario.first_year
    for asset in assets:
        policy, lifespan, critical_score = by_category[asset.category_id]
        start_year = asset.start_year
        if start_year is not None:
            dated += 1
            age_sum += last_year - start_year
        eol = asset.eol_override  # the end of life: set on the device, else by its age
        if eol is None:
            if start_year is None:
                undated += 1
                continue
            eol = start_year + lifespan
        if eol > last_year:
            continue
        kind = asset.site_kind
        envelope = envelope_of_kind.get(kind)
        if envelope is None:
            envelope = envelope_of_kind[kind] = _envelope_of(kind, scenario.envelopes)
        eol = years.setdefault(eol, eol)  # one int object per year, not per device
        # The warranty counts as over in the year it ends; unknown counts as over.
        warranty_over = asset.warranty_end.year if asset.warranty_end else -NEVER
        candidates.append(_Candidate(
            REPLACE, envelope, eol if eol > first_year else first_year, eol,
            weights.faults * min(asset.recent_faults, MAX_COUNTED_FAULTS) + critical_score,
            years.setdefault(warranty_over, warranty_over), (eol, 0, asset.tag, 0),
            policy, asset, None, lifespan))

    # Coverage: the classrooms each target asks for, spread over the years to its deadline.
    room_list = sorted(rooms, key=lambda r: (r.site_id, r.id))
    taken: set[int] = set()
    for target in sorted(scenario.targets, key=lambda t: (t.by_year, t.category_id,
                                                          sorted(t.site_kinds))):
        policy = policies[target.category_id]
        lacking = [r for r in room_list
                   if r.site_kind in target.site_kinds and not r.has_display and r.id not in taken]
        taken.update(r.id for r in lacking)
        for room, due in zip(lacking, _room_due_years(len(lacking), scenario.first_year,
                                                      target.by_year), strict=True):
            if due > last_year:
                continue
            candidates.append(_Candidate(
                kind=NEW,
                envelope=_envelope_of(room.site_kind, scenario.envelopes),
                due_year=due,
                late_from=due,
                static_score=weights.coverage + weights.criticality * policy.criticality,
                warranty_over_from=NEVER,
                tiebreak=(due, 1, "", room.id),
                policy=policy, room=room, target=target,
            ))

    # One integer key per candidate and year: -score, then the stable tie-break rank.
    candidates.sort(key=lambda c: c.tiebreak)
    for order, candidate in enumerate(candidates):
        candidate.order = order
        candidate.tiebreak = ()  # its order says it from now on
    spread = len(candidates) + 1
    for candidate in candidates:
        base = candidate.static_score - weights.age * candidate.late_from
        candidate.key = -base * spread + candidate.order
        candidate.key_warranty_over = -(base + weights.warranty) * spread + candidate.order

    by_envelope: dict[str, list[_Candidate]] = {code: [] for code in envelope_codes}
    for candidate in candidates:
        by_envelope.setdefault(candidate.envelope, []).append(candidate)
    caps_by_code = {e.code: e.caps for e in scenario.envelopes}
    prices = {year: {c.id: cost_in_year(c, year, price_year) for c in policies.values()}
              for year in scenario.plan_years}

    lines: list[ComputedLine] = []
    new_funded: list[tuple[int, int]] = []  # (room id, year)
    spent_by_envelope: dict[tuple[int, str], int] = {}
    year_demand: dict[int, int] = {y: 0 for y in scenario.plan_years}
    year_carried: dict[int, int] = {y: 0 for y in scenario.plan_years}
    backlog: list[ComputedLine] = []
    blocked: list[tuple[int, str, str, int]] = []

    by_order = candidates  # sorted by tie-break: candidates[c.order] is c
    pools = [_Pool(code, pool, caps_by_code.get(code, {})) for code, pool in by_envelope.items()]
    for pool in pools:
        pool.candidates.sort(key=lambda c: c.due_year)
    organisation_caps = scenario.organisation_caps
    organisation_blocked: list[tuple[int, int, str, int]] = []
    warranty_flips = weights.warranty != 0  # else a candidate's key never changes
    for year in scenario.plan_years:
        year_prices = prices[year]
        age_now = weights.age * year
        heaps: list[_Pool] = []
        for pool in pools:
            # The heap lasts from year to year: the age term grows alike for everyone, so
            # only the candidates coming due, those held last year by their organisation's
            # cap and those whose warranty ends this year get (new) keys.
            arriving = pool.held
            pool.held = []
            candidates_of = pool.candidates
            while pool.next_index < len(candidates_of) and \
                    candidates_of[pool.next_index].due_year <= year:
                candidate = candidates_of[pool.next_index]
                candidate.first_ranked = year
                arriving.append(candidate)
                pool.pending_by_category[candidate.policy.id] = pool.pending_by_category.get(
                    candidate.policy.id, 0) + 1
                if warranty_flips and year < candidate.warranty_over_from <= last_year:
                    pool.flips.setdefault(candidate.warranty_over_from, []).append(candidate)
                pool.next_index += 1
            keys: list[int] = []
            for candidate in arriving:
                key = candidate.key_warranty_over \
                    if year >= candidate.warranty_over_from else candidate.key
                candidate.heap_key = key
                keys.append(key)
            pool.live += len(arriving)
            for candidate in pool.flips.pop(year, ()):
                # Still waiting with last year's key: that entry goes stale, skipped when
                # it comes up (a funded or held candidate's own entry is gone already).
                if candidate.heap_key == candidate.key:
                    candidate.heap_key = candidate.key_warranty_over
                    keys.append(candidate.key_warranty_over)
            if len(keys) > len(pool.heap):
                pool.heap += keys
                heapq.heapify(pool.heap)
            else:
                for key in keys:
                    heapq.heappush(pool.heap, key)
            pool.cap = pool.remaining = pool.caps.get(year, 0)
            year_demand[year] += sum(n * year_prices[category]
                                     for category, n in pool.pending_by_category.items())
            if pool.heap:
                heaps.append(pool)
        # What each capped organisation may still spend this year, and those whose year
        # has ended (their most urgent candidate did not fit).
        left = {org: caps[year] for org, caps in organisation_caps.items() if year in caps}
        closed: set[int | None] = set()
        while heaps:
            # The most urgent candidate of every envelope still funding this year.
            pool = heaps[0] if len(heaps) == 1 else min(heaps, key=lambda e: e.heap[0])
            key = pool.heap[0]
            candidate = by_order[key % spread]  # key % spread is the candidate's order
            if candidate.heap_key != key:  # a stale entry (its warranty ended since)
                heapq.heappop(pool.heap)
                if not pool.heap:
                    heaps.remove(pool)
                continue
            price = year_prices[candidate.policy.id]
            parts = _parts(candidate, price) if left else ()
            if parts:
                waits = any(org in closed for org, _part in parts)
                if not waits:
                    for org, part in parts:
                        if org in left and part > left[org]:  # its organisation's year ends
                            closed.add(org)
                            waits = True
                            if part > organisation_caps[org][year]:
                                organisation_blocked.append((year, org, _tag(candidate), part))
                if waits:
                    heapq.heappop(pool.heap)
                    candidate.heap_key = None
                    pool.live -= 1
                    pool.held.append(candidate)
                    if not pool.heap:
                        heaps.remove(pool)
                    continue
            if price > pool.remaining:  # it and everything after it in the envelope wait
                if price > pool.cap:  # it can never fit this year: say so
                    blocked.append((year, pool.code, _tag(candidate), price))
                heaps.remove(pool)
                continue
            heapq.heappop(pool.heap)
            candidate.heap_key = None
            pool.live -= 1
            pool.remaining -= price
            for org, part in parts:
                if org in left:
                    left[org] -= part
            pool.pending_by_category[candidate.policy.id] -= 1
            # Its key is -(score - age × year) × spread + order (see above).
            lines.append(ComputedLine(candidate, year, price, age_now - key // spread))
            if candidate.asset is not None:
                if candidate.asset.start_year is not None:
                    age_sum += candidate.asset.start_year - year
            else:
                assert candidate.room is not None  # a new purchase is for a room
                new_funded.append((candidate.room.id, year))
            if not pool.heap:
                heaps.remove(pool)
        for pool in pools:
            year_carried[year] += pool.live + len(pool.held)
            spent_by_envelope[(year, pool.code)] = pool.cap - pool.remaining
    last_prices = {c.id: cost_in_year(c, last_year, price_year) for c in policies.values()}
    age_last = weights.age * last_year
    for pool in pools:
        # The last year's keys rank the backlog: highest score first, then the tie-break.
        keys = [key for key in pool.heap if by_order[key % spread].heap_key == key]
        keys += [c.key_warranty_over if last_year >= c.warranty_over_from else c.key
                 for c in pool.held]
        keys.sort()
        for key in keys:
            candidate = by_order[key % spread]
            backlog.append(ComputedLine(candidate, None, last_prices[candidate.policy.id],
                                        age_last - key // spread))
    position = {code: i for i, code in enumerate(envelope_codes)}
    blocked.sort(key=lambda b: (position.get(b[1], len(position)), b[0]))

    lines.sort(key=_order_in_year({code: i for i, code in enumerate(envelope_codes)}))
    totals = tuple(
        YearTotal(
            year=year,
            cap_cents=sum(e.caps.get(year, 0) for e in scenario.envelopes),
            spent_cents=sum(spent_by_envelope.get((year, code), 0) for code in by_envelope),
            demand_cents=year_demand[year],
            carried=year_carried[year],
        )
        for year in scenario.plan_years
    )

    # New displays are as old as their purchase.
    age_sum += sum(last_year - year for _room, year in new_funded)
    counted = dated + len(new_funded)
    room_ids = {r.id for r in room_list}
    before = sum(1 for r in room_list if r.has_display)
    return Plan(
        lines=tuple(lines),
        backlog=tuple(backlog),
        totals=totals,
        spent_by_envelope=spent_by_envelope,
        undated=undated,
        average_age_end=round(age_sum / counted, 1) if counted else None,
        coverage_rooms=len(room_ids),
        coverage_before=before,
        coverage_after=before + len({room for room, _year in new_funded}),
        blocked=tuple(blocked),
        organisation_blocked=tuple(organisation_blocked),
    )


@dataclass(slots=True)
class _Pool:
    """An envelope's candidates as the years go by."""

    code: str
    candidates: list[_Candidate]  # by due year
    caps: Mapping[int, int]
    next_index: int = 0  # candidates before it have come due
    # Candidates whose warranty ends in a later year of the plan, by that year.
    flips: dict[int, list[_Candidate]] = field(default_factory=dict)
    live: int = 0  # entries of the heap that are not stale
    pending_by_category: dict[int, int] = field(default_factory=dict)  # how many of each wait
    heap: list[int] = field(default_factory=list)  # the keys of those waiting (some stale)
    held: list[_Candidate] = field(default_factory=list)  # this year's, waiting for their org
    cap: int = 0
    remaining: int = 0


def _tag(candidate: _Candidate) -> str:
    return candidate.asset.tag if candidate.asset is not None else ""


def _parts(candidate: _Candidate, price: int) -> tuple[tuple[int | None, int], ...]:
    """Who pays what of `price`: a device's owner alone, or its contract's members by
    their shares (whole cents adding up to the price); a new display its site's owner."""
    asset = candidate.asset
    if asset is None:
        assert candidate.room is not None
        return ((candidate.room.owner, price),)
    if not asset.shares:
        return ((asset.owner, price),)
    return tuple(member_costs(price, asset.shares, asset.owner).items())


class ComputedLine:
    """A line as the engine makes it: its candidate, year, cost and score; everything else
    is read from the candidate when asked for. A région's plan has a million lines: built
    whole (their reasons as dicts, their shares as tuples) they took ~0.9 KB each."""

    __slots__ = ("_candidate", "year", "cost_cents", "score")

    def __init__(self, candidate: _Candidate, year: int | None, cost_cents: int, score: int):
        self._candidate = candidate
        self.year = year
        self.cost_cents = cost_cents
        self.score = score

    @property
    def kind(self) -> str:
        return self._candidate.kind

    @property
    def asset_id(self) -> int | None:
        asset = self._candidate.asset
        return asset.id if asset is not None else None

    @property
    def tag(self) -> str:
        return _tag(self._candidate)

    @property
    def site_id(self) -> int:
        return self._place[0]

    @property
    def room_id(self) -> int | None:
        return self._place[1]

    @property
    def _place(self) -> tuple[int, int | None]:
        candidate = self._candidate
        if candidate.asset is not None:
            return candidate.asset.site_id, candidate.asset.room_id
        assert candidate.room is not None  # a new purchase is for a room
        return candidate.room.site_id, candidate.room.id

    @property
    def category_id(self) -> int:
        return self._candidate.policy.id

    @property
    def envelope(self) -> str:
        return self._candidate.envelope

    @property
    def owner(self) -> int | None:
        candidate = self._candidate
        if candidate.asset is not None:
            return candidate.asset.owner
        return candidate.room.owner if candidate.room is not None else None

    @property
    def parts(self) -> tuple[tuple[int | None, int], ...]:
        return _parts(self._candidate, self.cost_cents)

    @property
    def reason(self) -> LineReason:
        """The facts that made it due, as of its year (of the year it first came due, for
        the backlog)."""
        candidate = self._candidate
        first_due = candidate.first_ranked
        reference = self.year if self.year is not None else first_due
        asset = candidate.asset
        facts: LineReason
        if candidate.kind == REPLACE:
            assert asset is not None
            facts = {
                "eol_year": candidate.late_from, "lifespan": candidate.lifespan,
                "start_year": asset.start_year, "override": asset.eol_override is not None,
                "faults": asset.recent_faults,
                "age": reference - asset.start_year if asset.start_year is not None else None,
                "warranty_over": reference >= candidate.warranty_over_from,
            }
        else:
            assert candidate.target is not None
            facts = {"by_year": candidate.target.by_year,
                     "site_kinds": sorted(candidate.target.site_kinds)}
        if self.year is not None and first_due < self.year:
            facts["carried_from"] = first_due
        return facts

    def _values(self) -> tuple:
        return (self.year, self.kind, self.asset_id, self.tag, self.site_id, self.room_id,
                self.category_id, self.cost_cents, self.score, self.envelope, self.reason,
                self.owner, self.parts)

    def __eq__(self, other: object) -> bool:
        """Two lines are equal when they say the same (the same plan made twice)."""
        if not isinstance(other, ComputedLine):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # equal by value, and mutable like a dataclass

    def __repr__(self) -> str:
        return f"ComputedLine{self._values()}"


def _order_in_year(envelope_position: Mapping[str, int]):
    """The funded lines' order: by year, envelope, score (highest first), then tag and room."""
    last = len(envelope_position)

    def key(line: ComputedLine) -> tuple:
        candidate = line._candidate
        asset = candidate.asset
        if asset is not None:
            return (line.year, envelope_position.get(candidate.envelope, last), -line.score,
                    asset.tag, asset.room_id or 0)
        assert candidate.room is not None  # a new purchase is for a room
        return (line.year, envelope_position.get(candidate.envelope, last), -line.score,
                "", candidate.room.id)
    return key
