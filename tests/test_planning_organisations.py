"""Plans per organisation through the pages, exports and API, on both engines: the plan's
organisations chosen in its form, caps per organisation, totals split by organisation (a
jointly bought device by its contract's shares), and plans seen only by those who see all
of their organisations."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from inventory.accounts.scope import EVERYTHING
from inventory.planning import service as planning
from tests.helpers import execute, field_error, query

YEAR = 2028
YEARS = range(YEAR, YEAR + 3)
CITY, AGGLO = "Ville de Vallombreuse", "Agglomération du Val"


def _money(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def _fleet(make) -> dict:
    """Two organisations sharing the service: each its site and its computers (due in
    2028), and two tablets the city owns but bought with the agglomeration (60 % / 40 %)."""
    make.installation()
    city = make.organisation(code="VILLE", name=CITY, kind="commune")
    agglo = make.organisation(code="AGGLO", name=AGGLO, kind="epci")
    city_site = make.site(owner=city, name="École des Tilleuls")
    agglo_site = make.site(owner=agglo, name="Pôle numérique", kind="other")
    pc = make.category(code="PC", name="Ordinateur", lifespan_years=5,
                       replacement_cost_cents=500_00)
    tab = make.category(code="TAB", name="Tablette", lifespan_years=4,
                        replacement_cost_cents=333_33)
    city_pcs = make.assets(3, site=city_site, category=pc, purchase_date="2023-01-10")
    agglo_pcs = make.assets(2, site=agglo_site, category=pc, purchase_date="2023-01-10")
    contract = make.contract(owner=city, kind="groupement", amount_cents=666_66,
                             members=[(city, 6000), (agglo, 4000)])
    order = make.purchase(contract, lines=[{"description": "Tablette", "quantity": 2,
                                            "unit_price_cents": 333_33}])
    tablets = [make.asset(site=city_site, category=tab, purchase=order["id"],
                          purchase_date="2024-02-01") for _ in range(2)]
    return {"city": city, "agglo": agglo, "city_pcs": city_pcs, "agglo_pcs": agglo_pcs,
            "tablets": tablets}


def _create(client, organisations, name="Plan mutualisé") -> int:
    created = client.post("/plans", data={"name": name, "first_year": str(YEAR), "years": "3",
                                          "organisations": organisations},
                          follow_redirects=False)
    assert created.status_code == 303, created.text
    return int(created.headers["location"].rsplit("/", 1)[1])


def _save(client, plan_id, organisations, **extra):
    version = query("SELECT version FROM renewal_plan WHERE id = {}", plan_id)[0]["version"]
    form = {"name": "Plan mutualisé", "first_year": str(YEAR), "years": "3", "budgets": "one",
            "organisations": organisations, "version": str(version),
            **{f"cap_all_{y}": "100000" for y in YEARS}, **extra}
    return client.post(f"/plans/{plan_id}", data=form, follow_redirects=False)


def _organisation_rows(html: str) -> dict[str, list[int]]:
    table = re.search(r'<table class="dense plan-grid by-organisation">(.*?)</table>', html,
                      re.S).group(1)
    rows = {}
    for name, cells in re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S):
        rows[name] = [_money(c.split("<br>")[0]) if c.strip() else 0
                      for c in re.findall(r'<td class="num">(.*?)</td>', cells, re.S)]
    return rows


def test_a_plan_for_two_organisations_with_a_cap_of_its_own(empty_client, make):
    client = empty_client
    fleet = _fleet(make)
    index = client.get("/plans")
    assert 'name="organisations" value="VILLE"' in index.text
    assert 'name="organisations" value="AGGLO"' in index.text
    plan_id = _create(client, ["VILLE", "AGGLO"])
    # The agglomeration may spend 500 EUR a year: one of its two computers waits a year.
    saved = _save(client, plan_id, ["VILLE", "AGGLO"], **{f"orgcap_AGGLO_{YEAR}": "500",
                                                          f"orgcap_AGGLO_{YEAR + 1}": "500"})
    assert saved.status_code == 303, saved.text
    page = client.get(f"/plans/{plan_id}").text
    assert f"{CITY}, {AGGLO}" in page or f"{AGGLO}, {CITY}" in page
    assert f'id="f-orgcap_AGGLO_{YEAR}" name="orgcap_AGGLO_{YEAR}" value="500,00"' in page
    assert f'name="orgcap_VILLE_{YEAR}" value=""' in page  # blank: no cap of its own
    rows = _organisation_rows(page)
    assert set(rows) == {CITY, AGGLO, "Total"}
    # Years 2028, 2029, 2030, then backlog and total. All falls due in 2028, in the order
    # the devices were registered: the city's computers, the agglomeration's, the tablets.
    # The agglomeration's second computer waits for 2029, and the tablets, of which it
    # pays 40 %, wait with it (its year has ended): the city does not pay them alone.
    assert rows[AGGLO] == [500_00, 500_00, 2 * 133_33, 0, 2 * 500_00 + 2 * 133_33]
    assert rows[CITY] == [3 * 500_00, 0, 2 * 200_00, 0, 3 * 500_00 + 2 * 200_00]
    for i in range(5):
        assert rows[CITY][i] + rows[AGGLO][i] == rows["Total"][i]
    assert rows["Total"][4] == 5 * 500_00 + 2 * 333_33
    assert "carried from 2028 (over the cap)" in page
    tags = {a["tag"] for a in fleet["city_pcs"] + fleet["agglo_pcs"] + fleet["tablets"]}
    assert all(tag in page for tag in tags)


def test_the_plan_reads_only_its_organisations_devices(empty_client, make):
    client = empty_client
    fleet = _fleet(make)
    plan_id = _create(client, ["AGGLO"])
    saved = _save(client, plan_id, ["AGGLO"])
    assert saved.status_code == 303
    page = client.get(f"/plans/{plan_id}").text
    assert all(a["tag"] in page for a in fleet["agglo_pcs"])
    assert not any(a["tag"] in page for a in fleet["city_pcs"] + fleet["tablets"])
    assert set(_organisation_rows(page)) == {AGGLO, "Total"}
    # The city's plan has its tablets, whose cost the agglomeration shares.
    city_plan = _create(client, ["VILLE"], name="Plan de la ville")
    assert _save(client, city_plan, ["VILLE"]).status_code == 303
    rows = _organisation_rows(client.get(f"/plans/{city_plan}").text)
    assert rows[AGGLO][4] == 2 * 133_33
    assert rows[CITY][4] == 3 * 500_00 + 2 * 200_00
    assert rows[CITY][4] + rows[AGGLO][4] == rows["Total"][4]
    # An organisation nobody may choose is refused at the field.
    bad = _save(client, plan_id, ["AGGLO", "NULLEPART"])
    assert bad.status_code == 400
    assert field_error(bad.text, "organisations") == "Choose one of the proposed values."


def test_exports_split_by_organisation(empty_client, make):
    client = empty_client
    _fleet(make)
    plan_id = _create(client, ["VILLE", "AGGLO"])
    assert _save(client, plan_id, ["VILLE", "AGGLO"]).status_code == 303
    client.headers["accept-language"] = "fr"
    client.cookies.set("lang", "fr")
    exported = client.get(f"/plans/{plan_id}/plan.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[7:] == ["Organisation", f"Part : {AGGLO} (EUR)", f"Part : {CITY} (EUR)"]
    total = sum(_money(r[5]) for r in rows[1:])
    assert total == 5 * 500_00 + 2 * 333_33
    for row in rows[1:]:
        assert _money(row[8]) + _money(row[9]) == _money(row[5])  # to the cent
    assert sum(_money(r[8]) for r in rows[1:]) == 2 * 500_00 + 2 * 133_33
    tablet_rows = [r for r in rows[1:] if _money(r[5]) == 333_33]
    assert [(r[7], r[8], r[9]) for r in tablet_rows] == [(CITY, "133,33", "200,00")] * 2

    book = load_workbook(io.BytesIO(client.get(f"/plans/{plan_id}/plan.xlsx").content))
    assert book.sheetnames == ["Lignes", "Totaux par année", "Par site et catégorie",
                               "Par organisme"]
    by_org = {row[0]: row for row in book["Par organisme"].iter_rows(min_row=2,
                                                                        values_only=True)}
    assert book["Par organisme"]["A1"].value == "Organisation"
    assert round(by_org[AGGLO][-1] * 100) == 2 * 500_00 + 2 * 133_33
    assert round(by_org[CITY][-1] * 100) == 3 * 500_00 + 2 * 200_00
    assert round(by_org["Total"][-1] * 100) == total
    lines = book["Lignes"]
    assert [c.value for c in next(lines.iter_rows(max_row=1))][7:] == [
        "Organisation", f"Part : {AGGLO} (EUR)", f"Part : {CITY} (EUR)"]


def test_an_approved_plan_keeps_who_pays_what(empty_client, make, run):
    client = empty_client
    _fleet(make)
    plan_id = _create(client, ["VILLE", "AGGLO"])
    assert _save(client, plan_id, ["VILLE", "AGGLO"]).status_code == 303
    draft = _organisation_rows(client.get(f"/plans/{plan_id}").text)
    version = query("SELECT version FROM renewal_plan WHERE id = {}", plan_id)[0]["version"]
    approved = client.post(f"/plans/{plan_id}/approve", data={"version": str(version),
                                                             "confirm": "1"},
                           follow_redirects=False)
    assert approved.status_code == 303
    assert _organisation_rows(client.get(f"/plans/{plan_id}").text) == draft
    # A line approved before organisations existed is the installation's first one's.
    line = query("SELECT id, cost_cents FROM plan_line WHERE plan = {} ORDER BY position "
                 "LIMIT 1", plan_id)[0]
    execute("UPDATE plan_line SET reason = {} WHERE id = {}", '{"envelope": "all"}', line["id"])
    result = run(planning.computed(run(planning.get_plan(plan_id, EVERYTHING)), None))
    first = query("SELECT id FROM organisation ORDER BY id LIMIT 1")[0]["id"]
    assert result.lines[0].parts == ((first, line["cost_cents"]),)


def test_plans_are_seen_by_those_who_see_all_their_organisations(empty_client, make):
    client = empty_client
    _fleet(make)
    both = _create(client, ["VILLE", "AGGLO"], name="Les deux")
    every = _create(client, [], name="Toutes")
    agglo_only = _create(client, ["AGGLO"], name="Agglo seule")
    planner = make.account("planner", member_of=["VILLE"])
    make.sign_in(client, planner)
    listed = client.get("/plans").text
    assert "Les deux" not in listed and "Toutes" not in listed and "Agglo seule" not in listed
    for plan_id in (both, every, agglo_only):
        for url in (f"/plans/{plan_id}", f"/plans/{plan_id}/plan.csv",
                    f"/plans/{plan_id}/plan.xlsx", f"/plans/{plan_id}/print",
                    f"/api/v1/plans/{plan_id}", f"/plans/compare?a={plan_id}&b={plan_id}"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/plans/{plan_id}/copy", follow_redirects=False).status_code == 404
        assert client.post(f"/plans/{plan_id}/delete", follow_redirects=False).status_code == 404
    assert query("SELECT COUNT(*) AS n FROM renewal_plan")[0]["n"] == 3
    # Their own plan: none chosen means all of theirs; another organisation is refused.
    refused = client.post("/plans", data={"name": "Ailleurs", "first_year": str(YEAR),
                                          "years": "3", "organisations": ["AGGLO"]})
    assert refused.status_code == 400
    assert field_error(refused.text, "organisations") == "Choose one of the proposed values."
    mine = _create(client, [], name="La mienne")
    assert _save(client, mine, []).status_code == 303
    page = client.get(f"/plans/{mine}")
    assert page.status_code == 200 and CITY in page.text
    api = client.get("/api/v1/plans").json()
    assert [item["id"] for item in api["items"]] == [mine]
    assert api["items"][0]["organisations"] == ["VILLE"]
    detail = client.get(f"/api/v1/plans/{mine}").json()
    totals = {row["organisation"]: row["total_cents"] for row in detail["by_organisation"]}
    assert totals == {"VILLE": 3 * 500_00 + 2 * 200_00, "AGGLO": 2 * 133_33}
    assert sum(totals.values()) == sum(line["cost_cents"] for line in detail["lines"]
                                       if line["year"] is not None)
    tablet = next(line for line in detail["lines"] if line["cost_cents"] == 333_33)
    assert tablet["organisation"] == "VILLE"
    assert {p["organisation"]: p["cost_cents"] for p in tablet["parts"]} == {
        "VILLE": 200_00, "AGGLO": 133_33}
    # Through the API, with a cap of its own, and refused for another organisation.
    version = client.get(f"/api/v1/plans/{mine}").json()["version"]
    patched = client.patch(f"/api/v1/plans/{mine}", json={
        "version": version,
        "organisation_caps": [{"organisation": "ville", "year": YEAR, "euros": 1000}]})
    assert patched.status_code == 200, patched.text
    # Organisations by code in the document (their ids are the database's own).
    assert client.get(f"/api/v1/plans/{mine}").json()["settings"]["organisation_caps"] == {
        "VILLE": {str(YEAR): 1000_00}}
    wrong = client.patch(f"/api/v1/plans/{mine}", json={
        "version": version + 1, "organisations": ["AGGLO"]})
    assert wrong.status_code == 400 and set(wrong.json()["fields"]) == {"organisations"}
    wrong = client.patch(f"/api/v1/plans/{mine}", json={
        "version": version + 1,
        "organisation_caps": [{"organisation": "VILLE", "year": YEAR, "euros": -5}]})
    assert wrong.status_code == 400
    assert set(wrong.json()["fields"]) == {"organisation_caps[0].euros"}
    # The installation's administrator sees them all.
    make.sign_in(client, "administrator")
    assert all(client.get(f"/plans/{p}").status_code == 200 for p in (both, every, agglo_only,
                                                                     mine))


def test_with_one_organisation_the_plan_looks_as_it_always_did(empty_client, make):
    client = empty_client
    make.installation()
    make.asset(category=make.category(code="PC", lifespan_years=5),
               purchase_date="2022-05-01")
    index = client.get("/plans").text
    assert 'name="organisations"' not in index
    plan_id = _create(client, [])
    page = client.get(f"/plans/{plan_id}").text
    assert 'name="organisations"' not in page and "orgcap_" not in page
    assert "by-organisation" not in page
    exported = client.get(f"/plans/{plan_id}/plan.csv").content.decode("utf-8-sig")
    assert exported.splitlines()[0] == "Year;Tag;Site;Room;Category;Cost (EUR);Reason"
    book = load_workbook(io.BytesIO(client.get(f"/plans/{plan_id}/plan.xlsx").content))
    assert len(book.worksheets) == 3


def test_over_cap_news_go_only_to_those_who_see_the_plan(empty_client, make, run):
    import datetime as dt

    from inventory.planning import alerts

    client = empty_client
    _fleet(make)
    first = query("SELECT code FROM organisation ORDER BY id LIMIT 1")[0]["code"]
    city_planner = make.account("planner", member_of=["VILLE"])
    agglo_planner = make.account("planner", member_of=["AGGLO"])
    everywhere = make.account("planner", member_of=[first, "VILLE", "AGGLO"])
    plan = make.plan(["AGGLO"], cap="0", name="Agglo sans budget")
    new = run(alerts.nightly(dt.date(YEAR - 1, 11, 22), "https://inventaire.example"))
    assert [a["plan_id"] for a in new if a["kind"] == "over_cap"] == [plan["id"]]
    told = {m["to_address"] for m in query("SELECT to_address FROM outbox WHERE body LIKE {}",
                                           f"%/plans/{plan['id']}")}
    assert told == {agglo_planner["email"], everywhere["email"]}
    make.sign_in(client, city_planner)
    assert "Agglo sans budget" not in client.get("/").text
    make.sign_in(client, agglo_planner)
    assert "Agglo sans budget: more falls due than the cap allows" in client.get("/").text


def test_the_fleet_read_in_slices_is_the_whole_fleet(empty_url, make, run, monkeypatch):
    """fleet() reads the devices a slice of ids at a time (a région's million would not fit
    at once): slices of two give the same devices, shares and owners as one slice."""
    _fleet(make)
    whole = run(planning.fleet(planning.clock.today()))
    monkeypatch.setattr(planning, "FLEET_SLICE", 2)
    sliced = run(planning.fleet(planning.clock.today()))
    assert len(whole) == 7 and sliced == whole
    assert any(device.shares for device in sliced)
    agglo = query("SELECT id FROM organisation WHERE code = 'AGGLO'")[0]["id"]
    mine = run(planning.fleet(planning.clock.today(), [agglo]))
    assert len(mine) == 2 and {d.owner for d in mine} == {agglo}
