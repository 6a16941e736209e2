"""Issue 13: the API's documents are typed, declared once per feature. Numbers are JSON
numbers, filter values are checked, a stale version answers the record as a read does, the
history pages like every list, and the OpenAPI description says what a client needs."""

from __future__ import annotations

import re

from inventory.accounts import tokens
from tests.helpers import count, query


def _commune(make) -> None:
    """What these tests name: two schools (one with a room), the tablets' category, a
    device in service and one in stock."""
    make.installation()
    curie = make.site(code="EE-CURIE")
    ferry = make.site(code="GS-FERRY")
    make.room(ferry)
    tablets = make.category(code="TABLETTE")
    make.asset(site=curie, category=tablets)
    make.asset(site=ferry, category=tablets, status="in_stock")


def _as(client, make, run, role: str):
    """The test's client, now calling as a new account of `role` with a bearer token and
    no cookie (a token is made for each call; identities are switched, not held)."""
    user_id = make.account(role)["id"]
    token, _row = run(tokens.create(user_id, "tests", "tests"))
    client.cookies.clear()
    client.headers["authorization"] = f"Bearer {token}"
    return client


NEW = {"site": "EE-CURIE", "category": "TABLETTE", "serial": "TYPED-1",
       "purchase_date": "2025-01-10", "purchase_price_cents": 42000}


