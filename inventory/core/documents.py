"""Typed documents: what the JSON API reads and answers, declared once per feature as msgspec
Structs (`<feature>/documents.py`). Litestar checks each request body against its input type,
writes both kinds into the OpenAPI description and encodes the answers, so the description
cannot drift from the server. Pure: no database, no HTTP."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

import msgspec

UNSET = msgspec.UNSET
Unset = msgspec.UnsetType  # a field the client did not send (a partial update keeps it)

D = TypeVar("D", bound="Document")


class Document(msgspec.Struct, kw_only=True):
    """An answer. Built from a service's row by `from_row`, which reads the fields the type
    declares (and the renames given), so a field is listed once: in the type."""

    @classmethod
    def from_row(cls: type[D], row: Mapping[str, Any], **renamed: Any) -> D:
        # Not strict: SQLite gives dates as text; the type turns them into dates.
        return msgspec.convert({**row, **renamed}, cls, strict=False)


class Input(msgspec.Struct, kw_only=True):
    """A request body. Fields left out are UNSET; `fields()` gives the ones sent, as the
    mapping the services read (the same services the pages call with their form values)."""

    def fields(self) -> dict[str, Any]:
        return {name: value.value if isinstance(value, StrEnum) else value
                for name in self.__struct_fields__
                if (value := getattr(self, name)) is not UNSET}


class Versioned(Input, kw_only=True):
    version: int | Unset = UNSET  # the version read; a stale one gets 409


def choice(name: str, values: Iterable[str]) -> Any:
    """The enumeration of a rule's codes, named (the OpenAPI description and a generated
    client call it `name`). Its members are text equal to the codes."""
    return StrEnum(name, {value: value for value in values})  # type: ignore[misc]
