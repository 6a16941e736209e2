"""The asset register through the pages: list, filters, asset page, create, edit, move, status."""

import re

from tests.helpers import (
    assert_search_text_current,
    asset_doc,
    count,
    edit_form,
    field_error,
    input_value,
    query,
)

NEW_ASSET = {
    "site": "EE-CURIE", "category": "VISU", "serial": "SN-EXEMPLE-1",
    "purchase_date": "2024-03-15", "purchase_price_eur": "149,90", "warranty_end": "31/03/2027",
    "supplier": "Fournisseur Exemple", "order_ref": "MAPA-2024-007", "status": "in_service",
}


def _rows(html: str) -> list[str]:
    return re.findall(r'<td><a href="/a/([A-Z]+-\d+)">', html)


def _room_of(site: str) -> int:
    return query("SELECT room.id FROM room JOIN site ON site.id = room.site WHERE site.code = {} "
                 "ORDER BY room.id LIMIT 1", site)[0]["id"]


def _model_of(category: str) -> int:
    return query("SELECT equipment_model.id FROM equipment_model JOIN category ON "
                 "category.id = equipment_model.category WHERE category.code = {} "
                 "ORDER BY equipment_model.id LIMIT 1", category)[0]["id"]


# List


def test_list_shows_count_and_pages(client):
    response = client.get("/assets")
    assert response.status_code == 200
    assert "1500 assets" in response.text
    assert "page 1 of 30" in response.text
    assert len(_rows(response.text)) == 50
    page2 = client.get("/assets?page=2")
    assert set(_rows(page2.text)).isdisjoint(_rows(response.text))


def test_filters_by_site_category_and_status(client):
    expected = count("asset", "site = (SELECT id FROM site WHERE code = 'GS-FERRY') AND "
                     "category = (SELECT id FROM category WHERE code = 'PC-FIXE')")
    response = client.get("/assets?site=GS-FERRY&category=PC-FIXE")
    assert f"{expected} asset" in response.text
    for tag in _rows(response.text):
        doc = asset_doc(client, tag)
        assert (doc["site"], doc["category"]) == ("GS-FERRY", "PC-FIXE")
    retired = count("asset", "status = 'retired'")
    assert f"{retired} asset" in client.get("/assets?status=retired").text


def test_search_finds_tag_serial_model_room_and_notes(client):
    asset = query("SELECT tag, serial FROM asset ORDER BY id LIMIT 1")[0]
    assert _rows(client.get(f"/assets?q={asset['tag'].lower()}").text) == [asset["tag"]]
    assert asset["tag"] in _rows(client.get(f"/assets?q={asset['serial']}").text)
    assert _rows(client.get("/assets?q=Latitude").text)
    assert _rows(client.get("/assets?q=Local technique").text)
    tag = query("SELECT tag FROM asset ORDER BY id DESC LIMIT 1")[0]["tag"]
    client.post(f"/a/{tag}/edit", data=edit_form(client, tag, notes="écran fissuré côté gauche"))
    assert _rows(client.get("/assets?q=fissuré").text) == [tag]


def test_search_ignores_accents_case_and_spacing(client):
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    client.post(f"/a/{tag}/edit",
                data=edit_form(client, tag, notes="Écran fissuré, câble d'Œuvre"))
    for typed in ("ecran", "ÉCRAN FISSURÉ", "Ecran  Fissure", "cable d'oeuvre"):
        assert tag in _rows(client.get("/assets", params={"q": typed}).text), typed
    # The notes change again: the old words are no longer found.
    client.post(f"/a/{tag}/edit", data=edit_form(client, tag, notes="Remplacé"))
    assert tag not in _rows(client.get("/assets", params={"q": "fissure"}).text)
    assert tag in _rows(client.get("/assets", params={"q": "REMPLACE"}).text)

    # Rooms and models by their names, folded too; a model by maker and name together.
    response = client.post("/sites/EE-CURIE/rooms/new",
                           data={"name": "Réfectoire Église", "kind": "other"},
                           follow_redirects=False)
    room = int(response.headers["location"].rsplit("/", 1)[1])
    client.post(f"/a/{tag}/move", data={"site": "EE-CURIE", "room": str(room),
                                        "version": asset_doc(client, tag)["version"]})
    assert _rows(client.get("/assets", params={"q": "refectoire eglise"}).text) == [tag]
    model = query("SELECT manufacturer, name FROM equipment_model ORDER BY id LIMIT 1")[0]
    both = f"{model['manufacturer'].upper()} {model['name'].lower()}"
    assert _rows(client.get("/assets", params={"q": both}).text), both
    assert_search_text_current()


