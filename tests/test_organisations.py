"""Organisations as the migrations and services make them: the installation's first one
owns what is made without naming another, on both engines."""

import pytest

from inventory.accounts.scope import EVERYTHING
from inventory.assets import service as assets
from inventory.core.errors import ValidationFailed
from inventory.core.tables import Organisation
from inventory.organisations import rules
from inventory.organisations import service as organisations
from tests.helpers import query


def test_a_fresh_installation_has_its_first_organisation(run, empty_url):
    rows = run(Organisation.select(Organisation.code, Organisation.kind).run())
    assert rows == [{"code": rules.FIRST_CODE, "kind": "commune"}]


def test_sites_devices_and_accounts_belong_to_the_first_organisation_by_default(run, make, empty_url):
    first = run(organisations.first_organisation_id())
    site = make.site()
    asset = make.asset(site=site)
    account = make.account("technician")
    assert site["owner"] == first
    assert run(assets.get_asset(asset["tag"], EVERYTHING))["owner"] == first
    assert run(organisations.user_organisation_ids(account["id"])) == [first]


def test_a_device_belongs_to_its_sites_organisation(run, make, empty_url):
    agglo = make.organisation(code="AGGLO")
    site = make.site(owner=agglo)
    asset = make.asset(site=site)
    account = make.account("technician", member_of=[agglo, rules.FIRST_CODE])
    assert site["owner"] == agglo["id"]
    assert run(assets.get_asset(asset["tag"], EVERYTHING))["owner"] == agglo["id"]
    first = run(organisations.first_organisation_id())
    assert run(organisations.user_organisation_ids(account["id"])) == sorted([agglo["id"], first])


def test_codes_and_sirens_are_unique(run, make, empty_url):
    make.organisation(code="DEP-TEST", siren="200046977")
    with pytest.raises(ValidationFailed) as failed:
        run(organisations.create_organisation(
            {"code": "dep-test", "name": "Autre", "siren": "200 046 977"}, "test"))
    assert set(failed.value.errors) == {"code", "siren"}


# Scoping, transfers, pages and API (HTTP, both engines)

def _two_organisations(make):
    ville, agglo = make.organisation(code="VILLE", name="Ville d'Essai"), \
        make.organisation(code="AGGLO", name="Agglomération d'Essai")
    site_v, site_a = make.site(owner=ville), make.site(owner=agglo)
    return ville, agglo, site_v, site_a, make.asset(site=site_v), make.asset(site=site_a)


def test_an_account_sees_only_its_organisations_sites(empty_client, make):
    client = empty_client
    _ville, _agglo, site_v, site_a, asset_v, asset_a = _two_organisations(make)
    make.sign_in(client, make.account("technician", member_of=["VILLE"]))
    page = client.get("/sites").text
    assert site_v["name"] in page and site_a["name"] not in page
    tags = [a["tag"] for a in client.get("/api/v1/assets?limit=100").json()["items"]]
    assert tags == [asset_v["tag"]]
    assert client.get(f"/a/{asset_a['tag']}").status_code == 404
    assert [o["code"] for o in client.get("/api/v1/organisations").json()["items"]] == ["VILLE"]
    export = client.get("/exports/assets").text
    assert asset_v["tag"] in export and asset_a["tag"] not in export
    make.sign_in(client, make.account("technician", member_of=["VILLE", "AGGLO"]))
    tags = {a["tag"] for a in client.get("/api/v1/assets?limit=100").json()["items"]}
    assert tags == {asset_v["tag"], asset_a["tag"]}
    document = client.get(f"/api/v1/assets/{asset_a['tag']}").json()
    assert document["organisation"] == "AGGLO"


def test_a_director_still_sees_only_their_school(empty_client, make):
    client = empty_client
    _ville, _agglo, site_v, _site_a, asset_v, _asset_a = _two_organisations(make)
    other = make.site(owner="VILLE")
    other_asset = make.asset(site=other)
    make.sign_in(client, make.account("director", sites=[site_v], member_of=["VILLE"]))
    assert client.get(f"/a/{asset_v['tag']}").status_code == 200
    assert client.get(f"/a/{other_asset['tag']}").status_code == 404


