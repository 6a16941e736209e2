"""The JSON API beyond assets and sites: rooms, categories, models, faults and their workflow,
interventions, renewal plans; cursor pagination; 409 on a stale version; audit records.
Scripts authenticate with a personal token, as they would in real use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from inventory.accounts import tokens
from tests.helpers import count, query


@pytest.fixture
def api_as(empty_client, make, run):
    """api_as(who) makes the test's one client call as `who` (an account from make.account,
    or a role, for which one is made) with a bearer token and no cookie, as a script
    would; identities are switched, not held side by side. Returns (client, account)."""

    def switch(who):
        account = who if isinstance(who, Mapping) else make.account(who)
        token, _row = run(tokens.create(account["id"], "tests", "tests"))
        empty_client.cookies.clear()
        empty_client.headers["authorization"] = f"Bearer {token}"
        return empty_client, account

    return switch


def test_cursor_pagination_walks_every_asset_once(api_as, make):
    school = make.site()
    make.assets(75, site=school)
    make.assets(3)  # at another school: not listed
    client, _viewer = api_as("viewer")
    seen, cursor = [], None
    while True:
        url = (f"/api/v1/assets?site={school['code']}&limit=70"
               + (f"&cursor={cursor}" if cursor else ""))
        page = client.get(url).json()
        seen += [a["tag"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = query("SELECT asset.tag FROM asset JOIN site ON site.id = asset.site "
                     "WHERE site.code = {} ORDER BY asset.tag", school["code"])
    assert seen == [r["tag"] for r in expected] and len(seen) == 75
    bad = client.get("/api/v1/assets?limit=0")
    assert bad.status_code == 400 and "limit" in bad.json()["fields"]
    bad = client.get("/api/v1/assets?cursor=%%%")
    assert bad.status_code == 400 and "cursor" in bad.json()["fields"]


def test_rooms_created_updated_and_stale_version_gets_409(api_as, make):
    school = make.site()
    api, _tech = api_as("technician")
    created = api.post("/api/v1/rooms", json={"site": school["code"].lower(),
                                               "name": "Salle 42", "kind": "classroom"})
    assert created.status_code == 201, created.text
    room = created.json()
    assert room["site"] == school["code"] and room["version"] == 1
    listed = api.get(f"/api/v1/sites/{school['code']}/rooms").json()["items"]
    assert "Salle 42" in [r["name"] for r in listed]
    renamed = api.patch(f"/api/v1/rooms/{room['id']}", json={"name": "Salle 43", "version": 1})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    stale = api.patch(f"/api/v1/rooms/{room['id']}", json={"name": "Salle 44", "version": 1})
    assert stale.status_code == 409 and stale.json()["current"]["name"] == "Salle 43"
    missing = api.post("/api/v1/rooms", json={"name": "Sans site"})
    assert missing.status_code == 400 and "site" in missing.json()["fields"]
    assert count("audit_record", "entity = 'room' AND entity_key = {}", str(room["id"])) == 2


def test_categories_and_models_by_planners(api_as):
    api, _planner = api_as("planner")
    created = api.post("/api/v1/categories", json={
        "code": "drone", "name": "Drone", "lifespan_years": 4, "replacement_cost_cents": 90000,
        "price_change_bp": 250, "criticality": 1})
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "DRONE" and created.json()["price_change_bp"] == 250
    changed = api.patch("/api/v1/categories/DRONE", json={"lifespan_years": 5, "version": 1})
    assert changed.status_code == 200 and changed.json()["lifespan_years"] == 5
    wrong = api.patch("/api/v1/categories/DRONE", json={"criticality": 9, "version": 2})
    assert wrong.status_code == 400 and "criticality" in wrong.json()["fields"]
    model = api.post("/api/v1/models", json={"category": "DRONE", "manufacturer": "Exemple",
                                              "name": "Vol 1"})
    assert model.status_code == 201 and model.json()["category"] == "DRONE"
    renamed = api.patch(f"/api/v1/models/{model.json()['id']}", json={"name": "Vol 2",
                                                                        "version": 1})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Vol 2"
    viewer, _account = api_as("viewer")
    assert viewer.post("/api/v1/categories", json={"code": "X", "name": "X",
                                                    "lifespan_years": 3}).status_code == 403


def test_fault_reported_and_moved_through_its_workflow(api_as, make):
    school = make.site()
    make.asset()  # at another school: not the director's to see
    make.asset(site=school, status="in_repair")
    mine = make.asset(site=school)
    director, _account = api_as(make.account("director", sites=[school]))
    tag = director.get("/api/v1/assets?limit=1&status=in_service").json()["items"][0]["tag"]
    assert tag == mine["tag"]
    reported = director.post("/api/v1/faults", json={
        "asset": tag, "symptom": "other", "description": "Plus d'image", "teaching_blocked": True})
    assert reported.status_code == 201, reported.text
    fault = reported.json()
    assert fault["status"] == "new" and fault["asset"] == tag and fault["site"] == school["code"]
    refused = director.post(f"/api/v1/faults/{fault['id']}/resolve", json={})
    assert refused.status_code in (400, 403)

    make.fault()  # someone else's, on another school's asset
    tech, _account = api_as("technician")
    listed = tech.get("/api/v1/faults?limit=500").json()
    assert fault["id"] in [f["id"] for f in listed["items"]]
    started = tech.post(f"/api/v1/faults/{fault['id']}/start", json={})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    stale = tech.post(f"/api/v1/faults/{fault['id']}/resolve", json={"version": 1})
    assert stale.status_code == 409
    resolved = tech.post(f"/api/v1/faults/{fault['id']}/resolve",
                         json={"version": started.json()["version"]})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    bad = tech.post(f"/api/v1/faults/{fault['id']}/fly", json={})
    assert bad.status_code == 400 and "action" in bad.json()["fields"]
    assert tech.get("/api/v1/faults?status=sometimes").status_code == 400


def test_interventions_logged_and_paged(api_as, make):
    tag = make.asset()["tag"]
    tech, technician = api_as("technician")
    for n in range(3):
        done = tech.post(f"/api/v1/assets/{tag}/interventions", json={
            "kind": "repair", "minutes_spent": 10 * (n + 1), "cost_cents": 1250,
            "notes": f"Passage {n}"})
        assert done.status_code == 201, done.text
        assert done.json()["asset"] == tag and done.json()["technician"] == technician["email"]
    first = tech.get(f"/api/v1/assets/{tag}/interventions?limit=2").json()
    rest = tech.get(f"/api/v1/assets/{tag}/interventions?limit=2&cursor={first['next_cursor']}"
                    ).json()
    notes = [i["notes"] for i in first["items"] + rest["items"]]
    assert notes[-3:] == ["Passage 0", "Passage 1", "Passage 2"] and rest["next_cursor"] is None
    future = tech.post(f"/api/v1/assets/{tag}/interventions", json={
        "done_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()})
    assert future.status_code == 400 and "done_on" in future.json()["fields"]
    viewer, _account = api_as("viewer")
    assert viewer.post(f"/api/v1/assets/{tag}/interventions", json={}).status_code == 403


def test_plans_through_the_api(api_as, make):
    # Fifteen projectors past their 5-year lifespan (500 € each): the plan replaces them.
    projectors = make.category(code="VIDEOPROJ", lifespan_years=5,
                               replacement_cost_cents=50_000)
    make.assets(15, category=projectors, purchase_date="2015-09-01")
    api, _planner = api_as("planner")
    year = dt.date.today().year + 1
    created = api.post("/api/v1/plans", json={"name": "API", "first_year": year, "years": 3,
                                               "caps": [{"budget": "all", "year": y,
                                                         "euros": 50000}
                                                        for y in range(year, year + 3)]})
    assert created.status_code == 201, created.text
    plan = created.json()
    shown = api.get(f"/api/v1/plans/{plan['id']}?limit=10").json()
    assert len(shown["totals"]) == 3 and all(t["spent_cents"] <= 5_000_000 for t in shown["totals"])
    assert len(shown["lines"]) == 10 and shown["next_cursor"]
    assert "years old for a lifespan" in shown["lines"][0]["reason"]
    raised = api.patch(f"/api/v1/plans/{plan['id']}", json={
        "caps": [{"budget": "all", "year": year, "euros": 90000}],
        "weights": {"age": 5}, "version": plan["version"]})
    assert raised.status_code == 200, raised.text
    settings = raised.json()["settings"]
    # The cap sent changes; the others keep theirs (a PATCH sends what changes).
    assert settings["caps"]["all"] == {str(year): 9_000_000, str(year + 1): 5_000_000,
                                       str(year + 2): 5_000_000}
    assert settings["weights"]["age"] == 5
    stale = api.patch(f"/api/v1/plans/{plan['id']}", json={"name": "x", "version": 1})
    assert stale.status_code == 409
    approved = api.post(f"/api/v1/plans/{plan['id']}/approve",
                        json={"version": raised.json()["version"]})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # A number sent as text is refused by its type before the plan's rules run (issue 13).
    wrong = api.post("/api/v1/plans", json={"name": "x", "first_year": "2030", "years": 3})
    assert wrong.status_code == 400 and set(wrong.json()["fields"]) == {"first_year"}
    wrong = api.post("/api/v1/plans", json={"name": "", "first_year": 1900, "years": 3})
    assert wrong.status_code == 400 and {"name", "first_year"} <= set(wrong.json()["fields"])
    wrong = api.post("/api/v1/plans", json={"name": "x", "first_year": year, "years": 3,
                                            "caps": [{"budget": "all", "year": year,
                                                      "euros": "500"}]})
    assert wrong.status_code == 400 and set(wrong.json()["fields"]) == {"caps[0].euros"}
    # The planning rules' errors name the document's fields too.
    wrong = api.post("/api/v1/plans", json={"name": "x", "first_year": year, "years": 3,
                                            "caps": [{"budget": "all", "year": year,
                                                      "euros": 12.345}],
                                            "targets": [{"site_kinds": ["elementaire"],
                                                         "category": "VIDEOPROJ",
                                                         "by_year": year + 1}]})
    assert wrong.status_code == 400
    assert set(wrong.json()["fields"]) == {"caps[0].euros", "targets[0].category"}
    # A field the document does not declare (the form's flat names) is refused, not ignored.
    wrong = api.post("/api/v1/plans", json={"name": "x", "first_year": year, "years": 3,
                                            f"cap_all_{year}": 500})
    assert wrong.status_code == 400 and set(wrong.json()["fields"]) == {f"cap_all_{year}"}
    assert created.json()["settings"]["targets"] == []
    director, _account = api_as("director")
    assert director.get("/api/v1/plans").status_code == 403


def test_reference_lists_page_the_same_way(api_as, make):
    for _ in range(5):
        make.site()
        make.model()  # and its category
    api, _viewer = api_as("viewer")
    for path, key in (("/api/v1/sites", "code"), ("/api/v1/models", "id"),
                      ("/api/v1/categories", "code")):
        seen, cursor = [], None
        while True:
            page = api.get(f"{path}?limit=3" + (f"&cursor={cursor}" if cursor else "")).json()
            seen += [item[key] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        whole = [item[key] for item in api.get(f"{path}?limit=500").json()["items"]]
        assert seen == whole == sorted(whole) and len(whole) > 3


def test_numbers_too_large_for_the_database_are_bad_input_not_errors(api_as, make):
    make.asset()
    api, technician = api_as("technician")
    huge = "9" * 25
    assert api.get(f"/api/v1/rooms/{huge}").status_code == 400
    # Issue 13: a filter value that cannot be right is a 400 naming the parameter (it was
    # silently ignored, which listed every asset).
    for name in ("room", "eol"):
        answer = api.get(f"/api/v1/assets?{name}={huge}&limit=5")
        assert answer.status_code == 400 and list(answer.json()["fields"]) == [name]
    answer = api.post("/api/v1/faults", json={"room": int(huge), "symptom": "other",
                                               "description": "x"})
    assert answer.status_code == 400 and "asset" in answer.json()["fields"]
    tag = api.get("/api/v1/assets?limit=1").json()["items"][0]["tag"]
    version = api.get(f"/api/v1/assets/{tag}").json()["version"]
    answer = api.patch(f"/api/v1/assets/{tag}", json={"purchase_price_cents": int(huge),
                                                      "version": version})
    assert answer.status_code == 400 and "purchase_price_cents" in answer.json()["fields"]
    api.headers.pop("authorization", None)  # the same client, now as a signed-in browser
    page = api
    make.sign_in(page, technician)
    assert page.get(f"/assets?room={huge}").status_code == 200
    assert page.get(f"/admin/audit?site={huge}").status_code == 403  # not theirs to read
    make.sign_in(page, "administrator")
    assert page.get(f"/admin/audit?site={huge}").status_code == 200
