"""The asset register through the pages: list, filters, asset page, create, edit, move, status."""

import datetime as dt
import re

import pytest

from tests.helpers import (
    assert_search_text_current,
    asset_doc,
    count,
    edit_form,
    field_error,
    input_value,
    query,
)


def _new_asset(site, category, **changes) -> dict[str, str]:
    """What the new-asset form posts for a visualiser bought in March 2024."""
    return {
        "site": site["code"], "category": category["code"], "serial": "SN-EXEMPLE-1",
        "purchase_date": "2024-03-15", "purchase_price_eur": "149,90",
        "warranty_end": "31/03/2027", "supplier": "Fournisseur Exemple",
        "order_ref": "MAPA-2024-007", "status": "in_service", **changes,
    }


@pytest.fixture
def admin(empty_client):
    return empty_client


@pytest.fixture
def visualisers(make):
    """A school and the visualiser category (7 years) the creation tests post to."""
    return make.site(name="École élémentaire des Essais"), make.category(
        code="VISU", name="Visualiseur", lifespan_years=7)


def _rows(html: str) -> list[str]:
    return re.findall(r'<td><a href="/a/([A-Z]+-\d+)">', html)


# List


def test_list_shows_count_and_pages(admin, make):
    make.assets(51)
    response = admin.get("/assets")
    assert response.status_code == 200
    assert "51 assets" in response.text
    assert "page 1 of 2" in response.text
    assert len(_rows(response.text)) == 50
    page2 = admin.get("/assets?page=2")
    assert len(_rows(page2.text)) == 1
    assert set(_rows(page2.text)).isdisjoint(_rows(response.text))


def test_filters_by_site_category_and_status(admin, make):
    school, other_school = make.site(), make.site()
    computers, tablets = make.category(code="PC-FIXE"), make.category(code="TABLETTE")
    wanted = make.assets(2, site=school, category=computers)
    make.asset(site=school, category=tablets)
    make.asset(site=other_school, category=computers)
    retired = make.asset(site=other_school, category=tablets, status="retired")
    response = admin.get(f"/assets?site={school['code']}&category=PC-FIXE")
    assert "2 assets" in response.text
    assert sorted(_rows(response.text)) == sorted(a["tag"] for a in wanted)
    for tag in _rows(response.text):
        doc = asset_doc(admin, tag)
        assert (doc["site"], doc["category"]) == (school["code"], "PC-FIXE")
    only_retired = admin.get("/assets?status=retired").text
    assert "1 asset" in only_retired and _rows(only_retired) == [retired["tag"]]


def test_search_finds_tag_serial_model_room_and_notes(admin, make):
    room = make.room(name="Local technique")
    laptop = make.model(manufacturer="Dell", name="Latitude 3540")
    asset = make.asset(room=room, serial="SN-PC-0042")
    by_model = make.asset(model=laptop)
    make.asset()  # found by nothing below
    assert _rows(admin.get(f"/assets?q={asset['tag'].lower()}").text) == [asset["tag"]]
    assert _rows(admin.get(f"/assets?q={asset['serial']}").text) == [asset["tag"]]
    assert _rows(admin.get("/assets?q=Latitude").text) == [by_model["tag"]]
    assert _rows(admin.get("/assets?q=Local technique").text) == [asset["tag"]]
    tag = by_model["tag"]
    admin.post(f"/a/{tag}/edit", data=edit_form(admin, tag, notes="écran fissuré côté gauche"))
    assert _rows(admin.get("/assets?q=fissuré").text) == [tag]


def test_search_ignores_accents_case_and_spacing(admin, make):
    school = make.site()
    model = make.model(manufacturer="Lumens", name="Ladibug DC125")
    tag = make.asset(site=school, model=model)["tag"]
    make.asset(site=school)
    admin.post(f"/a/{tag}/edit",
               data=edit_form(admin, tag, notes="Écran fissuré, câble d'Œuvre"))
    for typed in ("ecran", "ÉCRAN FISSURÉ", "Ecran  Fissure", "cable d'oeuvre"):
        assert tag in _rows(admin.get("/assets", params={"q": typed}).text), typed
    # The notes change again: the old words are no longer found.
    admin.post(f"/a/{tag}/edit", data=edit_form(admin, tag, notes="Remplacé"))
    assert tag not in _rows(admin.get("/assets", params={"q": "fissure"}).text)
    assert tag in _rows(admin.get("/assets", params={"q": "REMPLACE"}).text)

    # Rooms and models by their names, folded too; a model by maker and name together.
    response = admin.post(f"/sites/{school['code']}/rooms/new",
                          data={"name": "Réfectoire Église", "kind": "other"},
                          follow_redirects=False)
    room = int(response.headers["location"].rsplit("/", 1)[1])
    admin.post(f"/a/{tag}/move", data={"site": school["code"], "room": str(room),
                                       "version": asset_doc(admin, tag)["version"]})
    assert _rows(admin.get("/assets", params={"q": "refectoire eglise"}).text) == [tag]
    assert _rows(admin.get("/assets", params={"q": "LUMENS ladibug dc125"}).text) == [tag]
    assert_search_text_current()


