"""Organisations: who owns sites and devices. The one write path for them, and the lookups
the other features use to set and scope owners."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.core import audit, db
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import Organisation, Site, UserOrganisation
from inventory.organisations import rules
from inventory.sites.rules import code_problem

FIELDS = ("code", "name", "kind", "siren", "tag_prefix", "label_owner")


def clean_organisation(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an organisation's fields; raises ValidationFailed with every problem."""
    c = Collector()
    code = c.field("code", v.text, raw.get("code"), required=True, max_length=32)
    if code:
        code = c.values["code"] = code.upper()
        if problem := code_problem(code):
            c.error("code", problem)
    c.field("name", v.text, raw.get("name"), required=True, max_length=200)
    c.field("kind", v.choice, raw.get("kind") or "commune", rules.KINDS)
    siren = c.field("siren", v.text, raw.get("siren"), max_length=20)
    if siren:
        siren = c.values["siren"] = rules.normalise_siren(siren)
        if problem := rules.siren_problem(siren):
            c.error("siren", problem)
    else:
        c.values["siren"] = None
    prefix = c.field("tag_prefix", v.text, raw.get("tag_prefix"), max_length=16)
    if prefix:
        prefix = c.values["tag_prefix"] = prefix.upper()
        # It starts the tags of the organisation's new devices.
        if problem := rules.prefix_problem(prefix):
            c.error("tag_prefix", problem)
    c.field("label_owner", v.text, raw.get("label_owner"), max_length=120)
    c.raise_if_any()
    return c.values


async def list_organisations(scope: Scope = EVERYTHING) -> list[dict[str, Any]]:
    """The organisations the person works for (all of them for the installation's)."""
    rows = await Organisation.select().order_by(Organisation.name).run()
    return [r for r in rows if scope.allows_organisation(r["id"])]


async def get_organisation(code: str, scope: Scope = EVERYTHING) -> dict[str, Any]:
    row = await Organisation.select().where(Organisation.code == code.upper()).first().run()
    if row is None or not scope.allows_organisation(row["id"]):
        raise NotFound(code)
    return row


async def count() -> int:
    return await Organisation.count().run()


async def several() -> bool:
    """Whether the installation has more than one organisation: with one, no page shows
    organisations at all (it looks as it did before they existed). Asked by the hot pages
    (the asset page): a small raw read rather than Piccolo's COUNT machinery."""
    rows = await db.fetch_small("SELECT id FROM organisation LIMIT 2")
    return len(rows) > 1


async def choices(scope: Scope = EVERYTHING) -> list[dict[str, Any]]:
    """What a form's organisation choice offers the person: (code, name), by name."""
    return [{"code": r["code"], "name": r["name"]} for r in await list_organisations(scope)]


async def first_organisation_id() -> int:
    """The organisation new sites belong to when none is named: the installation's first."""
    row = await Organisation.select(Organisation.id).order_by(Organisation.id).first().run()
    if row is None:  # the migrations always make one; a database without it is broken
        raise NotFound("organisation")
    return row["id"]


async def first_code() -> str:
    row = await Organisation.select(Organisation.code).order_by(Organisation.id).first().run()
    return row["code"] if row else rules.FIRST_CODE


async def owner_id(code: str | None) -> int:
    """The id of the organisation `code` names, or the first one when it is blank."""
    if not code:
        return await first_organisation_id()
    row = await Organisation.select(Organisation.id).where(
        Organisation.code == code.upper()).first().run()
    if row is None:
        raise ValidationFailed({"owner": _("Choose one of the proposed values.")})
    return row["id"]


async def owner_for(code: str | None, scope: Scope = EVERYTHING) -> int:
    """The organisation a new site belongs to: the one `code` names, which the person must
    work for; else the installation's first (or, for someone limited to some organisations,
    the first of theirs)."""
    if not code and scope.organisation_ids is not None:
        if not scope.organisation_ids:
            raise ValidationFailed({"owner": _("Choose one of the proposed values.")})
        return min(scope.organisation_ids)
    found = await owner_id(code)
    if not scope.allows_organisation(found):
        raise ValidationFailed({"owner": _("Choose one of the proposed values.")})
    return found


async def resolve(values: list[str]) -> tuple[list[int], list[str]]:
    """Organisation codes -> (ids, the values that matched nothing)."""
    ids, unknown = [], []
    for value in values:
        key = value.strip().upper()
        if not key:
            continue
        row = await Organisation.select(Organisation.id).where(
            Organisation.code == key).first().run()
        if row is None:
            unknown.append(value)
        elif row["id"] not in ids:
            ids.append(row["id"])
    return ids, unknown