def test_moving_a_site_to_another_organisation_takes_its_devices_and_is_recorded(
        empty_client, make):
    client = empty_client
    _ville, agglo, site_v, _site_a, asset_v, _asset_a = _two_organisations(make)
    make.sign_in(client, make.account("administrator", member_of=["VILLE"]))
    # An administrator of one organisation may not give a site to the other.
    response = client.post(f"/sites/{site_v['code']}/transfer",
                           data={"owner": "AGGLO", "version": "1"}, follow_redirects=False)
    # The site's page again, the message under the organisation it chose.
    assert response.status_code == 400 and "<details open>" in response.text
    assert ('<small class="field-error">Choose one of the proposed values.</small>'
            in response.text)
    make.sign_in(client, make.account("administrator", member_of=["VILLE", "AGGLO"]))
    page = client.get(f"/sites/{site_v['code']}").text
    assert "Give this site to another organisation" in page
    response = client.post(f"/sites/{site_v['code']}/transfer",
                           data={"owner": "AGGLO", "version": "1"}, follow_redirects=False)
    assert response.status_code == 303
    assert query("SELECT owner FROM site WHERE id = {}", site_v["id"])[0]["owner"] == agglo["id"]
    assert client.get(f"/api/v1/assets/{asset_v['tag']}").json()["organisation"] == "AGGLO"
    # Written by the assets' one owner writer: a new version and the time of the change.
    device = query("SELECT version, created_at, updated_at FROM asset WHERE id = {}",
                   asset_v["id"])[0]
    assert device["version"] == 2 and device["updated_at"] > device["created_at"]
    records = query("SELECT entity, action FROM audit_record WHERE action = 'transfer' "
                    "ORDER BY id")
    assert records == [{"entity": "site", "action": "transfer"},
                       {"entity": "asset", "action": "transfer"}]
    # A device given back on its own.
    response = client.post(f"/a/{asset_v['tag']}/transfer",
                           data={"owner": "VILLE", "version": "2"}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get(f"/api/v1/assets/{asset_v['tag']}").json()["organisation"] == "VILLE"
    stale = client.post(f"/a/{asset_v['tag']}/transfer",
                        data={"owner": "AGGLO", "version": "2"}, follow_redirects=False)
    # The form's version is the one before the give-back: its page as it is now, saying so.
    assert stale.status_code == 409 and "<details open>" in stale.text
    assert "Someone else changed this asset in the meantime" in stale.text
    stale_site = client.post(f"/sites/{site_v['code']}/transfer",
                             data={"owner": "VILLE", "version": "1"}, follow_redirects=False)
    assert stale_site.status_code == 409
    assert "Someone else changed this site in the meantime" in stale_site.text
    assert query("SELECT owner FROM site WHERE id = {}", site_v["id"])[0]["owner"] == agglo["id"]
    assert client.get(f"/api/v1/assets/{asset_v['tag']}").json()["organisation"] == "VILLE"


def test_the_organisations_api(empty_client, make):
    client = empty_client
    make.sign_in(client, make.account("administrator"))
    created = client.post("/api/v1/organisations", json={
        "code": "dep", "name": "Département d'Essai", "kind": "departement",
        "siren": "200 046 977"})
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "DEP" and created.json()["siren"] == "200046977"
    bad = client.post("/api/v1/organisations", json={"code": "REG", "name": "Région",
                                                     "siren": "200046978"})
    assert bad.status_code == 400 and "siren" in bad.text
    listed = client.get("/api/v1/organisations?limit=1").json()
    assert len(listed["items"]) == 1 and listed["next_cursor"]
    rest = client.get(f"/api/v1/organisations?limit=5&cursor={listed['next_cursor']}").json()
    assert [o["code"] for o in listed["items"] + rest["items"]] == ["DEP", "ORG"]
    changed = client.patch("/api/v1/organisations/DEP", json={"label_owner": "CD Essai",
                                                              "version": 1})
    assert changed.status_code == 200 and changed.json()["label_owner"] == "CD Essai"
    assert client.patch("/api/v1/organisations/DEP", json={"name": "X", "version": 1}
                        ).status_code == 409
    assert client.get("/api/v1/organisations/NOPE").status_code == 404
    assert "/api/v1/organisations" in client.get("/schema/openapi.json").json()["paths"]


def test_organisation_pages_and_the_account_form(empty_client, make):
    client = empty_client
    make.sign_in(client, make.account("administrator"))
    # One organisation: no choice anywhere.
    assert 'name="owner"' not in client.get("/sites/new").text
    assert 'name="organisations"' not in client.get("/admin/users/new").text
    response = client.post("/admin/organisations/new", data={
        "code": "AGGLO", "name": "Agglomération d'Essai", "kind": "epci", "siren": "123"},
        follow_redirects=False)
    assert response.status_code == 400 and "SIREN" in response.text
    response = client.post("/admin/organisations/new", data={
        "code": "AGGLO", "name": "Agglomération d'Essai", "kind": "epci"},
        follow_redirects=False)
    assert response.status_code == 303
    assert "Agglomération d&#39;Essai" in client.get("/admin/organisations").text
    assert 'name="owner"' in client.get("/sites/new").text
    assert 'name="organisations"' in client.get("/admin/users/new").text
    response = client.post("/admin/users/new", data={
        "email": "tech@agglo.example", "role": "technician", "password": "Zq8!vLm#2pXw",
        "organisations_given": "1", "organisations": ["AGGLO", "ORG"]},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    user = query("SELECT id FROM app_user WHERE email = 'tech@agglo.example'")[0]
    assert len(run_ids(user["id"])) == 2
    response = client.post("/admin/users/new", data={
        "email": "none@agglo.example", "role": "technician", "password": "Zq8!vLm#2pXw",
        "organisations_given": "1"}, follow_redirects=False)
    assert response.status_code == 400


def run_ids(user_id):
    return query("SELECT organisation FROM user_organisation WHERE \"user\" = {}", user_id)


def test_createuser_takes_organisations(empty_url, make, tmp_path, monkeypatch, capsys):
    import io
    import sys

    from inventory import cli

    make.organisation(code="AGGLO")
    monkeypatch.setenv("INVENTORY_DATABASE_URL", empty_url)
    monkeypatch.setenv("INVENTORY_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "stdin", io.StringIO("Zq8!vLm#2pXw\n"))
    code = cli.main(["createuser", "tech@cli.example", "--role", "technician",
                     "--organisation", "AGGLO", "--organisation", "ORG", "--password-stdin"])
    assert code == 0
    user = query("SELECT id FROM app_user WHERE email = 'tech@cli.example'")[0]
    assert len(run_ids(user["id"])) == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO("Zq8!vLm#2pXw\n"))
    assert cli.main(["createuser", "x@cli.example", "--role", "technician",
                     "--organisation", "NOPE", "--password-stdin"]) == 1


def test_labels_print_the_owning_organisations_line(run, make, empty_url):
    from inventory.labels import service as labels

    site = make.site()
    mine = make.asset(site=site)
    options = labels.LabelOptions(format_name="avery-l7160", owner_line="Commune d'Essai")
    f = assets.AssetFilter()
    # One organisation: the set-up's line, as before.
    [content] = run(labels.asset_contents(f, EVERYTHING, options, base_url="https://i.example",
                                          tags=(mine["tag"],)))
    assert "Commune d'Essai" in content.lines
    agglo = make.organisation(code="AGGLO", name="Agglomération d'Essai",
                              label_owner="Agglo d'Essai - DSI")
    theirs = make.asset(site=make.site(owner=agglo))
    contents = run(labels.asset_contents(f, EVERYTHING, options, base_url="https://i.example",
                                         tags=(mine["tag"], theirs["tag"])))
    first = run(organisations.get_organisation(rules.FIRST_CODE))
    assert first["name"] in contents[0].lines
    assert "Agglo d'Essai - DSI" in contents[1].lines


def test_the_set_up_names_the_only_organisation(run, make, empty_url):
    from tests.factories import TAG_PREFIX

    make.installation(label_owner="Mairie de Vallombreuse")
    first = run(organisations.get_organisation(rules.FIRST_CODE))
    # The rig's environment fixes the tag prefix: the organisation takes it too.
    assert (first["name"], first["tag_prefix"]) == ("Mairie de Vallombreuse", TAG_PREFIX)
    make.organisation(code="AGGLO")
    make.installation(label_owner="Autre nom")
    first = run(organisations.get_organisation(rules.FIRST_CODE))
    assert first["name"] == "Mairie de Vallombreuse"  # several: each one names itself


def test_the_migration_moves_the_demo_into_the_first_organisation_without_loss(demo_url, run):
    """On a copy of the demo: the data-moving migration taken back (owners and memberships
    gone, as before organisations existed) and forward again."""
    # On the demo: a filled installation of every record kind the migration must not lose.
    from inventory.core.piccolo_migrations import m0025_organisations_fill as fill

    def snapshot():
        return {
            "sites": query("SELECT code, name, organisation FROM site ORDER BY code"),
            "assets": query("SELECT tag, site, room, status, version FROM asset ORDER BY tag"),
            "users": query("SELECT email, role FROM app_user ORDER BY email"),
            "audit": query("SELECT COUNT(*) AS n FROM audit_record")[0]["n"],
        }

    before = snapshot()
    # Named as the set-up names the installation.
    name = query("SELECT value FROM app_setting WHERE key = 'organisation_name'")[0]["value"]
    assert len(before["assets"]) > 100

    async def back_and_forth():
        manager = await fill.forwards()
        await manager.run(backwards=True)
        assert query("SELECT COUNT(*) AS n FROM organisation")[0]["n"] == 0
        assert query("SELECT COUNT(*) AS n FROM asset WHERE owner IS NOT NULL")[0]["n"] == 0
        manager = await fill.forwards()
        await manager.run()

    run(back_and_forth())
    assert snapshot() == before
    [first] = query("SELECT id, code, name FROM organisation")
    assert (first["code"], first["name"]) == (rules.FIRST_CODE, name)
    assert query("SELECT COUNT(*) AS n FROM site WHERE owner IS NULL OR owner != {}",
                 first["id"])[0]["n"] == 0
    assert query("SELECT COUNT(*) AS n FROM asset WHERE owner IS NULL OR owner != {}",
                 first["id"])[0]["n"] == 0
    members = query("SELECT COUNT(*) AS n FROM user_organisation WHERE organisation = {}",
                    first["id"])[0]["n"]
    assert members == len(before["users"])
