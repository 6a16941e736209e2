"""Categories (lifecycle defaults) and models."""

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


def test_create_category_with_french_amount(client):
    response = client.post("/categories/new", data={
        "code": "casque", "name": "Casque audio", "lifespan_years": "3",
        "replacement_cost_eur": "39,90", "is_interactive_display": ""}, follow_redirects=False)
    assert response.status_code == 303
    row = query("SELECT * FROM category WHERE code = 'CASQUE'")[0]
    assert row["replacement_cost_cents"] == 3990
    assert row["lifespan_years"] == 3
    assert not row["is_interactive_display"]


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
