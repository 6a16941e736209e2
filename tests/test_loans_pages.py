"""Loans through the pages and the JSON API, on both engines: people, lending from the
device's page (with the one-device warning), the receipt, the return with a missing
charger, the emailed link opened without an account, export and erasure."""

import json

from inventory.accounts.scope import EVERYTHING
from inventory.loans import service as loans
from tests.helpers import query


def _lend(client, tag, person_id, **fields):
    return client.post(f"/a/{tag}/lend", data={"person": str(person_id), **fields},
                       follow_redirects=False)


def test_lend_from_the_device_page_return_export_and_erase(empty_client, make):
    make.organisation(code="VILLE", name="Ville d'Essai")
    make.organisation(code="REGION", name="Région d'Essai")
    tablets = make.category(code="TAB", name="Tablette")
    first, second = make.assets(2, category=tablets)
    client = empty_client
    created = client.post("/people/new", data={
        "name": "Camille Essai", "mandates": "Conseillère municipale\nConseillère régionale",
        "email": "camille@conseil.example", "organisations": ["VILLE", "REGION"]},
        follow_redirects=False)
    assert created.status_code == 303
    person_id = int(created.headers["location"].rsplit("/", 1)[1])
    assert "Camille Essai" in client.get("/people").text
    bad = client.post("/people/new", data={"name": "", "email": "pas-une-adresse"})
    assert bad.status_code == 400 and "name@example.org" in bad.text

    page = client.get(f"/a/{first['tag']}")
    assert f'href="/a/{first["tag"]}/lend"' in page.text
    assert "Lend the device" in client.get(f"/a/{first['tag']}/lend").text
    refused = _lend(client, first["tag"], person_id)
    assert refused.status_code == 400 and "for the term of office" in refused.text
    lent = _lend(client, first["tag"], person_id, for_term="1", accessories="Chargeur\nÉtui")
    assert lent.status_code == 303 and lent.headers["location"].endswith("?lent=1")
    shown = client.get(f"/a/{first['tag']}").text
    assert "Camille Essai" in shown and "not acknowledged yet" in shown

    # One device serves all the person's organisations: a second tablet warns, then confirms.
    warned = _lend(client, second["tag"], person_id, for_term="1")
    assert warned.status_code == 400 and "already holds a device of this kind" in warned.text
    assert 'name="confirm_second"' in warned.text
    assert _lend(client, second["tag"], person_id, for_term="1",
                 confirm_second="1").status_code == 303

    loan = query("SELECT id, version FROM loan WHERE asset = {}", first["id"])[0]
    pdf = client.get(f"/loans/{loan['id']}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.post(f"/loans/{loan['id']}/acknowledge",
                       follow_redirects=False).status_code == 303
    back = client.post(f"/loans/{loan['id']}/return", data={
        "version": str(loan["version"] + 1), "missing_accessories": "Chargeur",
        "return_condition": "Bon état"}, follow_redirects=False)
    assert back.status_code == 303, back.text
    held = client.get(f"/people/{person_id}").text
    assert "missing: Chargeur" in held
    assert "Overdue" not in client.get("/loans").text

    exported = client.get(f"/people/{person_id}/export")
    data = json.loads(exported.text)
    assert sorted(data["person"]["organisations"]) == ["REGION", "VILLE"]
    assert {entry["asset_tag"] for entry in data["loans"]} == {first["tag"], second["tag"]}
    still = client.post(f"/people/{person_id}/erase")
    assert still.status_code == 400 and "still holds a device" in still.text
    other = query("SELECT id, version FROM loan WHERE asset = {}", second["id"])[0]
    client.post(f"/loans/{other['id']}/return", data={"version": str(other["version"])})
    erased = client.post(f"/people/{person_id}/erase", follow_redirects=False)
    assert erased.status_code == 303
    assert query("SELECT name, email FROM person") == [{"name": "", "email": ""}]
    assert "a former holder" in client.get(f"/people/{person_id}").text


def test_the_emailed_link_is_accepted_without_an_account_once(empty_client, make, run):
    asset = make.asset()
    person = run(loans.create_person({"name": "Dominique Essai"}, "test", EVERYTHING))
    loan, token = run(loans.check_out(asset["tag"], {"person": str(person["id"]),
                                                     "due_on": "2099-06-30"},
                                      "test", EVERYTHING))
    client = empty_client
    client.cookies.delete("session")
    opened = client.get(f"/loans/acknowledge/{token}")
    assert opened.status_code == 200 and "Dominique Essai" in opened.text
    assert query("SELECT acknowledged_at FROM loan")[0]["acknowledged_at"] is None
    accepted = client.post(f"/loans/acknowledge/{token}")
    assert accepted.status_code == 200 and "recorded" in accepted.text
    assert query("SELECT acknowledged_at FROM loan")[0]["acknowledged_at"] is not None
    assert client.post(f"/loans/acknowledge/{token}").status_code == 404
    assert client.get("/loans/acknowledge/nothing").status_code == 404
    assert loan["id"]


def test_people_and_loans_through_the_api(empty_client, make):
    make.organisation(code="VILLE")
    asset = make.asset()
    client = empty_client
    created = client.post("/api/v1/people", json={
        "name": "Alix Essai", "mandates": ["Adjointe au maire"],
        "email": "alix@conseil.example", "organisations": ["VILLE"]})
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["mandates"] == ["Adjointe au maire"] and person["organisations"] == ["VILLE"]
    stale = client.patch(f"/api/v1/people/{person['id']}", json={"name": "X", "version": 99})
    assert stale.status_code == 409
    renamed = client.patch(f"/api/v1/people/{person['id']}",
                           json={"name": "Alix Essai-Test", "version": person["version"]})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Alix Essai-Test"
    bad = client.post("/api/v1/loans", json={"asset": asset["tag"], "person": person["id"]})
    assert bad.status_code == 400 and "due_on" in bad.text
    lent = client.post("/api/v1/loans", json={
        "asset": asset["tag"], "person": person["id"], "due_on": "2099-01-31",
        "accessories": ["Chargeur"]})
    assert lent.status_code == 201, lent.text
    loan = lent.json()
    assert loan["organisations"] == ["VILLE"] and loan["accessories"] == ["Chargeur"]
    assert client.get(f"/api/v1/assets/{asset['tag']}").json()["holder"] == "Alix Essai-Test"
    acknowledged = client.post(f"/api/v1/loans/{loan['id']}/acknowledge", json={})
    assert acknowledged.status_code == 200 and acknowledged.json()["acknowledged_at"]
    back = client.post(f"/api/v1/loans/{loan['id']}/return",
                       json={"missing_accessories": ["Chargeur"]})
    assert back.status_code == 200 and back.json()["missing_accessories"] == ["Chargeur"]
    listed = client.get("/api/v1/loans", params={"limit": 1}).json()
    assert [item["id"] for item in listed["items"]] == [loan["id"]]
    assert client.get("/api/v1/loans", params={"status": "open"}).json()["items"] == []
    assert [p["id"] for p in client.get("/api/v1/people").json()["items"]] == [person["id"]]
    assert client.get("/api/v1/people/999999").status_code == 404
