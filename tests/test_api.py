"""JSON API: same services as the pages, field errors as 400, stale versions as 409."""

import pytest

from tests.helpers import count


@pytest.fixture
def client(empty_client):
    return empty_client


@pytest.fixture
def new_asset(make):
    """What a client posts for a tablet (4 years) bought in January 2025, at a school."""
    school, tablets = make.site(), make.category(code="TABLETTE", lifespan_years=4)
    return {"site": school["code"], "category": tablets["code"], "serial": "API-1",
            "purchase_date": "2025-01-10", "purchase_price_cents": 42000}


def test_list_and_get(client, make):
    school, other_school = make.site(), make.site()
    computers, tablets = make.category(code="PC-FIXE"), make.category(code="TABLETTE")
    wanted = make.assets(3, site=school, category=computers)
    make.asset(site=school, category=tablets)
    make.asset(site=other_school, category=computers)
    body = client.get(f"/api/v1/assets?site={school['code']}&category=PC-FIXE").json()
    assert body["total"] == len(body["items"]) == 3
    assert sorted(a["tag"] for a in body["items"]) == sorted(a["tag"] for a in wanted)
    assert all(a["site"] == school["code"] and a["category"] == "PC-FIXE"
               for a in body["items"])
    one = client.get(f"/api/v1/assets/{body['items'][0]['tag']}").json()
    assert one["tag"] == body["items"][0]["tag"]
    assert "id" not in one  # database ids stay internal


def test_create_update_and_history(client, make, new_asset):
    make.asset()  # the new asset takes the tag after it
    admin = make.sign_in(client)
    created = client.post("/api/v1/assets", json=new_asset)
    assert created.status_code == 201, created.text
    doc = created.json()
    assert doc["tag"] == "BRN-000002"
    assert doc["eol_year"] == 2025 + 4
    updated = client.patch(f"/api/v1/assets/{doc['tag']}",
                           json={"notes": "via API", "version": doc["version"]})
    assert updated.status_code == 200
    assert updated.json()["notes"] == "via API"
    assert updated.json()["serial"] == "API-1"  # a partial update keeps other fields
    # Issue 13: the history pages like every list ({items, next_cursor}), in codes.
    history = client.get(f"/api/v1/assets/{doc['tag']}/history").json()
    assert [h["action"] for h in history["items"]] == ["update", "create"]
    assert history["next_cursor"] is None
    assert history["items"][0]["actor"] == admin["email"]
    assert history["items"][0]["changes"] == {"notes": ["", "via API"]}
    assert "action_label" not in history["items"][0]


def test_field_errors_are_400_with_details_and_nothing_written(client, new_asset):
    before = count("asset")
    response = client.post("/api/v1/assets", json={**new_asset, "purchase_price_cents": -5,
                                                   "warranty_end": "2020-01-01",
                                                   "site": "NOPE"})
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) >= {"purchase_price_cents", "warranty_end", "site"}
    assert count("asset") == before
    assert client.post("/api/v1/assets", content=b"[1,2]",
                       headers={"content-type": "application/json"}).status_code == 400
    assert client.post("/api/v1/assets", content=b"{not json",
                       headers={"content-type": "application/json"}).status_code == 400


def test_stale_version_is_409_with_current_state(client, new_asset):
    doc = client.post("/api/v1/assets", json=new_asset).json()
    assert client.patch(f"/api/v1/assets/{doc['tag']}",
                        json={"notes": "one", "version": doc["version"]}).status_code == 200
    stale = client.patch(f"/api/v1/assets/{doc['tag']}",
                         json={"notes": "two", "version": doc["version"]})
    assert stale.status_code == 409
    assert stale.json()["current"]["notes"] == "one"


def test_move_and_status_actions(client, make, new_asset):
    other_school = make.site()
    doc = client.post("/api/v1/assets", json=new_asset).json()
    moved = client.post(f"/api/v1/assets/{doc['tag']}/move",
                        json={"site": other_school["code"], "version": doc["version"]})
    assert moved.status_code == 200 and moved.json()["site"] == other_school["code"]
    retired = client.post(f"/api/v1/assets/{doc['tag']}/status",
                          json={"status": "retired", "version": moved.json()["version"]})
    assert retired.json()["status"] == "retired"
    bad = client.post(f"/api/v1/assets/{doc['tag']}/status", json={"status": "gone"})
    assert bad.status_code == 400 and "status" in bad.json()["fields"]


def test_unknown_things_are_404_json(client):
    for path in ("/api/v1/assets/BRN-999999", "/api/v1/sites/NOPE", "/api/v1/nothing"):
        response = client.get(path)
        assert response.status_code == 404
        # A missing record is "not_found"; a path with no route at all, Litestar's own 404.
        body = response.json()
        assert body["error"] == ("http_error" if path == "/api/v1/nothing" else "not_found")
        assert body["detail"], path


def test_sites_api_validates_uai(client):
    bad = client.post("/api/v1/sites", json={"code": "X1", "name": "X", "kind": "college",
                                             "uai": "0750654E"})
    assert bad.status_code == 400
    assert "should be D" in bad.json()["fields"]["uai"]
    ok = client.post("/api/v1/sites", json={"code": "X1", "name": "X", "kind": "college",
                                            "uai": "0750654d"})
    assert ok.status_code == 201 and ok.json()["uai"] == "0750654D"
    renamed = client.patch("/api/v1/sites/X1", json={"name": "Y", "version": 1})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Y"


def test_openapi_describes_the_api(client):
    schema = client.get("/schema/openapi.json").json()
    for path in ("/api/v1/assets", "/api/v1/assets/{tag}", "/api/v1/sites", "/healthz"):
        assert path in schema["paths"]
