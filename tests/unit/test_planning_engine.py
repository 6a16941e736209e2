"""The planning engine: a small fleet planned by hand, and properties checked by hypothesis."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.planning.engine import (
    NEW,
    REPLACE,
    CategoryPolicy,
    CoverageTarget,
    Envelope,
    PlanAsset,
    PlanRoom,
    Scenario,
    cost_in_year,
    make_plan,
)

EUR = 100
VPI = CategoryPolicy(id=1, code="VPI", lifespan_years=8, cost_cents=1000 * EUR, criticality=3,
                     is_interactive_display=True)
PC = CategoryPolicy(id=2, code="PC", lifespan_years=5, cost_cents=500 * EUR, criticality=2)
SW = CategoryPolicy(id=3, code="SW", lifespan_years=10, cost_cents=800 * EUR, criticality=3,
                    price_change_bp=1000)


def asset(n, category, start, faults=0, warranty=None, override=None, kind="elementaire"):
    return PlanAsset(id=n, tag=f"T-{n:02d}", category_id=category.id, site_id=1, site_kind=kind,
                     room_id=10 + n, start_year=start, eol_override=override,
                     warranty_end=warranty, recent_faults=faults)


# The 12-asset fleet of the worked example (scores and costs written out in the test).
FLEET = [
    asset(1, VPI, 2015, warranty=date(2020, 6, 30)),
    asset(2, VPI, 2018, faults=2, warranty=date(2021, 1, 1)),
    asset(3, VPI, 2020, warranty=date(2025, 9, 1)),
    asset(4, PC, 2020, faults=4, warranty=date(2023, 1, 1)),
    asset(5, PC, 2021, warranty=date(2024, 1, 1)),
    asset(6, PC, 2022, warranty=date(2027, 6, 30)),
    asset(7, PC, 2023, warranty=date(2029, 12, 31)),
    asset(8, SW, 2016),
    asset(9, SW, 2019),
    asset(10, VPI, 2024, override=2027, warranty=date(2026, 1, 1)),
    asset(11, PC, 2026),
    asset(12, PC, None),
]
CAPS = {2027: 3000 * EUR, 2028: 3000 * EUR, 2029: 1000 * EUR}


def test_cost_follows_the_yearly_price_change_to_the_cent():
    assert cost_in_year(SW, 2027, 2027) == 80000
    assert cost_in_year(SW, 2028, 2027) == 88000
    assert cost_in_year(SW, 2029, 2027) == 96800
    assert cost_in_year(PC, 2035, 2027) == 50000
    assert cost_in_year(replace(PC, price_change_bp=250), 2028, 2027) == 51250
    assert cost_in_year(replace(PC, cost_cents=333, price_change_bp=150), 2029, 2027) == 343


def test_twelve_asset_fleet_planned_by_hand():
    plan = make_plan(FLEET, [VPI, PC, SW], Scenario(2027, 3, (Envelope("all", CAPS),)))
    planned = [(line.year, line.tag, line.cost_cents // EUR, line.score) for line in plan.lines]
    # 2027 (cap 3000): A1 55, A4 51, A2 35 funded (2500); A8 (800) does not fit in the 500
    # left, so the year ends there and A8, A5, A10, A6 are carried.
    # 2028 (cap 3000): A8 35 (880 after +10 %), A5 31, A10 25, A6 21 funded (2880); A3 (1000)
    # does not fit in 120. 2029 (cap 1000): A3 25 funded; A7 and A9 go to the backlog.
    assert planned == [
        (2027, "T-01", 1000, 55), (2027, "T-04", 500, 51), (2027, "T-02", 1000, 35),
        (2028, "T-08", 880, 35), (2028, "T-05", 500, 31), (2028, "T-10", 1000, 25),
        (2028, "T-06", 500, 21),
        (2029, "T-03", 1000, 25),
    ]
    assert [(line.tag, line.cost_cents // EUR, line.score) for line in plan.backlog] == [
        ("T-07", 500, 21), ("T-09", 968, 15)]
    assert plan.backlog_cents == 1468 * EUR
    assert [(t.year, t.spent_cents // EUR, t.demand_cents // EUR, t.carried)
            for t in plan.totals] == [(2027, 2500, 5300, 4), (2028, 2880, 4380, 2),
                                      (2029, 1000, 2468, 2)]
    assert plan.undated == 1
    assert plan.average_age_end == 2.6  # 29 years over 11 dated devices
    first = plan.lines[0].reason
    assert first == {"eol_year": 2023, "lifespan": 8, "start_year": 2015, "override": False,
                     "faults": 0, "age": 12, "warranty_over": True}
    carried = plan.lines[3].reason
    assert carried["carried_from"] == 2027 and carried["age"] == 12


def test_scenario_lifespan_and_weights_change_the_plan():
    longer = make_plan(FLEET, [VPI, PC, SW],
                       Scenario(2027, 3, (Envelope("all", CAPS),), lifespans={VPI.id: 20}))
    assert not {"T-01", "T-02", "T-03"} & {line.tag for line in longer.lines + longer.backlog}
    assert "T-10" in {line.tag for line in longer.lines}  # its own end of life stays


def test_coverage_target_spreads_purchases_to_the_deadline():
    rooms = [PlanRoom(id=100 + i, site_id=2, site_kind="elementaire", has_display=False)
             for i in range(4)]
    rooms.append(PlanRoom(id=200, site_id=2, site_kind="elementaire", has_display=True))
    rooms.append(PlanRoom(id=300, site_id=3, site_kind="maternelle", has_display=False))
    target = CoverageTarget(site_kinds=frozenset({"elementaire"}), category_id=VPI.id, by_year=2028)
    plan = make_plan([], [VPI], Scenario(2027, 3, (Envelope("all", {y: 10**9 for y in CAPS}),),
                                         targets=(target,)), rooms)
    assert [(line.kind, line.year, line.room_id) for line in plan.lines] == [
        (NEW, 2027, 100), (NEW, 2027, 101), (NEW, 2028, 102), (NEW, 2028, 103)]
    assert (plan.coverage_rooms, plan.coverage_before, plan.coverage_after) == (6, 1, 5)


def test_separate_envelopes_keep_their_own_caps():
    schools = Envelope("schools", {2027: 1000 * EUR}, frozenset({"elementaire"}))
    others = Envelope("others", {2027: 500 * EUR})
    fleet = [asset(1, VPI, 2010), asset(2, PC, 2010, kind="mairie"),
             asset(3, PC, 2010, kind="mairie")]
    plan = make_plan(fleet, [VPI, PC], Scenario(2027, 1, (schools, others)))
    assert [(line.tag, line.envelope) for line in plan.lines] == [
        ("T-01", "schools"), ("T-02", "others")]
    assert [line.tag for line in plan.backlog] == ["T-03"]


def test_a_warranty_ending_mid_plan_raises_the_device_from_that_year():
    """One PC a year. T-01's warranty runs in 2027 and ends in 2028, when its score ties
    T-03's (the tie-break, its tag, puts it first); T-02 (one fault) goes first."""
    fleet = [asset(1, PC, 2021, warranty=date(2028, 3, 1)), asset(2, PC, 2021, faults=1),
             asset(3, PC, 2021)]
    caps = {year: 500 * EUR for year in (2027, 2028, 2029)}
    plan = make_plan(fleet, [PC], Scenario(2027, 3, (Envelope("all", caps),)))
    assert [(line.year, line.tag, line.score) for line in plan.lines] == [
        (2027, "T-02", 26), (2028, "T-01", 31), (2029, "T-03", 41)]
    assert plan.lines[1].reason["warranty_over"] is True and plan.backlog == ()


