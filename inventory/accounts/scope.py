"""Which sites a person may see: every site, or only those attached to their account."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    site_ids: frozenset[int] | None = None  # None: every site

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
        ids = sorted(self.site_ids)
        return f"{column} IN ({', '.join('{}' for _ in ids)})", ids


EVERYTHING = Scope()
