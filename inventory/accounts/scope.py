"""Which sites and organisations a person may see: all, or only those of their account.

A site-limited scope is what every site-scoped query filters on; `organisation_ids` is for
the records that belong to organisations rather than to sites (contracts, people, loans)."""

from __future__ import annotations

from dataclasses import dataclass


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
