"""Interventions: a technician's work record on an asset (the faults issue builds on it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from inventory.accounts.scope import Scope
from inventory.assets import service as assets
from inventory.core import audit, clock, db
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, NotFound
from inventory.core.i18n import lazy_gettext as L
from inventory.core.tables import Intervention

KINDS = {
    "repair": L("Repair"),
    "preventive": L("Preventive maintenance"),
    "installation": L("Installation"),
    "move": L("Move"),
    "audit": L("Inventory check"),
}


def clean(raw: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    c = Collector()
    c.field("kind", v.choice, raw.get("kind") or "repair", KINDS)
    done_on = c.field("done_on", v.date, raw.get("done_on") or today.isoformat())
    if done_on and done_on > today:
        c.error("done_on", v._("An intervention cannot be dated in the future."))
    c.field("minutes_spent", v.integer, raw.get("minutes_spent") or "0", minimum=0,
            maximum=24 * 60 * 7)
    c.field("parts", v.text, raw.get("parts"), max_length=300)
    if "cost_cents" in raw:
        c.field("cost_cents", v.cents, raw.get("cost_cents"))
    else:
        c.field("cost_eur", v.euros_to_cents, raw.get("cost_eur"))
        c.values["cost_cents"] = c.values.pop("cost_eur", None)
    c.values["cost_cents"] = c.values.get("cost_cents") or 0
    c.field("notes", v.text, raw.get("notes"), max_length=5000, multiline=True)
    c.raise_if_any()
    return c.values


async def log(tag: str, raw: Mapping[str, Any], actor: Actor | str, scope: Scope,
              version: int | None = None) -> dict:
    """An intervention on a device; with `version` (the device's as a phone saw it), a device
    changed since is a Conflict carrying it as it is now."""
    actor = audit.as_actor(actor)
    async with audit.atomic():
        asset = await assets.current_as_seen(tag, version, scope)
        values = clean(raw, clock.today())
        row = (await Intervention.insert(Intervention(
            asset=asset["id"], technician=actor.label, **values)).returning(Intervention.id).run())[0]
        await audit.record(
            actor=actor, entity="asset", entity_key=asset["tag"], action="intervention",
            changes={"kind": [None, str(KINDS[values["kind"]])],
                     "notes": [None, values["notes"] or None]},
            site_id=asset["site"])
    return row


async def recent(asset_id: int, limit: int = 5, since: dt.datetime | None = None
                 ) -> list[dict[str, Any]]:
    """The latest interventions; with `since`, only those recorded since then (what was done
    to the device at a site the reader does not see is not theirs to read)."""
    # Raw SQL: the asset page shows these, and Piccolo's builder costs more than the query.
    if since is not None:
        return await db.fetch_small("SELECT * FROM intervention WHERE asset = {} AND "
                                    "created_at >= {} ORDER BY done_on DESC, id DESC LIMIT {}",
                                    asset_id, since, limit)
    return await db.fetch_small("SELECT * FROM intervention WHERE asset = {} "
                                "ORDER BY done_on DESC, id DESC LIMIT {}", asset_id, limit)


async def page(asset_id: int, *, after_id: int = 0, limit: int = 100,
               since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """An asset's interventions in id order, after `after_id` (the API's cursor)."""
    where = (Intervention.asset == asset_id) & (Intervention.id > after_id)
    if since is not None:
        where &= Intervention.created_at >= since
    return await Intervention.select().where(where).order_by(Intervention.id).limit(limit).run()


async def get(intervention_id: int) -> dict[str, Any]:
    row = await Intervention.select().where(Intervention.id == intervention_id).first().run()
    if row is None:
        raise NotFound(str(intervention_id))
    return row
