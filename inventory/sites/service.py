"""Sites and rooms: queries and rules, shared by pages and the JSON API."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.core import audit, db, kept
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import Asset, AuditRecord, Room, Site
from inventory.organisations import service as organisations
from inventory.sites import rules

ROOM_FIELDS = ("name", "kind", "floor", "notes")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_site(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a site's fields; raises ValidationFailed with every problem at once."""
    c = Collector()
    code = c.field("code", v.text, raw.get("code"), required=True, max_length=32)
    if code:
        code = code.upper()
        c.values["code"] = code
        if problem := rules.code_problem(code):
            c.error("code", problem)
    c.field("name", v.text, raw.get("name"), required=True, max_length=200)
    c.field("kind", v.choice, raw.get("kind"), rules.SITE_KINDS)
    uai = c.field("uai", v.text, raw.get("uai"), max_length=20)
    if uai:
        uai = rules.normalise_uai(uai)
        c.values["uai"] = uai
        if problem := rules.uai_problem(uai):
            c.error("uai", problem)
    else:
        c.values["uai"] = None
    for name, length in (("address", 300), ("postal_code", 10), ("city", 100),
                         ("director_name", 200), ("director_phone", 40),
                         ("organisation", 200), ("notes", 5000)):
        c.field(name, v.text, raw.get(name), max_length=length, multiline=name == "notes")
    email = c.field("director_email", v.text, raw.get("director_email"), max_length=200)
    if email and not _EMAIL.match(email):
        c.error("director_email", _("Enter an email address such as name@example.org."))
    latitude = c.field("latitude", rules.coordinate, raw.get("latitude"), 90)
    longitude = c.field("longitude", rules.coordinate, raw.get("longitude"), 180)
    if (latitude is None) != (longitude is None) and not {"latitude", "longitude"} & set(c.errors):
        missing = "latitude" if latitude is None else "longitude"
        c.error(missing, _("Give both the latitude and the longitude, or neither."))
    c.raise_if_any()
    return c.values


async def _check_site_unique(values: Mapping[str, Any], exclude_id: int | None = None) -> None:
    errors = {}
    for field in ("code", "uai"):
        if not values.get(field):
            continue
        query = Site.exists().where(getattr(Site, field) == values[field])
        if exclude_id is not None:
            query = query.where(Site.id != exclude_id)
        if await query.run():
            errors[field] = (
                _("Another site already uses this code.")
                if field == "code"
                else _("Another site already has this UAI code.")
            )
    if errors:
        raise ValidationFailed(errors)


async def list_sites(scope: Scope) -> list[dict[str, Any]]:
    sites = [s for s in await Site.select().order_by(Site.name).run() if scope.allows(s["id"])]
    counts = await Asset.raw(
        "SELECT site, COUNT(*) AS n FROM asset WHERE status != 'retired' GROUP BY site"
    ).run()
    rooms = await Room.raw("SELECT site, COUNT(*) AS n FROM room GROUP BY site").run()
    by_site = {r["site"]: r["n"] for r in counts}
    rooms_by_site = {r["site"]: r["n"] for r in rooms}
    for site in sites:
        site["asset_count"] = by_site.get(site["id"], 0)
        site["room_count"] = rooms_by_site.get(site["id"], 0)
    return sites


SITE_CHOICES = ("site", "SELECT id, code, name FROM site ORDER BY name")


def in_scope(sites: list[dict[str, Any]], scope: Scope) -> list[dict[str, Any]]:
    return list(sites) if not scope.limited else [s for s in sites if scope.allows(s["id"])]


async def site_choices(scope: Scope) -> list[dict[str, Any]]:
    """The person's sites (id, code, name) by name, as the filters and forms offer them:
    every list page draws them, and a région has ~500. Kept until the site table changes
    (core/kept.py: sites are never deleted, every update raises the version)."""
    (sites,) = await kept.rows(SITE_CHOICES)
    return in_scope(sites, scope)


async def get_site(code: str, scope: Scope) -> dict[str, Any]:
    """One site by code; a site outside the person's scope does not exist for them."""
    site = await Site.select().where(Site.code == code.upper()).first().run()
    if site is None or not scope.allows(site["id"]):
        raise NotFound(code)
    return site


async def positions(site_ids: Sequence[int]) -> dict[int, rules.Position]:
    """Where the sites are, for those whose position is known."""
    if not site_ids:
        return {}
    rows = await Site.select(Site.id, Site.latitude, Site.longitude).where(
        Site.id.is_in(list(site_ids)) & Site.latitude.is_not_null()
        & Site.longitude.is_not_null()).run()
    return {r["id"]: (r["latitude"], r["longitude"]) for r in rows}


async def create_site(raw: Mapping[str, Any], actor: Actor | str,
                      scope: Scope = EVERYTHING) -> dict[str, Any]:
    """A new site of the organisation `raw["owner"]` (a code) names, one the person works
    for; without it, the installation's first (or the person's first)."""
    values = clean_site(raw)
    async with audit.atomic():
        await _check_site_unique(values)
        values["owner"] = await organisations.owner_for(raw.get("owner"), scope)
        site = (await Site.insert(Site(**values)).returning(*Site.all_columns()).run())[0]
        await audit.record(
            actor=actor, entity="site", entity_key=site["code"], action="create",
            changes=audit.created_changes(values), site_id=site["id"],
        )
    return site


