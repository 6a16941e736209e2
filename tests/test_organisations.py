"""Organisations as the migrations and services make them: the installation's first one
owns what is made without naming another, on both engines."""

import pytest

from inventory.accounts.scope import EVERYTHING
from inventory.assets import service as assets
from inventory.core.errors import ValidationFailed
from inventory.core.tables import Organisation
from inventory.organisations import rules
from inventory.organisations import service as organisations


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
