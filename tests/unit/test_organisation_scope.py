"""Who sees what, from the organisations an account works for (accounts/scope.py, pure)."""

from inventory.accounts.scope import EVERYTHING, Scope, account_scope, organisation_limit

ORGS = [1, 2, 3]  # 1: the installation's first


def memberships(*mine):
    return [(org, org in mine) for org in ORGS]


def test_installation_administrators_and_accounts_of_every_organisation_are_not_limited():
    assert organisation_limit("administrator", memberships(1)) is None
    assert organisation_limit("technician", memberships(1, 2, 3)) is None
    assert organisation_limit("technician", [(1, True)]) is None  # one organisation


def test_everyone_else_is_limited_to_their_organisations():
    assert organisation_limit("administrator", memberships(2)) == frozenset({2})
    assert organisation_limit("technician", memberships(2, 3)) == frozenset({2, 3})
    assert organisation_limit("technician", memberships(1)) == frozenset({1})
    assert organisation_limit("viewer", memberships()) == frozenset()


def test_the_scope_is_the_sites_of_the_organisations_and_a_directors_own_among_them():
    assert account_scope(False, frozenset(), None, None) is EVERYTHING
    assert account_scope(True, frozenset({7}), None, None) == Scope(frozenset({7}))
    scope = account_scope(False, frozenset(), frozenset({2}), frozenset({10, 11}))
    assert scope.site_ids == {10, 11} and scope.organisation_ids == {2}
    assert scope.allows(10) and not scope.allows(12) and not scope.allows_organisation(3)
    director = account_scope(True, frozenset({10, 12}), frozenset({2}), frozenset({10, 11}))
    assert director.site_ids == {10}
