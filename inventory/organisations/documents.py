"""Organisations as the JSON API reads and answers them (see core/documents.py)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from inventory.core.documents import UNSET, Document, Unset, Versioned, choice
from inventory.organisations import rules

OrganisationKind = choice("OrganisationKind", rules.KINDS)


class OrganisationDocument(Document):
    """`siren` is the 9-digit SIREN number (checked), `label_owner` the line printed on its
    labels (empty: its name)."""

    code: str
    name: str
    kind: OrganisationKind
    siren: str | None
    tag_prefix: str
    label_owner: str
    version: int


class OrganisationList(msgspec.Struct, kw_only=True):
    items: list[OrganisationDocument]
    next_cursor: str | None


class OrganisationInput(Versioned, kw_only=True):
    """A creation needs `code` and `name`; an update sends what changes."""

    code: str | Unset = UNSET
    name: str | Unset = UNSET
    kind: OrganisationKind | Unset = UNSET
    siren: str | None | Unset = UNSET
    tag_prefix: str | Unset = UNSET
    label_owner: str | Unset = UNSET


class TransferInput(Versioned, kw_only=True):
    """Give a site or a device to another organisation: `owner` is that organisation's
    code, `version` the record's as you read it. Only someone working for both
    organisations (an administrator of both) may; it is recorded in the history."""

    owner: Annotated[str, msgspec.Meta(max_length=64)]