# Properties

KINDS = ["elementaire", "maternelle", "mairie"]


@st.composite
def fleets(draw):
    categories = [
        CategoryPolicy(id=i, code=f"C{i}", lifespan_years=draw(st.integers(1, 12)),
                       cost_cents=draw(st.integers(0, 3000)) * EUR,
                       price_change_bp=draw(st.integers(-500, 2000)),
                       criticality=draw(st.integers(0, 3)))
        for i in range(1, draw(st.integers(1, 4)) + 1)
    ]
    assets = []
    for n in range(draw(st.integers(0, 40))):
        category = draw(st.sampled_from(categories))
        start = draw(st.one_of(st.none(), st.integers(2008, 2032)))
        assets.append(PlanAsset(
            id=n + 1, tag=f"T-{n:03d}", category_id=category.id, site_id=draw(st.integers(1, 4)),
            site_kind=draw(st.sampled_from(KINDS)), room_id=None, start_year=start,
            eol_override=draw(st.one_of(st.none(), st.integers(2020, 2035))),
            warranty_end=draw(st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2035, 1, 1)))),
            recent_faults=draw(st.integers(0, 12)),
        ))
    rooms = [PlanRoom(id=1000 + i, site_id=draw(st.integers(1, 4)),
                      site_kind=draw(st.sampled_from(KINDS)), has_display=draw(st.booleans()))
             for i in range(draw(st.integers(0, 15)))]
    first_year = draw(st.integers(2025, 2028))
    years = draw(st.integers(1, 6))
    plan_years = range(first_year, first_year + years)

    def caps():
        return {y: draw(st.integers(0, 8000)) * EUR for y in plan_years}

    if draw(st.booleans()):
        envelopes = (Envelope("all", caps()),)
    else:
        envelopes = (Envelope("schools", caps(), frozenset({"elementaire", "maternelle"})),
                     Envelope("others", caps()))
    targets = ()
    if rooms and draw(st.booleans()):
        targets = (CoverageTarget(frozenset(draw(st.lists(st.sampled_from(KINDS), min_size=1))),
                                  draw(st.sampled_from(categories)).id,
                                  draw(st.integers(first_year - 1, first_year + years + 1))),)
    scenario = Scenario(first_year, years, envelopes, targets=targets,
                        lifespans={c.id: draw(st.integers(1, 12)) for c in categories
                                   if draw(st.booleans())})
    return assets, categories, scenario, rooms


