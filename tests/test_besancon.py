"""The Besançon-style case, end to end through the services, on both engines (issue 16's
"done when"): a city, its agglomeration, its département and its région buy councillors'
tablets together (a groupement de commandes with shares); one tablet per councillor
whatever the number of their mandates; each member sees its share and its own equipment
only; the tablets are lent, acknowledged, returned, and renewed through a plan made for
the four organisations, whose totals per organisation add up to the plan's to the cent and
follow the contract's shares. All names are invented."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.assets import service as assets
from inventory.contracts import service as contracts
from inventory.contracts.shares import replacement_cost_split
from inventory.core import clock
from inventory.core.errors import NotFound, ValidationFailed
from inventory.loans import service as loans
from inventory.planning import present
from inventory.planning import service as planning
from tests.helpers import query

ACTOR = "service-mutualise@agglo.example"
UNIT_CENTS = 333_33  # a tablet: 333,33 EUR, which no share divides evenly
TABLETS = 30
# The groupement's members and their shares (basis points), and the tablets each one owns
# (one per councillor of its assembly, the councillors of two assemblies counted once).
MEMBERS = {"VILLE": (4000, 12), "AGGLO": (2500, 8), "DEPT": (2000, 6), "REGION": (1500, 4)}
NAMES = {"VILLE": "Ville de Vallombreuse", "AGGLO": "Grand Vallombreuse",
         "DEPT": "Département du Haut-Val", "REGION": "Région Val-de-Loue"}
KINDS = {"VILLE": "commune", "AGGLO": "epci", "DEPT": "departement", "REGION": "region"}
# Councillors who sit in two assemblies: one tablet each, from their first assembly.
TWO_MANDATES = [("VILLE", "AGGLO"), ("VILLE", "AGGLO"), ("DEPT", "REGION"), ("AGGLO", "DEPT")]
BOUGHT = dt.date(2024, 9, 2)
LENT = dt.datetime(2024, 9, 16, 9, 0, tzinfo=dt.UTC)
PLANNED = dt.datetime(2027, 10, 1, 9, 0, tzinfo=dt.UTC)


def _scope(organisation_ids, site_ids) -> Scope:
    """What an account working for these organisations sees (accounts.scope.account_scope)."""
    return Scope(site_ids=frozenset(site_ids), organisation_ids=frozenset(organisation_ids))


def test_joint_purchase_of_councillors_tablets_lent_and_renewed_by_plan(run, make, empty_url):
    make.installation()
    orgs = {code: make.organisation(code=code, name=NAMES[code], kind=KINDS[code])
            for code in MEMBERS}
    ids = {code: org["id"] for code, org in orgs.items()}
    sites = {code: make.site(owner=code, kind="mairie" if code == "VILLE" else "other",
                             name=f"Hôtel de l'assemblée {code.lower()}") for code in MEMBERS}
    tablet = make.category(code="TAB", name="Tablette", lifespan_years=4,
                           replacement_cost_cents=UNIT_CENTS)
    contract = make.contract(
        owner="VILLE", kind="groupement", reference="GC-2024-TAB",
        title="Tablettes des élus", amount_cents=UNIT_CENTS * TABLETS,
        members=[(code, share) for code, (share, _count) in MEMBERS.items()])
    order = make.purchase(contract, lines=[{"description": "Tablette 11 pouces",
                                            "category": "TAB", "quantity": TABLETS,
                                            "unit_price_cents": UNIT_CENTS}],
                          ordered_on=BOUGHT.isoformat())
    owned: dict[str, list[dict]] = {}
    for code, (_share, count) in MEMBERS.items():
        owned[code] = [make.asset(site=sites[code], category=tablet, purchase=order["id"],
                                  purchase_date=BOUGHT.isoformat()) for _ in range(count)]
    assert sum(len(tablets) for tablets in owned.values()) == TABLETS
    every_tag = {a["tag"] for tablets in owned.values() for a in tablets}
    assert query("SELECT COUNT(*) AS n FROM asset WHERE contract = {}",
                 contract["id"])[0]["n"] == TABLETS

    members = {code: _scope([ids[code]], [sites[code]["id"]]) for code in MEMBERS}
    mutualised = _scope(ids.values(), [s["id"] for s in sites.values()])

    # Each member sees the contract, its share of it, and its own tablets only.
    amounts = {}
    for code, scope in members.items():
        _contract, _purchases, report = run(contracts.report(contract["id"], scope))
        amounts[code] = next(r["contract_cents"] for r in report if r["code"] == code)
        for device in owned[code]:
            assert run(assets.get_asset(device["tag"], scope))["owner"] == ids[code]
        for other, tablets in owned.items():
            if other != code:
                with pytest.raises(NotFound):
                    run(assets.get_asset(tablets[0]["tag"], scope))
    assert sum(amounts.values()) == contract["amount_cents"] == UNIT_CENTS * TABLETS

    # The councillors: one tablet each, whatever the number of their assemblies.
    people = []
    for code, (_share, count) in MEMBERS.items():
        alone = count - sum(1 for first, _second in TWO_MANDATES if first == code)
        people += [(f"Élu·e {code.title()} n° {n + 1}", [code]) for n in range(alone)]
    people += [(f"Élu·e de deux assemblées n° {n + 1}", list(pair))
               for n, pair in enumerate(TWO_MANDATES)]
    assert len(people) == TABLETS
    free = {code: list(tablets) for code, tablets in owned.items()}
    loans_made = []
    with clock.frozen(LENT):
        for name, assemblies in people:
            person = run(loans.create_person({
                "name": name, "mandates": ", ".join(assemblies), "organisations": assemblies,
                "email": f"elu{len(loans_made) + 1}@conseil.example"}, ACTOR, mutualised))
            device = free[assemblies[0]].pop()
            loan, token = run(loans.check_out(device["tag"], {
                "person": str(person["id"]), "for_term": "on", "accessories": "Chargeur"},
                ACTOR, mutualised))
            assert sorted(loan["organisations"]) == sorted(ids[c] for c in assemblies)
            run(loans.acknowledge_by_token(token))
            loans_made.append((person, device, loan, assemblies))
    assert all(not tablets for tablets in free.values())  # every tablet went to someone
    # A second tablet for a councillor of two assemblies is refused unless confirmed.
    person, device, _loan, assemblies = next(item for item in loans_made if len(item[3]) == 2)
    spare = make.asset(site=sites[assemblies[0]], category=tablet)
    with pytest.raises(ValidationFailed) as second:
        run(loans.check_out(spare["tag"], {"person": str(person["id"]), "for_term": "on"},
                            ACTOR, mutualised))
    assert "already holds" in second.value.errors["person"]
    run(assets.change_status(spare["tag"], "retired", None, ACTOR, EVERYTHING))

    # Each member sees the loans of its own tablets (a councillor of two assemblies holds
    # the tablet of the first one: the second sees the person, not the other's device).
    for code, scope in members.items():
        seen = {row["id"] for row in run(loans.list_loans(scope))}
        own = {device["tag"] for device in owned[code]}
        assert seen == {loan["id"] for _p, device, loan, served in loans_made
                        if device["tag"] in own}
        assert all(code in served for _p, device, _l, served in loans_made
                   if device["tag"] in own)
        for _p, _d, loan, _served in loans_made:
            assert run(loans.get_loan(loan["id"], EVERYTHING))["acknowledged_at"] is not None

    # Two councillors leave at mid-term: their tablets come back (one without its charger).
    with clock.frozen(dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)):
        for (_person, _device, loan, _served), missing in zip(loans_made[:2], ["", "Chargeur"],
                                                                strict=True):
            back = run(loans.check_in(loan["id"], {"missing_accessories": missing,
                                                   "return_condition": "Bon état"},
                                      None, ACTOR, mutualised))
            assert back["returned_on"] is not None

    # The renewal: the mutualised service plans for its four members (lifespan 4 years:
    # due in 2028). Over 2028-2030 with a budget that allows everything.
    with clock.frozen(PLANNED):
        plan = run(planning.create_plan({
            "name": "Renouvellement des tablettes des élus", "first_year": "2028",
            "years": "3", "budgets": "one", "organisations": list(MEMBERS),
            **{f"cap_all_{y}": "20000" for y in (2028, 2029, 2030)}}, ACTOR, mutualised))
        assert sorted(plan["settings"]["organisations"]) == sorted(ids.values())
        result = run(planning.computed(plan, clock.today()))
    assert {line.tag for line in result.lines} == every_tag  # returned ones included
    assert all(line.year == 2028 for line in result.lines) and not result.backlog
    assert result.total_cents == UNIT_CENTS * TABLETS

    # Each line's cost split by the contract's shares, to the cent.
    shares = {"members": [{"organisation": ids[code], "share": share}
                          for code, (share, _count) in MEMBERS.items()]}
    for line in result.lines:
        assert dict(line.parts) == replacement_cost_split(line.cost_cents, shares, line.owner)
        assert sum(cents for _org, cents in line.parts) == line.cost_cents
    rows = present.organisation_grid(result.lines, result.backlog, range(2028, 2031),
                                     {i: code for code, i in ids.items()})
    by_code = {row.name: row.total for row in rows}
    assert set(by_code) == set(MEMBERS)
    assert sum(by_code.values()) == result.total_cents  # to the cent
    for code, (share, _count) in MEMBERS.items():
        # Each tablet split by the shares, whole cents: within a cent a tablet of the share.
        assert abs(by_code[code] * 10_000 - result.total_cents * share) <= TABLETS * 10_000
    # 133,332 / 83,3325 / 66,666 / 49,9995 EUR a tablet: the cents left to the largest
    # remainders (the département and the région).
    assert by_code == {"VILLE": 30 * 133_33, "AGGLO": 30 * 83_33, "DEPT": 30 * 66_67,
                       "REGION": 30 * 50_00}

    # A member alone does not see the plan of four; its own plan reads its own tablets.
    region = members["REGION"]
    with pytest.raises(NotFound):
        run(planning.get_plan(plan["id"], region))
    assert plan["id"] not in {p["id"] for p in run(planning.list_plans(region))}
    with clock.frozen(PLANNED):
        own = run(planning.create_plan({"name": "Tablettes de la région", "first_year": "2028",
                                        "years": "3", "cap_all_2028": "5000"}, ACTOR, region))
        assert own["settings"]["organisations"] == [ids["REGION"]]
        own_result = run(planning.computed(own, clock.today()))
    assert {line.tag for line in own_result.lines} == {a["tag"] for a in owned["REGION"]}

    # Approved, the plan keeps who pays what; the tablets are renewed through it.
    with clock.frozen(PLANNED):
        run(planning.approve(plan["id"], plan["version"], ACTOR, clock.today(), mutualised))
        approved = run(planning.get_plan(plan["id"], mutualised))
        frozen = run(planning.computed(approved, clock.today()))
    frozen_rows = present.organisation_grid(frozen.lines, frozen.backlog, range(2028, 2031),
                                            {i: code for code, i in ids.items()})
    assert {row.name: row.total for row in frozen_rows} == by_code
    old = owned["AGGLO"][0]
    with clock.frozen(dt.datetime(2028, 9, 1, 9, 0, tzinfo=dt.UTC)):
        successor = run(assets.create({"site": sites["AGGLO"]["code"], "category": "TAB",
                                       "replaces": old["tag"], "purchase_date": "2028-09-01",
                                       "purchase_price_eur": "349,00"},
                                      ACTOR, mutualised, prefix="BRN", digits=6))
        progress = run(planning.progress(approved, clock.today()))
    assert successor["owner"] == ids["AGGLO"]
    assert progress.done == 1 and progress.spent_cents == 349_00
    assert run(assets.get_asset(old["tag"], EVERYTHING))["status"] == "retired"