def test_search_reads_holder_order_and_network_names(client):
    holder = query("SELECT tag, holder FROM asset WHERE holder != '' ORDER BY id LIMIT 1")[0]
    found = _rows(client.get("/assets", params={"q": "ELU·E N°1 (EXEMPLE)"}).text)
    assert holder["holder"].startswith("Élu·e n°1") and holder["tag"] in found
    switch = query("SELECT tag, hostname, ip_address FROM asset WHERE hostname != '' "
                   "ORDER BY id LIMIT 1")[0]
    for typed in (switch["hostname"].split(".")[0].upper(), switch["ip_address"]):
        assert switch["tag"] in _rows(client.get("/assets", params={"q": typed}).text), typed
    order = query("SELECT order_ref FROM asset ORDER BY id LIMIT 1")[0]["order_ref"]
    expected = count("asset", "order_ref = {}", order)
    assert f"{expected} asset" in client.get("/assets", params={"q": order.lower()}).text


def test_a_write_from_a_stale_read_keeps_the_search_text_of_the_stored_row(demo_url, run):
    """A move computed from an asset read before someone saved new notes (the API accepts a
    write without a version) keeps the new notes searchable: the search text is derived
    from the row as the transaction reads it, not from the caller's copy."""
    from inventory.accounts.scope import Scope
    from inventory.assets import service

    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    room = _room_of("EM-FONTAINE")

    async def race():
        stale = await service.get_asset(tag, Scope())
        await service.update(tag, {"notes": "Nouvelle lampe posée"}, None, "someone",
                             Scope())
        site = query("SELECT id FROM site WHERE code = 'EM-FONTAINE'")[0]["id"]
        await service.apply_changes(stale, {"site": site, "room": room}, None, "someone else")

    run(race())
    stored = query("SELECT notes, search_text, room FROM asset WHERE tag = {}", tag)[0]
    assert stored["room"] == room and stored["notes"] == "Nouvelle lampe posée"
    assert "nouvelle lampe posee" in stored["search_text"]
    assert_search_text_current()


def test_a_conflict_answer_shows_no_internal_column(client):
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    doc = asset_doc(client, tag)
    client.post(f"/a/{tag}/edit", data=edit_form(client, tag, notes="Première version"))
    response = client.patch(f"/api/v1/assets/{tag}", json={"notes": "x", "version": doc["version"]},
                            headers={"accept": "application/json"})
    assert response.status_code == 409
    current = response.json()["current"]
    assert current["notes"] == "Première version" and "search_text" not in current


def test_search_wildcards_are_plain_characters(client):
    """% and _ typed in the search box are characters, not LIKE wildcards."""
    for typed in ("%", "_", "%%", "\\"):
        response = client.get("/assets", params={"q": typed})
        assert response.status_code == 200
        assert _rows(response.text) == [], typed
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    client.post(f"/a/{tag}/edit", data=edit_form(client, tag, notes="Remise de 100% sur_site"))
    assert _rows(client.get("/assets", params={"q": "100%"}).text) == [tag]
    assert _rows(client.get("/assets", params={"q": "sur_site"}).text) == [tag]


def test_end_of_life_and_warranty_filters(client):
    past = client.get("/assets?eol=past")
    for tag in _rows(past.text):
        doc = asset_doc(client, tag)
        assert doc["status"] != "retired"
        assert doc["eol_year"] is not None
    expired = count("asset", "warranty_end < {}", __import__("datetime").date.today().isoformat())
    assert f"{expired} asset" in client.get("/assets?warranty=expired").text


def test_sorting_and_bad_parameters_never_fail(client):
    by_eol = client.get("/assets?sort=-eol_year")
    tags = _rows(by_eol.text)
    years = [asset_doc(client, t)["eol_year"] or 0 for t in tags[:5]]
    assert years == sorted(years, reverse=True)
    for bad in ("sort=drop table", "page=-3", "page=abc", "room=x", "status=nope", "eol=soon"):
        assert client.get(f"/assets?{bad}").status_code == 200


