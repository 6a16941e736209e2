"""Every page form that saves over a version: a form opened before someone else's change is
refused with 409, shows what is stored now next to what the person typed, and writes nothing
(the guard of inventory.web.pages.form_post's conflict path; on both engines)."""

from __future__ import annotations

from tests.helpers import query

STALE = "Someone else changed this record since you opened the form."


def _created(client, path: str, data: dict[str, str]) -> str:
    response = client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _version(table: str, where: str, *args) -> int:
    return query(f"SELECT version FROM {table} WHERE {where}", *args)[0]["version"]


def test_stale_catalog_site_and_room_forms_are_refused_and_show_the_stored_values(empty_client):
    c = empty_client
    _created(c, "/categories/new", {"code": "TAB", "name": "Tablettes", "lifespan_years": "4"})
    c.post("/categories/TAB/edit", data={"code": "TAB", "name": "Tablettes tactiles",
                                         "lifespan_years": "4", "version": "1"})
    stale = c.post("/categories/TAB/edit", data={"code": "TAB", "name": "Mon nom",
                                                  "lifespan_years": "6", "version": "1"})
    assert stale.status_code == 409 and STALE in stale.text
    assert "<dd>Tablettes tactiles</dd>" in stale.text and 'value="Mon nom"' in stale.text
    assert query("SELECT name FROM category WHERE code = 'TAB'")[0]["name"] == "Tablettes tactiles"

    _created(c, "/models/new", {"category": "TAB", "manufacturer": "Fabricant", "name": "T-1"})
    model_id = query("SELECT id FROM equipment_model WHERE name = 'T-1'")[0]["id"]
    c.post(f"/models/{model_id}/edit", data={"category": "TAB", "manufacturer": "Fabricant",
                                             "name": "T-2", "version": "1"})
    stale = c.post(f"/models/{model_id}/edit", data={
        "category": "TAB", "manufacturer": "Fabricant", "name": "T-3", "version": "1"})
    assert stale.status_code == 409 and STALE in stale.text
    assert "<dd>T-2</dd>" in stale.text and "<dd>TAB</dd>" in stale.text  # the category's code
    assert _version("equipment_model", "id = {}", model_id) == 2

    _created(c, "/sites/new", {"code": "EC-ORME", "name": "École des Ormes",
                               "kind": "elementaire"})
    room = _created(c, "/sites/EC-ORME/rooms/new", {"name": "Salle 1", "kind": "classroom"})
    c.post(f"{room}/edit", data={"name": "Salle 1 bis", "kind": "classroom", "version": "1"})
    stale = c.post(f"{room}/edit", data={"name": "Salle 2", "kind": "classroom", "version": "1"})
    assert stale.status_code == 409 and STALE in stale.text
    assert "<dd>Salle 1 bis</dd>" in stale.text and 'value="Salle 2"' in stale.text


def test_stale_user_form_is_refused(empty_client):
    c = empty_client
    user = _created(c, "/admin/users/new", {"email": "tech@orme.example", "name": "Tech Un",
                                             "role": "technician",
                                             "password": "Long-enough-secret"})
    c.post(user, data={"email": "tech@orme.example", "name": "Tech Deux", "role": "technician",
                       "version": "1"})
    stale = c.post(user, data={"email": "tech@orme.example", "name": "Tech Trois",
                               "role": "technician", "version": "1"})
    assert stale.status_code == 409
    assert "Someone else changed this account since you opened the form." in stale.text
    assert 'name="version" value="2"' in stale.text and 'value="Tech Trois"' in stale.text
    assert query("SELECT name FROM app_user WHERE email = 'tech@orme.example'")[0][
        "name"] == "Tech Deux"


def test_stale_asset_move_and_status_are_refused(empty_client):
    c = empty_client
    _created(c, "/categories/new", {"code": "TAB", "name": "Tablettes", "lifespan_years": "4"})
    _created(c, "/sites/new", {"code": "EC-ORME", "name": "École des Ormes",
                               "kind": "elementaire"})
    asset = _created(c, "/assets/new", {"site": "EC-ORME", "category": "TAB",
                                        "status": "in_service"})
    tag = asset.rsplit("/", 1)[1]
    version = _version("asset", "tag = {}", tag)
    assert c.post(f"{asset}/status", data={"status": "in_stock", "version": str(version)},
                  follow_redirects=False).status_code == 303
    moved = c.post(f"{asset}/move", data={"site": "EC-ORME", "room": "",
                                          "version": str(version)})
    assert moved.status_code == 409
    assert "Someone else changed this asset since you opened the form." in moved.text
    status = c.post(f"{asset}/status", data={"status": "in_service",
                                             "version": str(version)})
    assert status.status_code == 409 and "<html" in status.text
    assert query("SELECT status FROM asset WHERE tag = {}", tag)[0]["status"] == "in_stock"
    assert _version("asset", "tag = {}", tag) == version + 1
