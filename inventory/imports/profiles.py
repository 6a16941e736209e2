"""Import profiles: the column and value choices of an import, named and reused.

One shape everywhere: the file `inventory import --mapping FILE` reads (TOML or JSON), the
profile saved from the import pages (kept as its JSON), and the TOML a profile downloads as:

    [columns]
    "Type d'équipement" = "category"
    [values.category]
    "PC portable" = "PC-PORT"
    "Robot" = "+create"
    [values.status]
    "En production" = "in_service"
    [values.site]
    "École J. Ferry" = "GS-FERRY"
    [values.manufacturer]
    "Hewlett-Packard" = "HP"
    [defaults]
    site = "GS-FERRY"
    create = ["sites", "rooms"]

A file holding only {"column": "field"} pairs (the older mapping files) is read as [columns].
The parsing is pure; the functions at the end keep profiles in the database.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inventory.core import audit, clock
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, NotFound
from inventory.core.i18n import _
from inventory.core.tables import ImportProfile
from inventory.imports.columns import FIELDS, MappingProblem
from inventory.imports.values import CREATABLE, VALUE_FIELDS

DEFAULT_FIELDS = ("site", "category")


@dataclass(frozen=True)
class Profile:
    columns: dict[str, str] = field(default_factory=dict)  # column name -> field ("" ignored)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> file -> ours
    defaults: dict[str, str] = field(default_factory=dict)  # "site"/"category" -> code
    create: frozenset[str] = frozenset()

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"columns": dict(self.columns)}
        data["values"] = {f: dict(self.values[f]) for f in VALUE_FIELDS if self.values.get(f)}
        data["defaults"] = dict(self.defaults)
        if self.create:
            data["create"] = sorted(self.create)
        return data


def _strings(data: Any, allow_none: bool = False) -> bool:
    return isinstance(data, dict) and all(
        isinstance(k, str) and (isinstance(x, str) or (allow_none and x is None))
        for k, x in data.items())


def profile_from_data(data: Any) -> Profile:
    """A profile from parsed TOML/JSON; raises MappingProblem saying what is wrong."""
    if not isinstance(data, dict):
        raise MappingProblem(_("The mapping file must map column names to field names."))
    sections = {"columns", "values", "defaults", "create"}
    if not (set(data) & sections):  # an older file: only columns
        data = {"columns": data}
    unknown = sorted(set(data) - sections)
    if unknown:
        raise MappingProblem(_("Unknown section “%(section)s” in the mapping file.")
                             % {"section": unknown[0]})
    columns = data.get("columns", {})
    if not _strings(columns, allow_none=True):
        raise MappingProblem(_("The mapping file must map column names to field names."))
    columns = {c: ("" if f in (None, "ignore") else f) for c, f in columns.items()}
    for name in columns.values():
        if name and name not in FIELDS:
            raise MappingProblem(_("Unknown field “%(field)s”.") % {"field": name})
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise MappingProblem(_("[values] must hold [values.category], [values.status], "
                               "[values.site] or [values.manufacturer]."))
    for name, choices in values.items():
        if name not in VALUE_FIELDS:
            raise MappingProblem(_("Values of “%(field)s” cannot be mapped; use category, "
                                   "status, site or manufacturer.") % {"field": name})
        if not _strings(choices):
            raise MappingProblem(_("[values.%(field)s] must map a file's value to one of ours.")
                                 % {"field": name})
    defaults = data.get("defaults", {})
    create = defaults.pop("create", None) if isinstance(defaults, dict) else None
    create = data.get("create", create) or []
    if not _strings(defaults) or set(defaults) - set(DEFAULT_FIELDS):
        raise MappingProblem(_("[defaults] may give a site and a category for all rows."))
    if not isinstance(create, list) or not all(c in CREATABLE for c in create):
        raise MappingProblem(_("“create” lists what to create: %(choices)s.")
                             % {"choices": ", ".join(CREATABLE)})
    return Profile(columns=columns,
                   values={f: dict(c) for f, c in values.items() if c},
                   defaults={k: x for k, x in defaults.items() if x}, create=frozenset(create))


def parse_profile_file(text: str, name: str) -> Profile:
    """A profile file: TOML when its name ends in .toml, JSON otherwise."""
    try:
        data = tomllib.loads(text) if name.lower().endswith(".toml") else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise MappingProblem(_("The mapping file cannot be read: %(error)s")
                             % {"error": error}) from None
    return profile_from_data(data)


def _toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes).
    return json.dumps(text, ensure_ascii=False)


def to_toml(profile: Profile, title: str = "") -> str:
    """The profile as the TOML file `inventory import --mapping` reads."""
    lines = []
    if title:
        lines.append("# " + " ".join(title.split()))
    lines.append("[columns]")
    lines += [f"{_toml_string(c)} = {_toml_string(f or 'ignore')}"
              for c, f in profile.columns.items()]
    for name in VALUE_FIELDS:
        if profile.values.get(name):
            lines += ["", f"[values.{name}]"]
            lines += [f"{_toml_string(k)} = {_toml_string(x)}"
                      for k, x in profile.values[name].items()]
    if profile.defaults or profile.create:
        lines += ["", "[defaults]"]
        lines += [f"{k} = {_toml_string(x)}" for k, x in profile.defaults.items()]
        if profile.create:
            lines.append("create = [" + ", ".join(_toml_string(c) for c in sorted(
                profile.create)) + "]")
    return "\n".join(lines) + "\n"


# Saved profiles


async def list_profiles() -> list[dict[str, Any]]:
    return await ImportProfile.select(ImportProfile.id, ImportProfile.name,
                                      ImportProfile.created_by, ImportProfile.updated_at
                                      ).order_by(ImportProfile.name).run()


async def get_profile(profile_id: int) -> tuple[dict[str, Any], Profile]:
    row = await ImportProfile.select().where(ImportProfile.id == profile_id).first().run()
    if row is None:
        raise NotFound(str(profile_id))
    try:
        return row, profile_from_data(json.loads(row["body"]))
    except (ValueError, MappingProblem):
        return row, Profile()


async def save_profile(name: str, profile: Profile, actor: Actor | str) -> dict[str, Any]:
    """Save under `name`; a profile of the same name is replaced (saving again after a
    change is how a profile is edited)."""
    c = Collector()
    name = c.field("profile_name", v.text, name, required=True, max_length=100) or ""
    c.raise_if_any()
    body = json.dumps(profile.as_data(), ensure_ascii=False, sort_keys=True)
    label = audit.as_actor(actor).label
    async with audit.atomic():
        existing = await ImportProfile.select(ImportProfile.id).where(
            ImportProfile.name == name).first().run()
        if existing:
            await ImportProfile.update({ImportProfile.body: body,
                                        ImportProfile.updated_at: clock.now()}).where(
                ImportProfile.id == existing["id"]).run()
            action = "update"
        else:
            await ImportProfile.insert(ImportProfile(name=name, body=body, created_by=label,
                                                     updated_at=clock.now())).run()
            action = "create"
        await audit.record(actor=actor, entity="import_profile", entity_key=name,
                           action=action, changes={"profile": [None, profile.as_data()]})
        row = await ImportProfile.select().where(ImportProfile.name == name).first().run()
    assert row is not None  # written just above, in this transaction
    return row


async def delete_profile(profile_id: int, actor: Actor | str) -> None:
    async with audit.atomic():
        row, profile = await get_profile(profile_id)
        await ImportProfile.delete().where(ImportProfile.id == profile_id).run()
        await audit.record(actor=actor, entity="import_profile", entity_key=row["name"],
                           action="delete", changes={"profile": [profile.as_data(), None]})


def apply_to_header(profile: Profile, header: list[str]) -> list[str]:
    """The column mapping a profile gives a file on the columns screen (guessed where it says
    nothing; its columns the file lacks are left out, and the screen shows the result)."""
    from inventory.imports.columns import apply_mapping_file, normalise

    present = {normalise(c) for c in header}
    return apply_mapping_file(header, {c: f for c, f in profile.columns.items()
                                       if normalise(c) in present})


def options_parts(profile: Profile, extra_create: frozenset[str] = frozenset(),
                  defaults: Mapping[str, str] | None = None) -> dict[str, Any]:
    """ImportOptions fields from a profile (the command line adds its own flags)."""
    return {"values": profile.values, "create": profile.create | extra_create,
            "defaults": {**profile.defaults, **(defaults or {})}}