def test_htmx_request_gets_the_list_fragment_only(client):
    response = client.get("/assets?site=GS-FERRY", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<table" in response.text
    # The room filter follows the chosen site (out-of-band swap).
    assert 'hx-swap-oob="true"' in response.text
    assert "Classe 1" in response.text


def test_filter_links_keep_the_filter_in_the_url(client):
    response = client.get("/assets?category=PC-FIXE&status=active")
    assert count("asset", "category = (SELECT id FROM category WHERE code = 'PC-FIXE') "
                 "AND status != 'retired'") > 50
    assert "/assets?category=PC-FIXE&amp;status=active&amp;page=2" in response.text
    assert "sort=category" in response.text


# Asset page


def test_asset_page_shows_identity_location_warranty_and_history(client):
    tag = query("SELECT tag FROM asset WHERE status = 'in_service' ORDER BY id LIMIT 1")[0]["tag"]
    response = client.get(f"/a/{tag}")
    assert response.status_code == 200
    doc = asset_doc(client, tag)
    assert tag in response.text
    assert doc["serial"] in response.text
    assert str(doc["eol_year"]) in response.text
    assert "History" in response.text and "Created" in response.text


def test_network_gear_shows_network_details(client):
    tag = query("SELECT tag FROM asset WHERE hostname != '' ORDER BY id LIMIT 1")[0]["tag"]
    doc = asset_doc(client, tag)
    response = client.get(f"/a/{tag}")
    assert "Network" in response.text
    assert doc["ip_address"] in response.text and doc["mac_address"] in response.text


def test_unknown_tag_is_a_friendly_404_with_search(client):
    response = client.get("/a/BRN-999999")
    assert response.status_code == 404
    assert 'name="q"' in response.text


# Create


def test_create_asset_gets_the_next_tag_and_computed_end_of_life(client):
    response = client.post("/assets/new", data=NEW_ASSET, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/a/BRN-001501"
    doc = asset_doc(client, "BRN-001501")
    assert doc["purchase_price_cents"] == 14990
    assert doc["warranty_end"] == "2027-03-31"
    assert doc["eol_year"] == 2024 + 7  # VISU lifespan in the demo
    assert count("audit_record", "entity_key = 'BRN-001501' AND action = 'create'") == 1


def test_tags_are_never_reused_even_after_retire_or_delete(client):
    first = client.post("/assets/new", data=NEW_ASSET, follow_redirects=False)
    tag1 = first.headers["location"].rsplit("/", 1)[1]
    client.post(f"/a/{tag1}/status", data={"status": "retired", "confirm": "1",
                                           "version": asset_doc(client, tag1)["version"]})
    second = client.post("/assets/new", data={**NEW_ASSET, "serial": "SN-2"},
                         follow_redirects=False)
    tag2 = second.headers["location"].rsplit("/", 1)[1]
    assert tag2 > tag1
    # Even a row removed from the database does not free its number.
    from inventory.core.tables import Asset  # noqa: F401  (documents the table being edited)

    _delete_asset(tag2)
    third = client.post("/assets/new", data={**NEW_ASSET, "serial": "SN-3"},
                        follow_redirects=False)
    assert third.headers["location"].rsplit("/", 1)[1] > tag2


def _delete_asset(tag: str) -> None:
    from inventory.core import db

    url = db.current_url
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute("DELETE FROM asset WHERE tag = ?", (tag,))
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute("DELETE FROM asset WHERE tag = %s", (tag,))


def test_create_refuses_bad_input_field_by_field_and_writes_nothing(client):
    before = count("asset")
    room_elsewhere = _room_of("GS-FERRY")
    bad = {**NEW_ASSET, "purchase_price_eur": "-12", "warranty_end": "2020-01-01",
           "room": str(room_elsewhere), "ip_address": "999.1.1.1", "category": ""}
    response = client.post("/assets/new", data=bad)
    assert response.status_code == 400
    assert "cannot be negative" in field_error(response.text, "purchase_price_eur")
    assert "before the purchase date" in field_error(response.text, "warranty_end")
    assert field_error(response.text, "category") == "This field is required."
    assert "IP address" in field_error(response.text, "ip_address")
    assert input_value(response.text, "serial") == "SN-EXEMPLE-1"
    assert count("asset") == before
    room = client.post("/assets/new", data={**NEW_ASSET, "room": str(room_elsewhere)})
    assert "not in the chosen site" in field_error(room.text, "room")


def test_duplicate_serial_within_a_model_is_refused(client):
    model = _model_of("VISU")
    ok = client.post("/assets/new", data={**NEW_ASSET, "model": str(model)},
                     follow_redirects=False)
    assert ok.status_code == 303
    again = client.post("/assets/new", data={**NEW_ASSET, "model": str(model)})
    assert again.status_code == 400
    assert "already has this serial" in field_error(again.text, "serial")
    # The same serial on another model is fine.
    other = query("SELECT id FROM equipment_model WHERE category = (SELECT id FROM category "
                  "WHERE code = 'VISU') AND id != {} LIMIT 1", model)[0]["id"]
    assert client.post("/assets/new", data={**NEW_ASSET, "model": str(other)},
                       follow_redirects=False).status_code == 303


def test_model_must_belong_to_the_category(client):
    response = client.post("/assets/new", data={**NEW_ASSET, "model": str(_model_of("TNI"))})
    assert "another category" in field_error(response.text, "model")


# Edit, move, status


def test_edit_records_before_and_after_in_history(client):
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    old_serial = asset_doc(client, tag)["serial"]
    response = client.post(f"/a/{tag}/edit", data=edit_form(client, tag, serial="NEW-SERIAL-42"),
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(f"/a/{tag}").text
    assert "Edited" in page
    assert old_serial in page and "NEW-SERIAL-42" in page
    audit = query("SELECT changes FROM audit_record WHERE entity_key = {} AND action = 'update'",
                  tag)
    assert len(audit) == 1


def test_stale_edit_shows_conflict_and_keeps_the_newer_change(client):
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    opened = edit_form(client, tag)
    assert client.post(f"/a/{tag}/edit", data={**opened, "notes": "first"},
                       follow_redirects=False).status_code == 303
    stale = client.post(f"/a/{tag}/edit", data={**opened, "notes": "second"})
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.text
    assert "first" in stale.text  # the stored value is shown
    assert "second" in stale.text  # what the person typed is kept in the form
    assert asset_doc(client, tag)["notes"] == "first"


def test_edit_form_prefills_current_values(client):
    tag = query("SELECT tag FROM asset WHERE purchase_price_cents IS NOT NULL ORDER BY id LIMIT 1"
                )[0]["tag"]
    doc = asset_doc(client, tag)
    page = client.get(f"/a/{tag}/edit").text
    assert input_value(page, "serial") == doc["serial"]
    cents = doc["purchase_price_cents"]
    assert input_value(page, "purchase_price_eur") == f"{cents // 100},{cents % 100:02d}"


def test_move_to_another_site_and_room(client):
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    room = _room_of("EM-FONTAINE")
    form = client.get(f"/a/{tag}/move")
    assert form.status_code == 200
    response = client.post(f"/a/{tag}/move", data={"site": "EM-FONTAINE", "room": str(room),
                                                   "version": asset_doc(client, tag)["version"]},
                           follow_redirects=False)
    assert response.status_code == 303
    doc = asset_doc(client, tag)
    assert (doc["site"], doc["room"]) == ("EM-FONTAINE", room)
    page = client.get(f"/a/{tag}").text
    assert "Moved" in page and "École maternelle La Fontaine" in page


def test_move_without_javascript_to_a_room_of_the_old_site_is_explained(client):
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    doc = asset_doc(client, tag)
    response = client.post(f"/a/{tag}/move", data={"site": "EM-FONTAINE", "room": doc["room"],
                                                   "version": doc["version"]})
    assert response.status_code == 400
    assert "not in the chosen site" in field_error(response.text, "room")
    # The form now offers the new site's rooms.
    assert "Section 1" in response.text
    assert asset_doc(client, tag)["site"] == doc["site"]


def test_retire_then_page_says_so(client):
    tag = query("SELECT tag FROM asset WHERE status = 'in_service' ORDER BY id LIMIT 1")[0]["tag"]
    version = asset_doc(client, tag)["version"]
    # Retiring asks first: a page that says what it does and how to undo it.
    asked = client.post(f"/a/{tag}/status", data={"status": "retired", "version": version},
                        follow_redirects=False)
    assert asked.status_code == 200 and f"Retire {tag}?" in asked.text
    assert "This can be undone" in asked.text
    assert '<input type="hidden" name="confirm" value="1">' in asked.text
    assert f'<input type="hidden" name="version" value="{version}">' in asked.text
    assert asset_doc(client, tag)["status"] == "in_service"
    response = client.post(f"/a/{tag}/status",
                           data={"status": "retired", "version": version, "confirm": "1"},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(f"/a/{tag}").text
    assert "This asset is retired" in page and "To put it back" in page
    assert count("audit_record", "entity_key = {} AND action = 'retire'", tag) == 1
    # Undone as the pages say: another status, no confirmation needed.
    back = client.post(f"/a/{tag}/status", data={
        "status": "in_service", "version": asset_doc(client, tag)["version"]},
        follow_redirects=False)
    assert back.status_code == 303 and asset_doc(client, tag)["status"] == "in_service"


def test_bad_status_is_refused_with_a_message(client):
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    response = client.post(f"/a/{tag}/status", data={"status": "exploded"})
    assert response.status_code == 400
    assert "Choose one of the proposed values." in response.text


def test_room_options_fragment_for_htmx(client):
    response = client.get("/assets/room-options?site=EM-FONTAINE")
    assert response.status_code == 200
    assert "<option" in response.text and "Section 1" in response.text
    assert "<html" not in response.text


def test_free_text_is_rendered_inert(client):
    tag = query("SELECT tag FROM asset ORDER BY id LIMIT 1")[0]["tag"]
    payload = '<script>alert("x")</script>" onmouseover="alert(1)'
    client.post(f"/a/{tag}/edit", data=edit_form(client, tag, notes=payload, holder=payload))
    for path in (f"/a/{tag}", f"/a/{tag}/edit", "/assets?q=script"):
        html = client.get(path).text
        assert "<script>alert" not in html
        assert '" onmouseover="alert(1)' not in html