def test_search_reads_holder_order_and_network_names(admin, make):
    holder = make.asset(holder="Élu·e n°1 (exemple)")
    switch = make.asset(hostname="sw-ecole-1.commune.example", ip_address="10.0.12.5")
    ordered = make.assets(2, order_ref="MAPA-2023-011")
    make.asset(order_ref="MAPA-2023-012")
    assert _rows(admin.get("/assets", params={"q": "ELU·E N°1 (EXEMPLE)"}).text) == \
        [holder["tag"]]
    for typed in ("SW-ECOLE-1", "10.0.12.5"):
        assert _rows(admin.get("/assets", params={"q": typed}).text) == [switch["tag"]], typed
    found = admin.get("/assets", params={"q": "mapa-2023-011"}).text
    assert "2 assets" in found and sorted(_rows(found)) == sorted(a["tag"] for a in ordered)


def test_a_write_from_a_stale_read_keeps_the_search_text_of_the_stored_row(empty_url, make,
                                                                           run):
    """A move computed from an asset read before someone saved new notes (the API accepts a
    write without a version) keeps the new notes searchable: the search text is derived
    from the row as the transaction reads it, not from the caller's copy."""
    from inventory.accounts.scope import Scope
    from inventory.assets import service

    tag = make.asset()["tag"]
    room = make.room()

    async def race():
        stale = await service.get_asset(tag, Scope())
        await service.update(tag, {"notes": "Nouvelle lampe posée"}, None, "someone",
                             Scope())
        await service.apply_changes(stale, {"site": room["site"], "room": room["id"]}, None,
                                    "someone else")

    run(race())
    stored = query("SELECT notes, search_text, room FROM asset WHERE tag = {}", tag)[0]
    assert stored["room"] == room["id"] and stored["notes"] == "Nouvelle lampe posée"
    assert "nouvelle lampe posee" in stored["search_text"]
    assert_search_text_current()


def test_a_conflict_answer_shows_no_internal_column(admin, make):
    tag = make.asset()["tag"]
    doc = asset_doc(admin, tag)
    admin.post(f"/a/{tag}/edit", data=edit_form(admin, tag, notes="Première version"))
    response = admin.patch(f"/api/v1/assets/{tag}", json={"notes": "x", "version": doc["version"]},
                           headers={"accept": "application/json"})
    assert response.status_code == 409
    current = response.json()["current"]
    assert current["notes"] == "Première version" and "search_text" not in current


def test_search_wildcards_are_plain_characters(admin, make):
    """% and _ typed in the search box are characters, not LIKE wildcards."""
    tag = make.asset(notes="Rien à signaler")["tag"]
    make.asset(notes="Remise de 100 euros")
    for typed in ("%", "_", "%%", "\\"):
        response = admin.get("/assets", params={"q": typed})
        assert response.status_code == 200
        assert _rows(response.text) == [], typed
    admin.post(f"/a/{tag}/edit", data=edit_form(admin, tag, notes="Remise de 100% sur_site"))
    assert _rows(admin.get("/assets", params={"q": "100%"}).text) == [tag]
    assert _rows(admin.get("/assets", params={"q": "sur_site"}).text) == [tag]


def test_end_of_life_and_warranty_filters(admin, make):
    six_years = make.category(lifespan_years=6)
    old = make.asset(category=six_years, purchase_date="2012-09-01", warranty_end="2015-09-01")
    make.asset(category=six_years, purchase_date="2012-09-01", status="retired")
    make.asset(category=six_years, purchase_date=f"{dt.date.today().year}-01-02",
               warranty_end=f"{dt.date.today().year + 3}-01-02")
    make.asset(category=six_years, warranty_end="2020-01-31")
    past = admin.get("/assets?eol=past")
    assert _rows(past.text) == [old["tag"]]  # the retired one is not due any more
    assert "2 assets" in admin.get("/assets?warranty=expired").text