async def codes(ids: list[int | None]) -> dict[int, str]:
    """Organisations' codes by id (what the audit records name them by)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await Organisation.select(Organisation.id, Organisation.code).where(
        Organisation.id.is_in(wanted)).run()
    return {r["id"]: r["code"] for r in rows}


async def code_of(organisation_id: int | None) -> str | None:
    return (await codes([organisation_id])).get(organisation_id) if organisation_id else None


async def owner_lines() -> dict[int, str]:
    """The owner line each organisation prints on its labels (its label_owner, else its
    name), when the installation has several; empty with one, whose labels print the
    set-up's line as before."""
    rows = await Organisation.select(Organisation.id, Organisation.name,
                                     Organisation.label_owner).run()
    if len(rows) < 2:
        return {}
    return {r["id"]: r["label_owner"] or r["name"] for r in rows}


async def tag_prefixes() -> dict[int, str]:
    """The tag prefix of each organisation that has one, when the installation has several:
    their new devices' tags start with it (the others' with the installation's). Empty with
    one organisation, whose tags take the set-up's prefix as before organisations existed."""
    rows = await Organisation.select(Organisation.id, Organisation.tag_prefix).run()
    if len(rows) < 2:
        return {}
    return {r["id"]: r["tag_prefix"] for r in rows if r["tag_prefix"]}


async def reader_prefix(scope: Scope, fallback: str) -> str:
    """The prefix a person's devices' tags start with: their (first) organisation's, for
    someone working for some organisations only; else the installation's, `fallback`
    (the scan box's example, the blank labels they print)."""
    if scope.organisation_ids is None:
        return fallback
    prefixes = await tag_prefixes()
    return next((prefixes[org] for org in sorted(scope.organisation_ids) if org in prefixes),
                fallback)


async def site_owners(site_ids: list[int]) -> dict[int, int | None]:
    rows = await Site.select(Site.id, Site.owner).where(Site.id.is_in(site_ids)).run()
    return {r["id"]: r["owner"] for r in rows}


async def _check_unique(values: Mapping[str, Any], exclude_id: int | None = None) -> None:
    errors = {}
    for name, message in (("code", _("Another organisation already uses this code.")),
                          ("siren", _("Another organisation already has this SIREN number."))):
        if not values.get(name):
            continue
        if await db.taken(Organisation, getattr(Organisation, name) == values[name],
                          exclude_id):
            errors[name] = message
    if errors:
        raise ValidationFailed(errors)


async def create_organisation(raw: Mapping[str, Any], actor: Actor | str) -> dict[str, Any]:
    values = clean_organisation(raw)
    async with audit.atomic():
        await _check_unique(values)
        row = (await Organisation.insert(Organisation(**values)).returning(
            *Organisation.all_columns()).run())[0]
        await audit.record(actor=actor, entity="organisation", entity_key=row["code"],
                           action="create", changes=audit.created_changes(values))
    return row


async def update_organisation(code: str, raw: Mapping[str, Any], version: int | None,
                              actor: Actor | str, *, partial: bool = False) -> dict[str, Any]:
    async with audit.atomic():
        row = await get_organisation(code)
        values = clean_organisation({**{k: row[k] for k in FIELDS}, **raw} if partial else raw)
        await _check_unique(values, exclude_id=row["id"])
        await audit.update_versioned(Organisation, row["id"], version, values,
                                     entity="organisation", entity_key=values["code"],
                                     action="update", actor=actor)
    return await get_organisation(values["code"])


async def set_user_organisations(user_id: int, organisation_ids: list[int]) -> None:
    """Replace the organisations an account works for (in the caller's transaction)."""
    async with audit.atomic():
        await UserOrganisation.delete().where(UserOrganisation.user == user_id).run()
        if organisation_ids:
            await UserOrganisation.insert(*[
                UserOrganisation(user=user_id, organisation=org)
                for org in sorted(set(organisation_ids))]).run()


async def user_organisation_ids(user_id: int) -> list[int]:
    rows = await UserOrganisation.select(UserOrganisation.organisation).where(
        UserOrganisation.user == user_id).run()
    return sorted(r["organisation"] for r in rows)


async def follow_setup(name: str, tag_prefix: str, actor: Actor | str) -> None:
    """While the installation has one organisation, the set-up names it: its name and tag
    prefix follow the set-up page (inside the caller's transaction)."""
    rows = await Organisation.select().limit(2).run()
    if len(rows) != 1:
        return
    row = rows[0]
    values = {"name": (name or row["name"])[:200], "tag_prefix": (tag_prefix or "")[:16].upper()}
    await audit.update_versioned(Organisation, row["id"], None, values, entity="organisation",
                                 entity_key=row["code"], action="update", actor=actor)
