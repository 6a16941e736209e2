"""The contract and order pickers of the asset forms: only the contracts and orders the person
sees, an order bringing its contract, errors next to the field; the asset page links to
both. Both engines."""

import re

from tests.helpers import asset_doc, edit_form, field_error


def _options(html: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return {value: text.strip() for value, text in re.findall(
        r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)) if value}


def _setting(make):
    ville = make.organisation(code="VILLE")
    agglo = make.organisation(code="AGGLO")
    site = make.site(owner=ville)
    category = make.category()
    mine = make.contract(owner=ville, reference="GC-VILLE", title="Tablettes des élus",
                         warranty_months=24)
    order = make.purchase(mine, reference="BC-VILLE-1")
    theirs = make.contract(owner=agglo, reference="MARCHE-AGGLO")
    their_order = make.purchase(theirs, reference="BC-AGGLO-1")
    return site, category, mine, order, theirs, their_order


def test_pickers_offer_what_the_person_sees(empty_client, make):
    client = empty_client
    site, category, mine, order, theirs, their_order = _setting(make)
    make.sign_in(client, make.account("administrator", member_of=["VILLE"]))
    page = client.get("/assets/new").text
    assert _options(page, "contract") == {str(mine["id"]): "GC-VILLE · Tablettes des élus"}
    assert _options(page, "purchase") == {str(order["id"]): "BC-VILLE-1 (GC-VILLE)"}
    # Another organisation's contract or order, posted anyway: refused next to the field.
    form = {"category": category["code"], "site": site["code"], "status": "in_service"}
    refused = client.post("/assets/new", data={**form, "contract": str(theirs["id"])})
    assert refused.status_code == 400
    assert field_error(refused.text, "contract") == "Choose one of the proposed values."
    refused = client.post("/assets/new", data={**form, "purchase": str(their_order["id"])})
    assert field_error(refused.text, "purchase") == "Choose one of the proposed values."
    # An order alone brings its contract, and the contract's warranty terms.
    made = client.post("/assets/new", data={**form, "purchase": str(order["id"]),
                                            "purchase_date": "2026-05-04"},
                       follow_redirects=False)
    assert made.status_code == 303, made.text
    tag = made.headers["location"].removeprefix("/a/")
    doc = asset_doc(client, tag)
    assert (doc["contract"], doc["purchase"]) == (mine["id"], order["id"])
    assert doc["warranty_end"] == "2028-05-04"
    shown = client.get(f"/a/{tag}").text
    assert f'<a href="/contracts/{mine["id"]}">GC-VILLE</a>' in shown
    assert f'<a href="/contracts/{mine["id"]}#purchase-{order["id"]}">BC-VILLE-1</a>' in shown
    assert f'id="purchase-{order["id"]}"' in client.get(f"/contracts/{mine['id']}").text
    edit = client.get(f"/a/{tag}/edit").text
    assert re.search(rf'<option value="{order["id"]}" selected>', edit)


def test_a_link_the_editor_does_not_see_is_kept(empty_client, make):
    client = empty_client
    site, category, _mine, _order, theirs, their_order = _setting(make)
    device = make.asset(site=site, category=category, purchase=their_order["id"])
    assert asset_doc(client, device["tag"])["contract"] == theirs["id"]
    make.sign_in(client, make.account("administrator", member_of=["VILLE"]))
    edit = client.get(f"/a/{device['tag']}/edit").text
    assert str(theirs["id"]) in _options(edit, "contract")  # shown by number only
    assert "MARCHE-AGGLO" not in edit and "MARCHE-AGGLO" not in client.get(
        f"/a/{device['tag']}").text
    # The form sends the selects as they stand: the kept contract and order.
    form = edit_form(client, device["tag"], serial="SN-42", contract=theirs["id"],
                     purchase=their_order["id"])
    saved = client.post(f"/a/{device['tag']}/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    doc = asset_doc(client, device["tag"])
    assert (doc["serial"], doc["contract"], doc["purchase"]) == (
        "SN-42", theirs["id"], their_order["id"])
