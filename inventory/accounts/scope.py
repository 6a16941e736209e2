"""Which sites and organisations a person may see: all, or only those of their account.

A site-limited scope is what every site-scoped query filters on; `organisation_ids` is for
the records that belong to organisations rather than to sites (contracts, people, loans)."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.accounts import permissions


@dataclass(frozen=True)
class Scope:
    site_ids: frozenset[int] | None = None  # None: every site
    organisation_ids: frozenset[int] | None = None  # None: every organisation

    @property
    def limited(self) -> bool:
        return self.site_ids is not None

    def allows(self, site_id: int | None) -> bool:
        return self.site_ids is None or site_id in self.site_ids

    def sql(self, column: str) -> tuple[str, list[int]]:
        """A WHERE fragment limiting `column` to the scope, with its arguments ({} style)."""
        if self.site_ids is None:
            return "1 = 1", []
        if not self.site_ids:
            return "1 = 0", []
        return _in(column, self.site_ids)

    def allows_organisation(self, organisation_id: int | None) -> bool:
        return self.organisation_ids is None or organisation_id in self.organisation_ids

    def organisation_sql(self, column: str) -> tuple[str, list[int]]:
        """A WHERE fragment limiting `column` (an organisation id) to the scope."""
        if self.organisation_ids is None:
            return "1 = 1", []
        if not self.organisation_ids:
            return "1 = 0", []
        return _in(column, self.organisation_ids)


def _in(column: str, ids: frozenset[int]) -> tuple[str, list[int]]:
    ordered = sorted(ids)
    return f"{column} IN ({', '.join('{}' for _ in ordered)})", ordered


EVERYTHING = Scope()

def organisation_limit(role: str, memberships: list[tuple[int, bool]]
                       ) -> frozenset[int] | None:
    """The organisations an account is limited to, from every organisation (id, whether
    the account works for it) in the order they were made: None when it is not limited.

    An installation administrator is an administrator working for the installation's first
    organisation: they see everything. Anyone working for every organisation there is
    (everyone, in an installation of one organisation) is not limited either, so such an
    installation behaves as before organisations existed. Everyone else (an organisation's
    administrator included) sees only their organisations."""
    if not memberships:
        return None
    if role == permissions.ADMINISTRATOR and memberships[0][1]:
        return None
    if all(member for _id, member in memberships):
        return None
    return frozenset(org for org, member in memberships if member)


def account_scope(site_bound: bool, own_site_ids: frozenset[int],
                  organisation_ids: frozenset[int] | None,
                  organisation_site_ids: frozenset[int] | None) -> Scope:
    """What an account sees: a site-bound account (a director) its own sites, everyone
    else every site; both narrowed to the sites of the account's organisations."""
    if organisation_ids is None or organisation_site_ids is None:
        return Scope(own_site_ids) if site_bound else EVERYTHING
    sites = own_site_ids & organisation_site_ids if site_bound else organisation_site_ids
    return Scope(frozenset(sites), frozenset(organisation_ids))