def test_sorting_and_bad_parameters_never_fail(admin, make):
    six_years = make.category(lifespan_years=6)
    for year in (2015, 2021, 2018):
        make.asset(category=six_years, purchase_date=f"{year}-09-01")
    make.asset(category=six_years)  # end of life unknown
    tags = _rows(admin.get("/assets?sort=-eol_year").text)
    years = [asset_doc(admin, t)["eol_year"] for t in tags]
    assert [y for y in years if y is not None] == [2027, 2024, 2021]
    for bad in ("sort=drop table", "page=-3", "page=abc", "room=x", "status=nope", "eol=soon"):
        assert admin.get(f"/assets?{bad}").status_code == 200


def test_htmx_request_gets_the_list_fragment_only(admin, make):
    school = make.site()
    make.asset(room=make.room(school, name="Classe 1"))
    response = admin.get(f"/assets?site={school['code']}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<table" in response.text
    # The room filter follows the chosen site (out-of-band swap).
    assert 'hx-swap-oob="true"' in response.text
    assert "Classe 1" in response.text


def test_the_room_filter_offers_the_sites_rooms_in_order_and_keeps_the_choice(admin, make):
    school = make.site()
    rooms = {name: make.room(school, name=name) for name in ("Classe 10", "Classe 2", "<Atelier>")}
    chosen = rooms["Classe 10"]["id"]
    page = admin.get(f"/assets?site={school['code']}&room={chosen}").text
    select = page[page.index('id="f-room"'):]
    select = select[:select.index("</select>")]
    assert [select.index(name) for name in ("&lt;Atelier&gt;", "Classe 2", "Classe 10")] == sorted(
        select.index(name) for name in ("&lt;Atelier&gt;", "Classe 2", "Classe 10"))
    assert f'<option value="{chosen}" selected>Classe 10</option>' in select
    assert select.count("selected") == 1


def test_filter_links_keep_the_filter_in_the_url(admin, make):
    make.assets(51, category=make.category(code="PC-FIXE"))
    response = admin.get("/assets?category=PC-FIXE&status=active")
    assert "/assets?category=PC-FIXE&amp;status=active&amp;page=2" in response.text
    assert "sort=category" in response.text


# Asset page


def test_asset_page_shows_identity_location_warranty_and_history(admin, make):
    tag = make.asset(serial="SN-TNI-0007", purchase_date="2021-08-30")["tag"]
    response = admin.get(f"/a/{tag}")
    assert response.status_code == 200
    doc = asset_doc(admin, tag)
    assert tag in response.text
    assert "SN-TNI-0007" in response.text
    assert doc["eol_year"] == 2027 and "2027" in response.text
    assert "History" in response.text and "Created" in response.text


def test_network_gear_shows_network_details(admin, make):
    tag = make.asset(category=make.category(is_network="on"), hostname="sw-mairie.example",
                     ip_address="10.0.1.2", mac_address="00:1a:2b:3c:4d:5e")["tag"]
    doc = asset_doc(admin, tag)
    response = admin.get(f"/a/{tag}")
    assert "Network" in response.text
    assert doc["ip_address"] in response.text and doc["mac_address"] in response.text


def test_unknown_tag_is_a_friendly_404_with_search(admin):
    response = admin.get("/a/BRN-999999")
    assert response.status_code == 404
    assert 'name="q"' in response.text


# Create


def test_create_asset_gets_the_next_tag_and_computed_end_of_life(admin, make, visualisers):
    make.asset()  # BRN-000001
    response = admin.post("/assets/new", data=_new_asset(*visualisers), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/a/BRN-000002"
    doc = asset_doc(admin, "BRN-000002")
    assert doc["purchase_price_cents"] == 14990
    assert doc["warranty_end"] == "2027-03-31"
    assert doc["eol_year"] == 2024 + 7  # the category's lifespan
    assert count("audit_record", "entity_key = 'BRN-000002' AND action = 'create'") == 1


def test_tags_are_never_reused_even_after_retire_or_delete(admin, visualisers):
    first = admin.post("/assets/new", data=_new_asset(*visualisers), follow_redirects=False)
    tag1 = first.headers["location"].rsplit("/", 1)[1]
    admin.post(f"/a/{tag1}/status", data={"status": "retired", "confirm": "1",
                                          "version": asset_doc(admin, tag1)["version"]})
    second = admin.post("/assets/new", data=_new_asset(*visualisers, serial="SN-2"),
                        follow_redirects=False)
    tag2 = second.headers["location"].rsplit("/", 1)[1]
    assert tag2 > tag1
    # Even a row removed from the database does not free its number.
    from tests.helpers import execute

    execute("DELETE FROM asset WHERE tag = {}", tag2)
    third = admin.post("/assets/new", data=_new_asset(*visualisers, serial="SN-3"),
                       follow_redirects=False)
    assert third.headers["location"].rsplit("/", 1)[1] > tag2


def test_create_refuses_bad_input_field_by_field_and_writes_nothing(admin, make, visualisers):
    make.asset()
    before = count("asset")
    room_elsewhere = make.room()["id"]
    bad = {**_new_asset(*visualisers, purchase_price_eur="-12", warranty_end="2020-01-01",
                        room=str(room_elsewhere), ip_address="999.1.1.1"), "category": ""}
    response = admin.post("/assets/new", data=bad)
    assert response.status_code == 400
    assert "cannot be negative" in field_error(response.text, "purchase_price_eur")
    assert "before the purchase date" in field_error(response.text, "warranty_end")
    assert field_error(response.text, "category") == "This field is required."
    assert "IP address" in field_error(response.text, "ip_address")
    assert input_value(response.text, "serial") == "SN-EXEMPLE-1"
    assert count("asset") == before
    room = admin.post("/assets/new", data=_new_asset(*visualisers, room=str(room_elsewhere)))
    assert "not in the chosen site" in field_error(room.text, "room")


def test_duplicate_serial_within_a_model_is_refused(admin, make, visualisers):
    site, category = visualisers
    model, other = make.model(category), make.model(category)
    ok = admin.post("/assets/new", data=_new_asset(site, category, model=str(model["id"])),
                    follow_redirects=False)
    assert ok.status_code == 303
    again = admin.post("/assets/new", data=_new_asset(site, category, model=str(model["id"])))
    assert again.status_code == 400
    assert "already has this serial" in field_error(again.text, "serial")
    # The same serial on another model is fine.
    assert admin.post("/assets/new", data=_new_asset(site, category, model=str(other["id"])),
                      follow_redirects=False).status_code == 303


def test_model_must_belong_to_the_category(admin, make, visualisers):
    board = make.model(make.category(code="TNI"))
    response = admin.post("/assets/new", data=_new_asset(*visualisers, model=str(board["id"])))
    assert "another category" in field_error(response.text, "model")


# Edit, move, status


def test_edit_records_before_and_after_in_history(admin, make):
    tag = make.asset(serial="OLD-SERIAL-7")["tag"]
    response = admin.post(f"/a/{tag}/edit", data=edit_form(admin, tag, serial="NEW-SERIAL-42"),
                          follow_redirects=False)
    assert response.status_code == 303
    page = admin.get(f"/a/{tag}").text
    assert "Edited" in page
    assert "OLD-SERIAL-7" in page and "NEW-SERIAL-42" in page
    audit = query("SELECT changes FROM audit_record WHERE entity_key = {} AND action = 'update'",
                  tag)
    assert len(audit) == 1


def test_stale_edit_shows_conflict_and_keeps_the_newer_change(admin, make):
    tag = make.asset()["tag"]
    opened = edit_form(admin, tag)
    assert admin.post(f"/a/{tag}/edit", data={**opened, "notes": "first"},
                      follow_redirects=False).status_code == 303
    stale = admin.post(f"/a/{tag}/edit", data={**opened, "notes": "second"})
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.text
    assert "first" in stale.text  # the stored value is shown
    assert "second" in stale.text  # what the person typed is kept in the form
    assert asset_doc(admin, tag)["notes"] == "first"


def test_edit_form_prefills_current_values(admin, make):
    tag = make.asset(serial="SN-PREFILL", purchase_price_cents=123456)["tag"]
    page = admin.get(f"/a/{tag}/edit").text
    assert input_value(page, "serial") == "SN-PREFILL"
    assert input_value(page, "purchase_price_eur") == "1234,56"


def test_move_to_another_site_and_room(admin, make):
    tag = make.asset(room=make.room())["tag"]
    nursery = make.site(name="École maternelle La Fontaine")
    room = make.room(nursery)["id"]
    form = admin.get(f"/a/{tag}/move")
    assert form.status_code == 200
    response = admin.post(f"/a/{tag}/move", data={"site": nursery["code"], "room": str(room),
                                                  "version": asset_doc(admin, tag)["version"]},
                          follow_redirects=False)
    assert response.status_code == 303
    doc = asset_doc(admin, tag)
    assert (doc["site"], doc["room"]) == (nursery["code"], room)
    page = admin.get(f"/a/{tag}").text
    assert "Moved" in page and "École maternelle La Fontaine" in page


def test_move_without_javascript_to_a_room_of_the_old_site_is_explained(admin, make):
    tag = make.asset(room=make.room(name="Classe 4"))["tag"]
    nursery = make.site()
    make.room(nursery, name="Section 1")
    doc = asset_doc(admin, tag)
    response = admin.post(f"/a/{tag}/move", data={"site": nursery["code"], "room": doc["room"],
                                                  "version": doc["version"]})
    assert response.status_code == 400
    assert "not in the chosen site" in field_error(response.text, "room")
    # The form now offers the new site's rooms.
    assert "Section 1" in response.text
    assert asset_doc(admin, tag)["site"] == doc["site"]


def test_retire_then_page_says_so(admin, make):
    tag = make.asset()["tag"]
    version = asset_doc(admin, tag)["version"]
    # Retiring asks first: a page that says what it does and how to undo it.
    asked = admin.post(f"/a/{tag}/status", data={"status": "retired", "version": version},
                       follow_redirects=False)
    assert asked.status_code == 200 and f"Retire {tag}?" in asked.text
    assert "This can be undone" in asked.text
    assert '<input type="hidden" name="confirm" value="1">' in asked.text
    assert f'<input type="hidden" name="version" value="{version}">' in asked.text
    assert asset_doc(admin, tag)["status"] == "in_service"
    response = admin.post(f"/a/{tag}/status",
                          data={"status": "retired", "version": version, "confirm": "1"},
                          follow_redirects=False)
    assert response.status_code == 303
    page = admin.get(f"/a/{tag}").text
    assert "This asset is retired" in page and "To put it back" in page
    assert count("audit_record", "entity_key = {} AND action = 'retire'", tag) == 1
    # Undone as the pages say: another status, no confirmation needed.
    back = admin.post(f"/a/{tag}/status", data={
        "status": "in_service", "version": asset_doc(admin, tag)["version"]},
        follow_redirects=False)
    assert back.status_code == 303 and asset_doc(admin, tag)["status"] == "in_service"


def test_bad_status_is_refused_with_a_message(admin, make):
    tag = make.asset()["tag"]
    response = admin.post(f"/a/{tag}/status", data={"status": "exploded"})
    assert response.status_code == 400
    assert "Choose one of the proposed values." in response.text
    assert asset_doc(admin, tag)["status"] == "in_service"


def test_room_options_fragment_for_htmx(admin, make):
    nursery = make.site()
    make.room(nursery, name="Section 1")
    make.room(name="Salle ailleurs")
    response = admin.get(f"/assets/room-options?site={nursery['code']}")
    assert response.status_code == 200
    assert "<option" in response.text and "Section 1" in response.text
    assert "Salle ailleurs" not in response.text
    assert "<html" not in response.text


def test_free_text_is_rendered_inert(admin, make):
    tag = make.asset()["tag"]
    payload = '<script>alert("x")</script>" onmouseover="alert(1)'
    admin.post(f"/a/{tag}/edit", data=edit_form(admin, tag, notes=payload, holder=payload))
    for path in (f"/a/{tag}", f"/a/{tag}/edit", "/assets?q=script"):
        html = admin.get(path).text
        assert "<script>alert" not in html
        assert '" onmouseover="alert(1)' not in html


# The scan box: a tag's number opens its device when one tag has it


def test_scan_box_opens_the_one_tag_with_the_typed_number(admin, make):
    from tests.helpers import execute

    school, other_school = make.site(), make.site()
    category = make.category()
    first, second = make.assets(2, site=school, category=category)
    number = int(second["tag"].split("-")[1])
    # Tags from another numbering (an import's, say), sharing the first one's number.
    shared = int(first["tag"].split("-")[1])
    foreign = f"ECO-{shared:03d}"
    execute("UPDATE asset SET tag = {} WHERE tag = {}", foreign,
            make.asset(site=school, category=category)["tag"])

    def opens(typed):
        answer = admin.get("/scan", params={"tag": typed}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return answer.headers["location"]

    for typed in (str(number), f"{number:06d}", f"BRN-{number}", f"brn {number}",
                  second["tag"]):
        assert opens(typed) == f"/a/{second['tag']}", typed
    # Two tags have that number: the search lists both instead of guessing.
    assert opens(str(shared)) == f"/assets?q={shared}"
    assert opens(f"ECO-{shared}") == f"/a/{foreign}"
    assert opens(f"BRN-{shared}") == f"/a/{first['tag']}"
    assert opens("987654") == "/assets?q=987654"  # no such number: the search says so
    assert opens("BRN-987654") == "/a/BRN-987654"  # a tag's shape: its page says it is unknown

    # A director's number finds only their school's devices.
    elsewhere = make.asset(site=other_school, category=category)["tag"]
    make.sign_in(admin, "director", sites=[school])
    far = int(elsewhere.split("-")[1])
    assert opens(str(far)) == f"/assets?q={far}"
    assert opens(str(number)) == f"/a/{second['tag']}"


def test_asset_list_filters_fold_behind_one_button(admin, make):
    school = make.site()
    make.asset(site=school)
    html = admin.get("/assets").text
    fold = html[html.index('<details class="filters-fold"'):html.index("</details>")]
    assert "<summary" in fold and ">Filters</summary>" in fold
    for name in ("site", "room", "category", "status", "eol", "warranty"):
        assert f'id="f-{name}"' in fold, name
    assert 'id="f-q"' not in fold  # the search box stays in sight
    chosen = admin.get("/assets", params={"site": school["code"], "status": "active"}).text
    assert "Filters (2 chosen)" in chosen


def test_device_form_groups_fields_and_narrows_models_to_the_category(admin, make):
    boards, laptops = make.category(name="Tableau"), make.category(name="Portable")
    board_model = make.model(boards, name="Tableau Modèle A")
    laptop_model = make.model(laptops, name="Portable Modèle B")
    make.site()
    form = admin.get("/assets/new").text
    # Fieldsets: place, identity, purchase, network.
    legends = re.findall(r"<legend>(.*?)</legend>", form)
    assert legends[:4] == ["Location and status", "Identity", "Purchase and warranty",
                           "Network (switches, access points, routers, NAS)"]
    # Without JavaScript: every model, grouped by its category.
    assert f'<optgroup label="{boards["name"]}">' in form
    assert f'<optgroup label="{laptops["name"]}">' in form
    assert 'hx-get="/assets/model-options"' in form
    # htmx: the chosen category's models only.
    narrowed = admin.get("/assets/model-options", params={"category": boards["code"].lower()})
    assert narrowed.status_code == 200 and "<html" not in narrowed.text
    assert f'value="{board_model["id"]}"' in narrowed.text
    assert f'value="{laptop_model["id"]}"' not in narrowed.text and "optgroup" not in narrowed.text
    assert "Unknown or not listed" in narrowed.text
    every = admin.get("/assets/model-options", params={"category": "NOPE"}).text
    assert f'value="{board_model["id"]}"' in every and f'value="{laptop_model["id"]}"' in every
    # The server refuses a model of another category whatever the form offered.
    site = make.site()
    refused = admin.post("/assets/new", data=_new_asset(site, boards, model=laptop_model["id"]))
    assert refused.status_code == 400
    assert field_error(refused.text, "model") == "This model belongs to another category."
    # The form shown again offers the chosen category's models only.
    again = _model_select(refused.text)
    assert f'value="{board_model["id"]}"' in again
    assert f'value="{laptop_model["id"]}"' not in again and "optgroup" not in again
    # So does a new device's form for a category, and a device's edit form.
    chosen = _model_select(admin.get("/assets/new", params={"category": laptops["code"]}).text)
    assert f'value="{laptop_model["id"]}"' in chosen
    assert f'value="{board_model["id"]}"' not in chosen
    board = make.asset(site, boards, model=board_model["id"])
    edit = _model_select(admin.get(f"/a/{board['tag']}/edit").text)
    assert re.search(rf'<option value="{board_model["id"]}"\s+selected>', edit)
    assert f'value="{laptop_model["id"]}"' not in edit and "optgroup" not in edit


def _model_select(page: str) -> str:
    return page.split('id="f-model"', 1)[1].split("</select>", 1)[0]
