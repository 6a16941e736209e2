"""Categories (lifecycle defaults) and models."""

import re

from tests.helpers import count, field_error, query


def _signed_in(client, make):
    make.installation()
    make.sign_in(client, "administrator")
    return client


def test_categories_page_lists_lifespans_and_costs(empty_client, make):
    make.category(code="TNI", replacement_cost_cents=250_000, lifespan_years=8)
    make.category()
    make.category()
    client = _signed_in(empty_client, make)
    response = client.get("/categories")
    assert response.status_code == 200
    assert "3 categories" in response.text
    assert "2\u202f500,00\u00a0€" in response.text  # TNI replacement cost


def test_create_category_with_french_amount(empty_client, make):
    client = _signed_in(empty_client, make)
    response = client.post("/categories/new", data={
        "code": "casque", "name": "Casque audio", "lifespan_years": "3",
        "replacement_cost_eur": "39,90", "is_interactive_display": ""}, follow_redirects=False)
    assert response.status_code == 303
    row = query("SELECT * FROM category WHERE code = 'CASQUE'")[0]
    assert row["replacement_cost_cents"] == 3990
    assert row["lifespan_years"] == 3
    assert not row["is_interactive_display"]
    assert row["name"] == "Casque audio"
    assert count("audit_record", "entity = 'category' AND entity_key = 'CASQUE' AND "
                 "action = 'create'") == 1


def test_category_validation(empty_client, make):
    make.category(code="TNI")
    client = _signed_in(empty_client, make)
    response = client.post("/categories/new", data={
        "code": "TNI", "name": "", "lifespan_years": "0", "replacement_cost_eur": "-1"})
    assert response.status_code == 400
    assert field_error(response.text, "name") == "This field is required."
    assert "at least 1" in field_error(response.text, "lifespan_years")
    assert "negative" in field_error(response.text, "replacement_cost_eur")
    duplicate = client.post("/categories/new", data={
        "code": "TNI", "name": "x", "lifespan_years": "5"})
    assert "already uses this code" in field_error(duplicate.text, "code")


def test_changing_a_lifespan_recomputes_end_of_life(empty_client, make):
    board = make.category(code="TNI", is_interactive_display="on")
    make.asset(category=board, purchase_date="2021-03-04")
    client = _signed_in(empty_client, make)
    category = query("SELECT * FROM category WHERE code = 'TNI'")[0]
    asset = query("SELECT tag, eol_year, purchase_date, commissioning_date FROM asset "
                  "WHERE category = {} AND eol_year_override IS NULL ORDER BY id LIMIT 1",
                  category["id"])[0]
    response = client.post("/categories/TNI/edit", data={
        "code": "TNI", "name": category["name"], "lifespan_years": str(category["lifespan_years"] + 2),
        "replacement_cost_eur": "2500", "is_interactive_display": "on",
        "version": str(category["version"])}, follow_redirects=False)
    assert response.status_code == 303
    after = query("SELECT eol_year FROM asset WHERE tag = {}", asset["tag"])[0]
    assert after["eol_year"] == asset["eol_year"] + 2


def test_models_create_duplicate_and_edit(empty_client, make):
    make.category(code="TNI")
    client = _signed_in(empty_client, make)
    response = client.post("/models/new", data={"category": "TNI", "manufacturer": "Exemple",
                                                "name": "Board 1"}, follow_redirects=False)
    assert response.status_code == 303
    duplicate = client.post("/models/new", data={"category": "TNI", "manufacturer": "Exemple",
                                                 "name": "Board 1"})
    assert duplicate.status_code == 400
    assert "already exists" in field_error(duplicate.text, "name")
    unknown = client.post("/models/new", data={"category": "NOPE", "manufacturer": "x",
                                               "name": "y"})
    assert field_error(unknown.text, "category") == "Choose one of the proposed values."
    model = query("SELECT id, version FROM equipment_model WHERE name = 'Board 1'")[0]
    edited = client.post(f"/models/{model['id']}/edit", data={
        "category": "TNI", "manufacturer": "Exemple", "name": "Board 2",
        "version": model["version"]}, follow_redirects=False)
    assert edited.status_code == 303
    assert count("equipment_model", "name = 'Board 2'") == 1
    # (only the page's two writes: this test made no other model)
    assert count("audit_record", "entity = 'model' AND actor != 'demo'") == 2


# Symptoms are the category's data


def _offered(client, tag):
    html = client.get(f"/faults/new?asset={tag}").text
    return re.findall(r'name="symptom" value="([a-z_]+)"', html)


def test_symptoms_offered_are_the_category_data(empty_client, make):
    admin = empty_client
    boards = make.category(code="TNI", name="Tableau numérique", is_interactive_display=True)
    gadget = make.category(code="BORNE-X", name="Borne", is_network=True)
    board = make.asset(category=boards)["tag"]
    borne = make.asset(category=gadget)["tag"]
    # Seeded with the field's defaults: by code, else by kind.
    assert _offered(admin, board) == ["no_image", "pen", "touch", "sound", "calibration",
                                      "no_power", "broken", "other"]
    assert _offered(admin, borne)[:2] == ["no_network", "no_wifi"]

    # Those who manage categories change them on the category's page.
    page = admin.get("/categories/TNI/edit").text
    assert 'name="symptoms" value="pen" checked' in page
    assert 'name="symptoms" value="paper" >' in page or 'value="paper">' in page
    version = query("SELECT version FROM category WHERE code = 'TNI'")[0]["version"]
    saved = admin.post("/categories/TNI/edit", data={
        "code": "TNI", "name": "Tableau numérique", "lifespan_years": "8",
        "is_interactive_display": "on", "version": str(version),
        "symptoms": ["", "no_image", "paper", "broken"]}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert query("SELECT symptoms FROM category WHERE code = 'TNI'")[0]["symptoms"] == \
        "no_image,paper,broken,other"
    assert _offered(admin, board) == ["no_image", "paper", "broken", "other"]
    refused = admin.post("/faults/new", data={"asset": board, "symptom": "pen"})
    assert refused.status_code == 400
    assert admin.post("/faults/new", data={"asset": board, "symptom": "paper"},
                      follow_redirects=False).status_code == 303
    # A room's report offers every symptom.
    room = make.room()
    room_form = admin.get(f"/faults/new?room={room['id']}").text
    assert 'value="pen"' in room_form and 'value="toner"' in room_form

    # The JSON API reads and changes the same list; codes are checked.
    doc = admin.get("/api/v1/categories").json()["items"]
    assert next(c for c in doc if c["code"] == "TNI")["symptoms"] == [
        "no_image", "paper", "broken", "other"]
    version = query("SELECT version FROM category WHERE code = 'BORNE-X'")[0]["version"]
    bad = admin.patch("/api/v1/categories/BORNE-X", json={"symptoms": ["toner", "bogus"],
                                                          "version": version})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"symptoms[1]"}  # "bogus"
    good = admin.patch("/api/v1/categories/BORNE-X", json={"symptoms": ["toner"],
                                                           "version": version})
    assert good.status_code == 200, good.text
    assert good.json()["symptoms"] == ["toner", "other"]
    assert _offered(admin, borne) == ["toner", "other"]
    created = admin.post("/api/v1/categories", json={"code": "IMPR", "name": "Imprimante",
                                                      "lifespan_years": 5})
    assert created.json()["symptoms"][:3] == ["paper", "toner", "no_print"]


def test_a_new_category_form_explains_its_symptoms(empty_client):
    page = empty_client.get("/categories/new").text
    assert "usual symptoms of its kind" in page and 'name="symptoms"' not in page
