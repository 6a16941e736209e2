"""Plans per organisation, pure: the engine's caps per organisation, a jointly bought
device's cost split by its contract's shares, the scenario's organisation fields, who sees
a plan, and the totals per organisation adding up to the plan's to the cent."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.core import i18n
from inventory.core.errors import ValidationFailed
from inventory.planning import present
from inventory.planning import scenario as sc
from inventory.planning.engine import (
    NEW,
    CategoryPolicy,
    CoverageTarget,
    Envelope,
    PlanAsset,
    PlanRoom,
    Scenario,
    make_plan,
)

EUR = 100
CITY, AGGLO, DEPT, REGION = 1, 2, 3, 4
VPI = CategoryPolicy(id=1, code="VPI", lifespan_years=8, cost_cents=1000 * EUR, criticality=3,
                     is_interactive_display=True)
PC = CategoryPolicy(id=2, code="PC", lifespan_years=5, cost_cents=500 * EUR, criticality=2)
TAB = CategoryPolicy(id=3, code="TAB", lifespan_years=4, cost_cents=333_33, criticality=1)


def device(n, category, start, owner, shares=(), faults=0):
    return PlanAsset(id=n, tag=f"T-{n:02d}", category_id=category.id, site_id=owner,
                     site_kind="elementaire", room_id=None, start_year=start,
                     recent_faults=faults, owner=owner, shares=tuple(shares))


def plenty(years=(2027, 2028)):
    return (Envelope("all", {y: 10**9 for y in years}),)


def test_an_organisation_over_its_cap_waits_while_the_others_are_funded():
    # The city's most urgent device (a 1000 EUR display) uses its whole 1000 EUR cap: its
    # computer waits for 2028, while the agglomeration's, less urgent, is funded in 2027.
    fleet = [device(1, VPI, 2010, CITY), device(2, PC, 2015, CITY),
             device(3, PC, 2020, AGGLO)]
    scenario = Scenario(2027, 2, plenty(), organisation_caps={CITY: {2027: 1000 * EUR}})
    plan = make_plan(fleet, [VPI, PC], scenario)
    assert [(line.year, line.tag) for line in plan.lines] == [
        (2027, "T-01"), (2027, "T-03"), (2028, "T-02")]
    carried = next(line for line in plan.lines if line.tag == "T-02")
    assert carried.reason["carried_from"] == 2027
    assert plan.totals[0].carried == 1
    assert plan.organisation_blocked == ()
    # Without its cap the city's computer is funded in 2027 too.
    free = make_plan(fleet, [VPI, PC], replace(scenario, organisation_caps={}))
    assert [(line.year, line.tag) for line in free.lines] == [
        (2027, "T-01"), (2027, "T-02"), (2027, "T-03")]


def test_most_urgent_first_within_an_organisation():
    # The city's display does not fit the 800 EUR left: its cheaper, less urgent computer
    # is not funded in its place; the city's year ends there, and the display is reported
    # as dearer than the whole cap.
    fleet = [device(1, VPI, 2010, CITY), device(2, PC, 2020, CITY), device(3, PC, 2020, AGGLO)]
    scenario = Scenario(2027, 1, plenty((2027,)), organisation_caps={CITY: {2027: 800 * EUR}})
    plan = make_plan(fleet, [VPI, PC], scenario)
    assert [line.tag for line in plan.lines] == ["T-03"]
    assert sorted(line.tag for line in plan.backlog) == ["T-01", "T-02"]
    assert plan.organisation_blocked == ((2027, CITY, "T-01", 1000 * EUR),)
    assert plan.blocked == ()


def test_the_envelope_cap_still_binds_every_organisation():
    fleet = [device(1, PC, 2010, CITY), device(2, PC, 2011, AGGLO), device(3, PC, 2012, CITY)]
    scenario = Scenario(2027, 1, (Envelope("all", {2027: 1000 * EUR}),),
                        organisation_caps={CITY: {2027: 10**9}, AGGLO: {2027: 10**9}})
    plan = make_plan(fleet, [PC], scenario)
    assert [line.tag for line in plan.lines] == ["T-01", "T-02"]
    assert [line.tag for line in plan.backlog] == ["T-03"]


def test_a_jointly_bought_tablet_is_split_by_the_contract_shares_to_the_cent():
    shares = ((CITY, 4000), (AGGLO, 2500), (DEPT, 2000), (REGION, 1500))
    fleet = [device(n, TAB, 2020, CITY, shares) for n in range(1, 4)]
    plan = make_plan(fleet, [TAB], Scenario(2027, 1, plenty((2027,))))
    for line in plan.lines:
        assert line.cost_cents == 333_33
        # 133.332, 83.3325, 66.666, 49.9995: the two cents left go to the largest remainders.
        assert dict(line.parts) == {CITY: 133_33, AGGLO: 83_33, DEPT: 66_67, REGION: 50_00}
        assert sum(cents for _org, cents in line.parts) == line.cost_cents
        assert line.owner == CITY
    rows = present.organisation_grid(plan.lines, plan.backlog, [2027],
                                     {CITY: "Ville", AGGLO: "Agglo", DEPT: "Département",
                                      REGION: "Région"})
    assert sum(row.total for row in rows) == plan.total_cents == 3 * 333_33
    assert {row.name: row.total for row in rows} == {
        "Ville": 3 * 133_33, "Agglo": 3 * 83_33, "Département": 3 * 66_67, "Région": 3 * 50_00}


def test_a_member_whose_share_does_not_fit_holds_the_joint_device_back():
    # The région's 15 % of each tablet (50 EUR) fits its cap once: the second tablet
    # waits, and so does the third (the région's year has ended), though the city, the
    # owner, has money left.
    shares = ((CITY, 8500), (REGION, 1500))
    fleet = [device(n, TAB, 2020, CITY, shares) for n in range(1, 4)]
    scenario = Scenario(2027, 2, plenty(), organisation_caps={REGION: {2027: 60 * EUR,
                                                                       2028: 200 * EUR}})
    plan = make_plan(fleet, [TAB], scenario)
    assert [(line.year, line.tag) for line in plan.lines] == [
        (2027, "T-01"), (2028, "T-02"), (2028, "T-03")]
    spent_2027 = sum(dict(line.parts).get(REGION, 0) for line in plan.lines if line.year == 2027)
    assert spent_2027 <= 60 * EUR


def test_a_new_display_is_paid_by_the_room_s_organisation():
    rooms = [PlanRoom(id=10, site_id=1, site_kind="elementaire", has_display=False, owner=CITY),
             PlanRoom(id=11, site_id=2, site_kind="elementaire", has_display=False, owner=AGGLO)]
    target = CoverageTarget(frozenset({"elementaire"}), VPI.id, 2027)
    scenario = Scenario(2027, 1, plenty((2027,)), targets=(target,),
                        organisation_caps={AGGLO: {2027: 0}})
    plan = make_plan([], [VPI], scenario, rooms)
    assert [(line.kind, line.room_id, line.parts) for line in plan.lines] == [
        (NEW, 10, ((CITY, 1000 * EUR),))]
    assert [line.room_id for line in plan.backlog] == [11]


# Properties: any fleet with owners, joint purchases and caps per organisation

ORGS = [CITY, AGGLO, DEPT]


@st.composite
def organisation_fleets(draw):
    categories = [
        CategoryPolicy(id=i, code=f"C{i}", lifespan_years=draw(st.integers(1, 10)),
                       cost_cents=draw(st.integers(0, 200_000)),
                       price_change_bp=draw(st.integers(-300, 1500)),
                       criticality=draw(st.integers(0, 3)))
        for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    shares = st.lists(st.tuples(st.sampled_from(ORGS), st.integers(0, 10_000)), max_size=3)
    assets = []
    for n in range(draw(st.integers(0, 30))):
        category = draw(st.sampled_from(categories))
        assets.append(PlanAsset(
            id=n + 1, tag=f"T-{n:03d}", category_id=category.id, site_id=1,
            site_kind=draw(st.sampled_from(["elementaire", "mairie"])), room_id=None,
            start_year=draw(st.integers(2010, 2030)), recent_faults=draw(st.integers(0, 5)),
            owner=draw(st.sampled_from(ORGS)), shares=tuple(draw(shares))))
    first_year, years = 2027, draw(st.integers(1, 5))
    plan_years = range(first_year, first_year + years)

    def caps():
        return {y: draw(st.integers(0, 6000)) * EUR for y in plan_years}

    envelopes = (Envelope("all", caps()),) if draw(st.booleans()) else (
        Envelope("schools", caps(), frozenset({"elementaire"})), Envelope("others", caps()))
    organisation_caps = {org: {y: draw(st.integers(0, 4000)) * EUR for y in plan_years
                               if draw(st.booleans())}
                         for org in ORGS if draw(st.booleans())}
    scenario = Scenario(first_year, years, envelopes, organisation_caps=organisation_caps)
    return assets, categories, scenario


@settings(max_examples=300, deadline=None)
@given(organisation_fleets())
def test_no_organisation_spends_more_than_its_cap_and_parts_add_up(case):
    assets, categories, scenario = case
    plan = make_plan(assets, categories, scenario)
    for line in (*plan.lines, *plan.backlog):
        assert sum(cents for _org, cents in line.parts) == line.cost_cents
        assert all(cents >= 0 for _org, cents in line.parts)
    for org, caps in scenario.organisation_caps.items():
        for year, cap in caps.items():
            spent = sum(dict(line.parts).get(org, 0) for line in plan.lines if line.year == year)
            assert spent <= cap
    for envelope in scenario.envelopes:
        for year in scenario.plan_years:
            assert plan.spent_by_envelope[(year, envelope.code)] <= envelope.caps[year]
    due = {a.id for a in assets
           if a.start_year + {c.id: c for c in categories}[a.category_id].lifespan_years
           <= scenario.last_year}
    assert sorted(line.asset_id for line in (*plan.lines, *plan.backlog)) == sorted(due)
    rows = present.organisation_grid(plan.lines, plan.backlog, scenario.plan_years,
                                     {org: str(org) for org in ORGS})
    assert sum(row.total for row in rows) == plan.total_cents
    assert sum(row.backlog for row in rows) == plan.backlog_cents
    for year_total in plan.totals:
        assert sum(row.by_year[year_total.year] for row in rows) == year_total.spent_cents


@settings(max_examples=200, deadline=None)
@given(organisation_fleets())
def test_caps_no_organisation_reaches_change_nothing(case):
    """Caps per organisation that never bind give the plan of no such caps: the one order
    of priority across envelopes funds each envelope as it would alone."""
    assets, categories, scenario = case
    loose = replace(scenario, organisation_caps={org: {y: 10**12 for y in scenario.plan_years}
                                                 for org in ORGS})
    unbound = replace(scenario, organisation_caps={})
    assert make_plan(assets, categories, loose) == make_plan(assets, categories, unbound)


# The scenario's organisation fields

CATEGORIES = [{"id": 1, "code": "PC", "lifespan_years": 5, "is_interactive_display": False}]
CHOICES = [{"id": CITY, "code": "VILLE", "name": "Ville"},
           {"id": AGGLO, "code": "AGGLO", "name": "Agglomération"}]
FORM = {"name": "Plan", "first_year": "2027", "years": "2"}


def test_the_plan_s_organisations_and_their_caps_are_read_from_the_form():
    _header, settings = sc.clean_settings(
        {**FORM, "organisations": ["ville", "AGGLO"], "orgcap_VILLE_2027": "1 000,50",
         "orgcap_VILLE_2028": "", "orgcap_AGGLO_2027": "0"},
        CATEGORIES, organisations=CHOICES)
    assert settings["organisations"] == [CITY, AGGLO]
    assert settings["organisation_caps"] == {str(CITY): {"2027": 100_050},
                                             str(AGGLO): {"2027": 0}}
    scenario = sc.to_engine(2027, 2, settings, CATEGORIES, 2027)
    assert scenario.organisation_caps == {CITY: {2027: 100_050}, AGGLO: {2027: 0}}


def test_unknown_organisations_and_bad_caps_are_refused_at_the_field():
    token = i18n.set_language("en")
    try:
        with pytest.raises(ValidationFailed) as refused:
            sc.clean_settings({**FORM, "organisations": ["VILLE", "AILLEURS"],
                               "orgcap_VILLE_2027": "beaucoup"}, CATEGORIES,
                              organisations=CHOICES)
    finally:
        i18n._current.reset(token)
    assert refused.value.errors == {
        "organisations": "Choose one of the proposed values.",
        "orgcap_VILLE_2027": "Enter an amount in euros, such as 1 234,50."}


def test_none_chosen_means_every_organisation_or_all_of_a_limited_person_s():
    _header, everyone = sc.clean_settings(FORM, CATEGORIES, organisations=CHOICES)
    assert everyone["organisations"] == []
    _header, theirs = sc.clean_settings(FORM, CATEGORIES, organisations=CHOICES[:1],
                                        limited=True)
    assert theirs["organisations"] == [CITY]
    # One organisation in the installation: nothing to choose, settings as they always were.
    _header, single = sc.clean_settings(FORM, CATEGORIES)
    assert "organisations" not in single and "organisation_caps" not in single


def test_a_year_added_to_the_horizon_keeps_the_caps_it_had():
    previous = {"organisation_caps": {str(CITY): {"2029": 5000}}}
    _header, settings = sc.clean_settings(
        {**FORM, "years": "3", "organisations": ["VILLE"], "orgcap_VILLE_2027": "10"},
        CATEGORIES, previous=previous, organisations=CHOICES)
    assert settings["organisation_caps"] == {str(CITY): {"2027": 1000, "2029": 5000}}


def test_who_sees_a_plan():
    city_plan = {"organisations": [CITY]}
    shared = {"organisations": [CITY, AGGLO]}
    everyone = {}
    assert sc.sees_plan(None, everyone) and sc.sees_plan(None, shared)
    assert sc.sees_plan(frozenset({CITY}), city_plan)
    assert not sc.sees_plan(frozenset({CITY}), shared)  # all of its organisations, or none
    assert sc.sees_plan(frozenset({CITY, AGGLO, DEPT}), shared)
    assert not sc.sees_plan(frozenset({CITY, AGGLO}), everyone)
    assert not sc.sees_plan(frozenset(), city_plan)