@settings(max_examples=300, deadline=None)
@given(fleets())
def test_no_year_exceeds_its_cap(case):
    assets, categories, scenario, rooms = case
    plan = make_plan(assets, categories, scenario, rooms)
    for envelope in scenario.envelopes:
        for year in scenario.plan_years:
            spent = sum(line.cost_cents for line in plan.lines
                        if line.year == year and line.envelope == envelope.code)
            assert spent == plan.spent_by_envelope[(year, envelope.code)]
            assert spent <= envelope.caps[year]
    for total in plan.totals:
        assert total.spent_cents <= total.cap_cents


@settings(max_examples=300, deadline=None)
@given(fleets())
def test_every_device_past_end_of_life_is_planned_or_in_the_backlog(case):
    assets, categories, scenario, rooms = case
    plan = make_plan(assets, categories, scenario, rooms)
    policies = {c.id: c for c in categories}
    due = set()
    for a in assets:
        lifespan = scenario.lifespans.get(a.category_id, policies[a.category_id].lifespan_years)
        eol = a.eol_override if a.eol_override is not None else (
            a.start_year + lifespan if a.start_year is not None else None)
        if eol is not None and eol <= scenario.last_year:
            due.add(a.id)
    replaced = [line.asset_id for line in plan.lines + plan.backlog if line.kind == REPLACE]
    assert sorted(replaced) == sorted(due)  # each exactly once
    assert all(line.year in scenario.plan_years for line in plan.lines)


@settings(max_examples=300, deadline=None)
@given(fleets(), st.data())
def test_raising_every_cap_never_increases_the_backlog(case, data):
    assets, categories, scenario, rooms = case
    raised = tuple(
        replace(e, caps={y: cap + data.draw(st.integers(0, 5000)) * EUR for y, cap in e.caps.items()})
        for e in scenario.envelopes
    )
    before = make_plan(assets, categories, scenario, rooms)
    after = make_plan(assets, categories, replace(scenario, envelopes=raised), rooms)
    assert after.backlog_cents <= before.backlog_cents


@settings(max_examples=200, deadline=None)
@given(fleets(), st.randoms(use_true_random=False))
def test_same_input_same_plan_whatever_the_order(case, rng: random.Random):
    assets, categories, scenario, rooms = case
    first = make_plan(assets, categories, scenario, rooms)
    shuffled_assets, shuffled_rooms = list(assets), list(rooms)
    rng.shuffle(shuffled_assets)
    rng.shuffle(shuffled_rooms)
    again = make_plan(shuffled_assets, list(reversed(categories)), scenario, shuffled_rooms)
    assert again == first


@settings(max_examples=200, deadline=None)
@given(fleets())
def test_coverage_targets_are_met_when_the_budget_allows(case):
    assets, categories, scenario, rooms = case
    unlimited = tuple(replace(e, caps={y: 10**12 for y in e.caps}) for e in scenario.envelopes)
    plan = make_plan(assets, categories, replace(scenario, envelopes=unlimited), rooms)
    assert not plan.backlog
    for target in scenario.targets:
        deadline = max(target.by_year, scenario.first_year)
        if deadline > scenario.last_year:
            continue
        lacking = {r.id for r in rooms if r.site_kind in target.site_kinds and not r.has_display}
        bought = {line.room_id: line.year for line in plan.lines if line.kind == NEW}
        assert lacking <= set(bought)
        assert all(bought[room] <= deadline for room in lacking)


def test_a_device_dearer_than_the_whole_cap_holds_the_year_up_and_is_reported():
    core = CategoryPolicy(id=9, code="CORE", lifespan_years=8, cost_cents=9000 * EUR, criticality=3)
    fleet = [asset(1, core, 2010), asset(2, PC, 2020)]  # the core switch is the most urgent
    plan = make_plan(fleet, [core, PC], Scenario(2027, 2, (Envelope("all", {2027: 5000 * EUR,
                                                                            2028: 5000 * EUR}),)))
    assert plan.lines == ()  # "most urgent first": nothing jumps the queue
    assert plan.blocked == ((2027, "all", "T-01", 9000 * EUR), (2028, "all", "T-01", 9000 * EUR))
    raised = make_plan(fleet, [core, PC], Scenario(2027, 2, (Envelope("all", {2027: 9500 * EUR,
                                                                              2028: 5000 * EUR}),)))
    assert [(line.year, line.tag) for line in raised.lines] == [(2027, "T-01"), (2027, "T-02")]
    assert raised.blocked == ()
