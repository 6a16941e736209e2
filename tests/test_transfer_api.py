"""Giving a site or a device to another organisation through the JSON API: only an
administrator working for both, with the version read, recorded in the history; both
engines. (The route x role x organisation matrix is tests/test_permissions.py.)"""

from tests.helpers import count, query


def _setting(make):
    ville = make.organisation(code="VILLE")
    agglo = make.organisation(code="AGGLO")
    site = make.site(owner=ville)
    return site, make.asset(site=site), make.asset(site=make.site(owner=agglo))


def test_an_administrator_of_both_transfers_a_device_and_a_site(empty_client, make):
    client = empty_client
    site, device, _theirs = _setting(make)
    make.sign_in(client, make.account("administrator", member_of=["VILLE", "AGGLO"]))
    path = f"/api/v1/assets/{device['tag']}/transfer"
    assert client.post(path, json={"owner": "AGGLO"}).status_code == 400  # no version
    stale = client.post(path, json={"owner": "AGGLO", "version": device["version"] + 5})
    assert stale.status_code == 409 and stale.json()["current"]["organisation"] == "VILLE"
    moved = client.post(path, json={"owner": "agglo", "version": device["version"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["organisation"] == "AGGLO"
    assert moved.json()["site"] == site["code"]  # it stays where it is
    history = client.get(f"/api/v1/assets/{device['tag']}/history").json()["items"]
    assert history[0]["action"] == "transfer"
    assert history[0]["changes"]["owner"] == ["VILLE", "AGGLO"]
    # The site, with its organisation's devices there.
    other = make.asset(site=site)
    version = client.get(f"/api/v1/sites/{site['code']}").json()["version"]
    given = client.post(f"/api/v1/sites/{site['code']}/transfer",
                        json={"owner": "AGGLO", "version": version})
    assert given.status_code == 200, given.text
    assert given.json()["owner"] == "AGGLO"
    assert client.get(f"/api/v1/assets/{other['tag']}").json()["organisation"] == "AGGLO"
    assert count("audit_record", "entity = 'site' AND action = 'transfer'") == 1


def test_only_an_administrator_of_both_may(empty_client, make):
    client = empty_client
    site, device, theirs = _setting(make)
    body = {"owner": "AGGLO", "version": device["version"]}
    make.sign_in(client, make.account("technician", member_of=["VILLE", "AGGLO"]))
    assert client.post(f"/api/v1/assets/{device['tag']}/transfer", json=body
                       ).status_code == 403
    make.sign_in(client, make.account("administrator", member_of=["VILLE"]))
    refused = client.post(f"/api/v1/assets/{device['tag']}/transfer", json=body)
    assert refused.status_code == 400 and "owner" in refused.json()["fields"], refused.text
    assert client.post(f"/api/v1/assets/{theirs['tag']}/transfer",
                       json={"owner": "VILLE", "version": 1}).status_code == 404
    assert client.post(f"/api/v1/sites/{site['code']}/transfer",
                       json={"owner": "AGGLO", "version": 1}).status_code == 400
    assert query("SELECT owner FROM site WHERE id = {}", site["id"])[0]["owner"] == site["owner"]
    assert count("audit_record", "action = 'transfer'") == 0


def test_the_transfers_are_described_in_the_openapi(empty_client):
    paths = empty_client.get("/schema/openapi.json").json()["paths"]
    for path in ("/api/v1/assets/{tag}/transfer", "/api/v1/sites/{code}/transfer"):
        operation = paths[path]["post"]
        assert "409" in operation["responses"] and "requestBody" in operation, path