def test_numbers_sent_as_text_are_a_400_naming_the_field(empty_client, make, run):
    _commune(make)
    api = _as(empty_client, make, run, "technician")
    tag = api.get("/api/v1/assets?limit=1").json()["items"][0]["tag"]
    before = count("intervention")
    answer = api.post(f"/api/v1/assets/{tag}/interventions",
                      json={"kind": "repair", "minutes_spent": "20"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "validation"
    assert answer.json()["fields"] == {"minutes_spent": "Enter a whole number."}
    assert count("intervention") == before
    assert api.post(f"/api/v1/assets/{tag}/interventions",
                    json={"kind": "repair", "minutes_spent": 20}).status_code == 201
    for path, body, field in (
        ("/api/v1/assets", {**NEW, "purchase_price_cents": "42000"}, "purchase_price_cents"),
        ("/api/v1/assets", {**NEW, "purchase_date": "10/01/2025"}, "purchase_date"),
        ("/api/v1/assets", {k: v for k, v in NEW.items() if k != "site"}, "site"),
        (f"/api/v1/assets/{tag}/interventions", {"kind": "dusting"}, "kind"),
        ("/api/v1/faults", {"asset": tag, "symptom": "other", "description": "x",
                            "teaching_blocked": "yes"}, "teaching_blocked"),
    ):
        answer = api.post(path, json=body)
        assert answer.status_code == 400, (path, body, answer.text)
        assert list(answer.json()["fields"]) == [field], answer.text
    version = api.get(f"/api/v1/assets/{tag}").json()["version"]
    answer = api.patch(f"/api/v1/assets/{tag}", json={"notes": "x", "version": str(version)})
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["version"]
    # `version: null` is no version at all: refused with the field named, nothing written.
    answer = api.patch(f"/api/v1/assets/{tag}", json={"notes": "x", "version": None})
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["version"]
    assert api.get(f"/api/v1/assets/{tag}").json()["version"] == version


def test_french_messages_for_type_errors(empty_client, make, run):
    _commune(make)
    api = _as(empty_client, make, run, "technician")
    tag = api.get("/api/v1/assets?limit=1").json()["items"][0]["tag"]
    answer = api.post(f"/api/v1/assets/{tag}/interventions", json={"minutes_spent": "20"},
                      headers={"accept-language": "fr"})
    assert answer.status_code == 400
    assert answer.json()["fields"]["minutes_spent"] == "Saisissez un nombre entier."


def test_unknown_filter_values_are_a_400_naming_the_parameter(empty_client, make, run):
    _commune(make)
    api = _as(empty_client, make, run, "viewer")
    for path, name in (("/api/v1/assets?status=xyz", "status"),
                       ("/api/v1/assets?warranty=soon", "warranty"),
                       ("/api/v1/assets?sort=colour", "sort"),
                       ("/api/v1/assets?eol=later", "eol"),
                       ("/api/v1/assets?page=0", "page"),
                       ("/api/v1/assets?limit=many", "limit"),
                       ("/api/v1/assets?site=NOPE", "site"),
                       ("/api/v1/assets?category=NOPE&limit=5", "category"),
                       ("/api/v1/assets?room=999999", "room"),
                       ("/api/v1/faults?status=xyz", "status"),
                       ("/api/v1/sites?limit=501", "limit")):
        answer = api.get(path)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["error"] == "validation"
        assert list(answer.json()["fields"]) == [name], (path, answer.text)
    listed = api.get("/api/v1/assets?status=in_stock&limit=500").json()["items"]
    assert listed and {a["status"] for a in listed} == {"in_stock"}
    # Known values, in any case, filter as before.
    room = query("SELECT room.id FROM room JOIN site ON site.id = room.site "
                 "WHERE site.code = 'GS-FERRY'")[0]["id"]
    for path in ("/api/v1/assets?site=gs-ferry", "/api/v1/assets?category=tablette&limit=5",
                 f"/api/v1/assets?room={room}"):
        assert api.get(path).status_code == 200, path
    assert api.get("/api/v1/assets?site=GS-FERRY").json()["total"] == 1


def test_filters_naming_what_the_person_does_not_have_are_a_400(empty_client, make, run):
    """The faults' and purchases' filters check as the devices' do: another school's code,
    or another organisation's contract, is the same 400 as one that does not exist; a tag
    need only exist (a device that moved away leaves its faults where they were)."""
    _commune(make)
    elsewhere = make.asset(site="GS-FERRY")
    make.fault(elsewhere)
    ours, theirs = make.contract(), make.contract(owner=make.organisation())

    def bearer(account):
        token, _row = run(tokens.create(account["id"], "tests", "tests"))
        empty_client.cookies.clear()
        empty_client.headers["authorization"] = f"Bearer {token}"
        return empty_client

    api = bearer(make.account("director", sites=["EE-CURIE"]))
    for filters, name in (("site=GS-FERRY", "site"), ("site=NOPE", "site"),
                          ("category=NOPE", "category"), ("asset=NOPE-1", "asset")):
        answer = api.get(f"/api/v1/faults?{filters}")
        assert answer.status_code == 400 and list(answer.json()["fields"]) == [name], filters
    assert api.get("/api/v1/faults?site=ee-curie&category=tablette").status_code == 200
    answer = api.get(f"/api/v1/faults?status=all&asset={elsewhere['tag'].lower()}")
    assert answer.status_code == 200 and answer.json()["items"] == []
    api = bearer(make.account("planner"))  # works for the installation's first only
    assert api.get(f"/api/v1/purchases?contract={ours['id']}").status_code == 200
    answer = api.get(f"/api/v1/purchases?contract={theirs['id']}",
                     headers={"accept-language": "fr"})
    assert answer.status_code == 400
    assert answer.json()["fields"] == {"contract": "Aucun de vos contrats n’a ce numéro."}


def test_requests_without_credentials_are_401_sign_in(empty_client, make):
    _commune(make)
    visitor = empty_client
    for method, path in (("get", "/api/v1/assets"), ("post", "/api/v1/assets"),
                         ("patch", "/api/v1/sites/GS-FERRY"), ("post", "/api/v1/faults")):
        visitor.cookies.clear()  # no session and no CSRF cookie: a script without a token
        answer = visitor.request(method.upper(), path, json=NEW)
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.json() == {"error": "not_authenticated", "detail": "Sign in first."}
    visitor.headers["authorization"] = "Bearer not-a-token"
    assert visitor.post("/api/v1/assets", json=NEW).status_code == 401
    del visitor.headers["authorization"]
    # The pages keep their CSRF check: a form posted without the cookie is refused.
    assert visitor.post("/login", data={"email": "x@example.org",
                                        "password": "x"}).status_code == 403


def test_a_stale_version_answers_the_record_as_a_read_gives_it(empty_client, make, run):
    _commune(make)
    api = _as(empty_client, make, run, "administrator")
    asset = api.post("/api/v1/assets", json=NEW).json()
    assert api.patch(f"/api/v1/assets/{asset['tag']}",
                     json={"notes": "one", "version": asset["version"]}).status_code == 200
    stale = api.patch(f"/api/v1/assets/{asset['tag']}",
                      json={"notes": "two", "version": asset["version"]})
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    assert stale.json()["current"] == api.get(f"/api/v1/assets/{asset['tag']}").json()
    assert stale.json()["current"]["site"] == "EE-CURIE"  # codes, not internal ids
    assert "id" not in stale.json()["current"]
    site = api.get("/api/v1/sites/GS-FERRY").json()
    assert api.patch("/api/v1/sites/GS-FERRY", json={"notes": "a", "version": site["version"]}
                     ).status_code == 200
    stale = api.patch("/api/v1/sites/GS-FERRY", json={"notes": "b", "version": site["version"]})
    assert stale.status_code == 409
    assert stale.json()["current"] == api.get("/api/v1/sites/GS-FERRY").json()
    room = api.get("/api/v1/sites/GS-FERRY/rooms?limit=1").json()["items"][0]
    assert api.patch(f"/api/v1/rooms/{room['id']}", json={"floor": "1", "version": room["version"]}
                     ).status_code == 200
    stale = api.patch(f"/api/v1/rooms/{room['id']}", json={"floor": "2",
                                                            "version": room["version"]})
    assert stale.status_code == 409
    assert stale.json()["current"] == api.get(f"/api/v1/rooms/{room['id']}").json()
    assert stale.json()["current"]["site"] == "GS-FERRY"


def test_history_pages_with_limit_and_cursor_in_codes(empty_client, make, run):
    _commune(make)
    api = _as(empty_client, make, run, "administrator")
    doc = api.post("/api/v1/assets", json=NEW).json()
    for n in range(3):
        doc = api.patch(f"/api/v1/assets/{doc['tag']}",
                        json={"notes": f"n{n}", "version": doc["version"]}).json()
    doc = api.post(f"/api/v1/assets/{doc['tag']}/move",
                   json={"site": "GS-FERRY", "version": doc["version"]}).json()
    api.post(f"/api/v1/assets/{doc['tag']}/status",
             json={"status": "in_stock", "version": doc["version"]})
    seen, cursor = [], None
    while True:
        page = api.get(f"/api/v1/assets/{doc['tag']}/history?limit=2"
                       + (f"&cursor={cursor}" if cursor else "")).json()
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [h["action"] for h in seen] == ["status", "move", "update", "update", "update",
                                           "create"]
    assert [h["id"] for h in seen] == sorted((h["id"] for h in seen), reverse=True)
    assert seen[0]["changes"] == {"status": ["in_service", "in_stock"]}
    assert seen[1]["changes"]["site"] == ["EE-CURIE", "GS-FERRY"]
    stored = query("SELECT COUNT(*) AS n FROM audit_record WHERE entity = 'asset' "
                   "AND entity_key = {}", doc["tag"])[0]["n"]
    assert len(seen) == stored
    assert api.get(f"/api/v1/assets/{doc['tag']}/history?cursor=%%%").status_code == 400


def test_openapi_states_what_a_client_needs(empty_client):
    schema = empty_client.get("/schema/openapi.json").json()
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http", "scheme": "bearer", "description": schema["components"][
            "securitySchemes"]["BearerToken"]["description"]}
    lists = ("/api/v1/assets", "/api/v1/sites", "/api/v1/categories", "/api/v1/models",
             "/api/v1/faults", "/api/v1/plans", "/api/v1/sites/{code}/rooms",
             "/api/v1/assets/{tag}/interventions", "/api/v1/assets/{tag}/history")
    for path in lists:
        operation = schema["paths"][path]["get"]
        assert operation["security"] == [{"BearerToken": []}]
        parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert {"limit", "cursor"} <= set(parameters), path
        assert "integer" in str(parameters["limit"]["schema"])
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        listed = schema["components"]["schemas"][answer.rsplit("/", 1)[1]]
        assert {"items", "next_cursor"} <= set(listed["properties"]), path
    filters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/assets"]["get"]
               ["parameters"]}
    assert {"q", "site", "room", "category", "status", "eol", "warranty", "sort",
            "page"} <= set(filters)
    components = schema["components"]["schemas"]

    def values(described: dict) -> list[str]:
        """The enumeration a schema names, directly, through $ref or one of its oneOf."""
        if "$ref" in described:
            return values(components[described["$ref"].rsplit("/", 1)[1]])
        return [*described.get("enum", ()),
                *(value for one in [*described.get("oneOf", ()), *described.get("allOf", ())]
                  for value in values(one))]

    def enum(type_name: str, field: str) -> list[str]:
        return values(components[type_name]["properties"][field])

    assert "in_repair" in values(filters["status"]) and "xyz" not in values(filters["status"])

    assert "groupe_scolaire" in enum("SiteDocument", "kind")
    assert "retired" in enum("AssetDocument", "status")
    assert {"no_image", "no_power", "other"} <= set(enum("FaultCreate", "symptom"))
    # Which symptoms each category offers is data since issue 14 (the category's `symptoms`,
    # typed with the same enumeration), and the fault's description says where to read it.
    assert "symptoms" in components["FaultCreate"]["properties"]["symptom"]["description"]
    category_symptoms = components["CategoryDocument"]["properties"]["symptoms"]
    assert {"no_image", "no_power", "other"} <= set(values(category_symptoms.get("items", {})))
    assert {"repair", "audit"} <= set(enum("InterventionInput", "kind"))
    action = next(p for p in schema["paths"]["/api/v1/faults/{fault_id}/{action}"]["post"]
                  ["parameters"] if p["name"] == "action")
    assert {"acknowledge", "reject", "reopen"} <= set(values(action["schema"]))
    conflict = (schema["paths"]["/api/v1/assets/{tag}"]["patch"]["responses"]["409"]["content"]
                ["application/json"]["schema"]["$ref"].rsplit("/", 1)[1])
    assert components[conflict]["properties"]["current"]["$ref"].endswith("/AssetDocument")
    body = schema["paths"]["/api/v1/assets/{tag}/interventions"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/InterventionInput")
    assert "integer" in str(components["InterventionInput"]["properties"]["minutes_spent"])


def test_api_reference_page_from_vendored_files(empty_client, make):
    make.installation()
    client = empty_client
    make.sign_in(client, "viewer")
    page = client.get("/api/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts and all('src="/static/' in attributes for attributes in scripts)
    assert 'src="/static/vendor/swagger-ui/swagger-ui-bundle.js"' in page.text
    assert 'data-schema="/schema/openapi.json"' in page.text
    for path in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/api-docs.js",
                 "/static/vendor/swagger-ui/swagger-ui.css"):
        assert client.get(path).status_code == 200, path
    assert 'href="/api/docs"' in client.get("/account").text
    make.sign_out(client)
    answer = client.get("/api/docs", follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"].startswith("/login?next=")
