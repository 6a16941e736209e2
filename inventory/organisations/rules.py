"""Pure rules for organisations: kinds, codes, SIREN numbers."""

from __future__ import annotations

import re

from inventory.core.i18n import _, lazy_gettext

KINDS = {
    "commune": lazy_gettext("Commune"),
    "epci": lazy_gettext("Agglomeration or community of communes (EPCI)"),
    "departement": lazy_gettext("Département"),
    "region": lazy_gettext("Région"),
    "syndicat": lazy_gettext("Syndicate (syndicat)"),
    "other": lazy_gettext("Other"),
}
# The organisation the migrations make from the set-up (m0025_organisations_fill).
FIRST_CODE = "ORG"

_SIREN_SHAPE = re.compile(r"^\d{9}$")
# What may start a tag (assets.rules' tag shape): a letter, then letters or digits.
_PREFIX_SHAPE = re.compile(r"^[A-Z][A-Z0-9]{0,15}$")


def normalise_siren(value: str) -> str:
    return "".join(value.split())


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum INSEE uses for SIREN numbers (every second digit from the right
    doubled)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def siren_problem(value: str) -> str | None:
    """None when `value` is a valid SIREN number, otherwise what is wrong with it."""
    siren = normalise_siren(value)
    if not _SIREN_SHAPE.match(siren):
        return _("A SIREN number is 9 digits, such as 217 500 016.")
    if not luhn_valid(siren):
        return _("This SIREN number is mistyped: its check digit does not match.")
    return None


def prefix_problem(prefix: str) -> str | None:
    """None when `prefix` (upper case) can start the organisation's tags (VIL-000123)."""
    if not _PREFIX_SHAPE.match(prefix):
        return _("Use letters and digits without accents, starting with a letter, such as "
                 "VIL.")
    return None