async def update_site(code: str, raw: Mapping[str, Any], version: int | None,
                      actor: Actor | str, scope: Scope, *, partial: bool = False) -> dict:
    """Save the site's fields. `partial` (the API's PATCH): the fields `raw` omits keep
    their stored values, read in the write transaction."""
    async with audit.atomic():
        site = await get_site(code, scope)
        values = clean_site({**site, **raw} if partial else raw)
        await _check_site_unique(values, exclude_id=site["id"])
        await audit.update_versioned(
            Site, site["id"], version, values, entity="site", entity_key=values["code"],
            action="update", actor=actor, site_id=site["id"],
        )
    return await get_site(values["code"], scope)


async def change_owner(code: str, owner: str, version: int | None, actor: Actor | str,
                       scope: Scope) -> tuple[dict[str, Any], int] | None:
    """The site's part of giving it to another organisation (assets.service.transfer_site
    moves its devices with it, in the caller's transaction): only someone who works for both
    organisations may. Returns the site as it was and its new owner, or None when the owner
    does not change."""
    site = await get_site(code, scope)
    if not owner or not scope.allows_organisation(site["owner"]):
        raise ValidationFailed({"owner": _("Choose one of the proposed values.")})
    new_owner = await organisations.owner_for(owner, scope)
    if new_owner == site["owner"]:
        return None
    await audit.update_versioned(
        Site, site["id"], version, {"owner": new_owner}, entity="site",
        entity_key=site["code"], action="transfer", actor=actor, site_id=site["id"])
    return site, new_owner


# Rooms


def clean_room(raw: Mapping[str, Any]) -> dict[str, Any]:
    c = Collector()
    c.field("name", v.text, raw.get("name"), required=True, max_length=120)
    c.field("kind", v.choice, raw.get("kind") or "classroom", rules.ROOM_KINDS)
    c.field("floor", v.text, raw.get("floor"), max_length=40)
    c.field("notes", v.text, raw.get("notes"), max_length=5000, multiline=True)
    c.raise_if_any()
    return c.values


async def _check_room_unique(site_id: int, name: str, exclude_id: int | None = None) -> None:
    query = Room.exists().where((Room.site == site_id) & (Room.name == name))
    if exclude_id is not None:
        query = query.where(Room.id != exclude_id)
    if await query.run():
        raise ValidationFailed({"name": _("This site already has a room with this name.")})


async def list_rooms(site_id: int) -> list[dict[str, Any]]:
    rooms = await Room.select().where(Room.site == site_id).order_by(Room.name).run()
    counts = await Asset.raw(
        "SELECT room, COUNT(*) AS n FROM asset WHERE site = {} AND status != 'retired' "
        "GROUP BY room",
        site_id,
    ).run()
    by_room = {r["room"]: r["n"] for r in counts}
    for room in rooms:
        room["asset_count"] = by_room.get(room["id"], 0)
    return rules.sort_rooms(rooms)


async def get_room(room_id: int, scope: Scope) -> dict[str, Any]:
    room = (
        await Room.select(*Room.all_columns(), Room.site.code.as_alias("site_code"),
                          Room.site.name.as_alias("site_name"))
        .where(Room.id == room_id)
        .first()
        .run()
    )
    if room is None or not scope.allows(room["site"]):
        raise NotFound(str(room_id))
    return room


async def create_room(site_code: str, raw: Mapping[str, Any], actor: Actor | str,
                      scope: Scope) -> dict[str, Any]:
    return (await create_rooms(site_code, [raw], actor, scope))[0]


async def create_rooms(site_code: str, raws: Sequence[Mapping[str, Any]], actor: Actor | str,
                       scope: Scope) -> list[dict[str, Any]]:
    """New rooms of one site (one, from a page; a school's rooms at once, from the demo):
    each checked, named once in the site, with its "create" audit record; a statement per
    table however many. Returns the rooms as stored, in the order of `raws`."""
    if not raws:
        return []
    cleaned = [clean_room(raw) for raw in raws]
    names = [values["name"] for values in cleaned]
    async with audit.atomic():
        site = await get_site(site_code, scope)
        if len(set(names)) < len(names):
            raise ValidationFailed({"name": _("This site already has a room with this name.")})
        if len(names) == 1:
            await _check_room_unique(site["id"], names[0])
        elif await Room.exists().where((Room.site == site["id"]) & Room.name.is_in(names)).run():
            raise ValidationFailed({"name": _("This site already has a room with this name.")})
        defaults = db.column_defaults(Room)
        rows = [{**defaults, "site": site["id"], **values} for values in cleaned]
        ids = await db.insert_returning_ids(Room, rows)
        recorded_at = db.column_defaults(AuditRecord)["at"]  # as record() would
        await audit.record_many([audit.entry(
            actor=actor, entity="room", entity_key=str(room_id), action="create",
            changes=audit.created_changes({"site": site["code"], **values}),
            site_id=site["id"], at=recorded_at) for room_id, values in zip(ids, cleaned,
                                                                           strict=True)])
    return [{"id": room_id, **row} for room_id, row in zip(ids, rows, strict=True)]


async def update_room(room_id: int, raw: Mapping[str, Any], version: int | None,
                      actor: Actor | str, scope: Scope, *, partial: bool = False) -> dict[str, Any]:
    """Save the room's fields; `partial` as in update_site."""
    async with audit.atomic():
        room = await get_room(room_id, scope)
        values = clean_room({**{k: room[k] for k in ROOM_FIELDS}, **raw} if partial else raw)
        await _check_room_unique(room["site"], values["name"], exclude_id=room_id)
        await audit.update_versioned(
            Room, room_id, version, values, entity="room", entity_key=str(room_id),
            action="update", actor=actor, site_id=room["site"],
        )
    return await get_room(room_id, scope)
