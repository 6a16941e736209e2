"""SIREN numbers and organisation fields, without a database."""

import pytest

from inventory.core.errors import ValidationFailed
from inventory.organisations import rules
from inventory.organisations.service import clean_organisation

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize("siren", ["217500016", "217 500 016", "200046977"])
def test_valid_sirens(siren):
    assert rules.siren_problem(siren) is None


@pytest.mark.parametrize("siren, words", [("217500017", "check digit"),
                                          ("21750001", "9 digits"),
                                          ("21750001A", "9 digits")])
def test_bad_sirens_say_why(siren, words):
    assert words in rules.siren_problem(siren)


def test_clean_organisation_normalises_and_collects_every_problem():
    values = clean_organisation({"code": "agglo-test", "name": "Agglo d'essai",
                                 "kind": "epci", "siren": "200 046 977", "tag_prefix": "agt"})
    assert values["code"] == "AGGLO-TEST"
    assert values["siren"] == "200046977"
    assert values["tag_prefix"] == "AGT"
    with pytest.raises(ValidationFailed) as failed:
        clean_organisation({"code": "", "name": "", "kind": "planet", "siren": "123"})
    assert set(failed.value.errors) == {"code", "name", "kind", "siren"}


@pytest.mark.parametrize("prefix, problem", [("VIL", False), ("AGGLO25", False),
                                             ("V-1", True), ("1VIL", True), ("É", True)])
def test_a_tag_prefix_can_start_a_tag(prefix, problem):
    assert (rules.prefix_problem(prefix) is not None) == problem
    if problem:
        with pytest.raises(ValidationFailed) as failed:
            clean_organisation({"code": "X", "name": "X", "tag_prefix": prefix})
        assert set(failed.value.errors) == {"tag_prefix"}
