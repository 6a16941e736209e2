"""Inventory audit campaigns: start, check devices room by room, correct, close, report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from inventory.accounts.scope import Scope
from inventory.assets import rules as asset_rules
from inventory.assets import service as assets
from inventory.campaigns import rules
from inventory.core import audit, clock
from inventory.core.audit import Actor
from inventory.core.errors import NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import Asset, CampaignCheck, InventoryCampaign, Room
from inventory.sites import service as sites


async def start(site_code: str, actor: Actor | str, scope: Scope) -> int:
    site = await sites.get_site(site_code, scope)
    actor = audit.as_actor(actor)
    async with audit.atomic():
        open_ = await InventoryCampaign.select(InventoryCampaign.id).where(
            (InventoryCampaign.site == site["id"]) & InventoryCampaign.closed_at.is_null()
        ).first().run()
        if open_:
            return open_["id"]  # one open campaign per site: join it
        row = (await InventoryCampaign.insert(InventoryCampaign(
            site=site["id"], started_by=actor.label)).returning(InventoryCampaign.id).run())[0]
        await audit.record(actor=actor, entity="campaign", entity_key=str(row["id"]),
                           action="create", changes={"site": [None, site["name"]]},
                           site_id=site["id"])
    return row["id"]


async def get(campaign_id: int, scope: Scope) -> dict[str, Any]:
    campaign = await InventoryCampaign.select(
        *InventoryCampaign.all_columns(), InventoryCampaign.site.code.as_alias("site_code"),
        InventoryCampaign.site.name.as_alias("site_name"),
    ).where(InventoryCampaign.id == campaign_id).first().run()
    if campaign is None or not scope.allows(campaign["site"]):
        raise NotFound(str(campaign_id))
    return campaign


async def open_for_site(site_id: int) -> dict[str, Any] | None:
    return await InventoryCampaign.select(InventoryCampaign.id).where(
        (InventoryCampaign.site == site_id) & InventoryCampaign.closed_at.is_null()
    ).first().run()


async def list_for_site(site_id: int) -> list[dict[str, Any]]:
    return await InventoryCampaign.select().where(InventoryCampaign.site == site_id).order_by(
        InventoryCampaign.id, ascending=False).run()


async def expected_count(site_id: int) -> int:
    return await Asset.count().where(
        (Asset.site == site_id) & (Asset.status != "retired")).run()


async def checks(campaign_id: int) -> list[dict[str, Any]]:
    return await CampaignCheck.raw(
        "SELECT campaign_check.*, asset.room AS current_room, category.name AS category_name, "
        "equipment_model.name AS model_name, expected.name AS expected_room_name, "
        "found.name AS found_room_name FROM campaign_check "
        "LEFT JOIN asset ON asset.id = campaign_check.asset "
        "LEFT JOIN category ON category.id = asset.category "
        "LEFT JOIN equipment_model ON equipment_model.id = asset.model "
        "LEFT JOIN room AS expected ON expected.id = campaign_check.expected_room "
        "LEFT JOIN room AS found ON found.id = campaign_check.found_room "
        "WHERE campaign_check.campaign = {} ORDER BY campaign_check.checked_at DESC, "
        "campaign_check.tag", campaign_id).run()


def _require_open(campaign: dict[str, Any]) -> None:
    if campaign["closed_at"] is not None:
        raise ValidationFailed({"campaign": _("This campaign is closed.")})


async def check(campaign_id: int, raw_tag: str, room_id: int | None, actor: Actor | str,
                scope: Scope) -> str:
    """Record one scanned tag in the room being checked; returns the outcome."""
    campaign = await get(campaign_id, scope)
    _require_open(campaign)
    tag = asset_rules.normalise_tag(raw_tag or "")
    if not tag:
        raise ValidationFailed({"tag": _("This field is required.")})
    if room_id is not None:
        room = await Room.select(Room.site).where(Room.id == room_id).first().run()
        if room is None or room["site"] != campaign["site"]:
            raise ValidationFailed({"room": _("This room is not in the chosen site.")})
    asset = await Asset.select(Asset.id, Asset.site, Asset.room).where(Asset.tag == tag).first().run()
    # A device of a site the person may not see is reported as unknown, as if absent.
    if asset is not None and not scope.allows(asset["site"]):
        asset = None
    result = rules.scan_result(asset, campaign["site"], room_id)
    actor = audit.as_actor(actor)
    async with audit.atomic():
        await CampaignCheck.delete().where(
            (CampaignCheck.campaign == campaign_id) & (CampaignCheck.tag == tag)).run()
        await CampaignCheck.insert(CampaignCheck(
            campaign=campaign_id, tag=tag[:64], asset=asset["id"] if asset else None,
            expected_room=asset["room"] if asset else None, found_room=room_id,
            result=result, checked_by=actor.label)).run()
    return result


async def move_here(campaign_id: int, tag: str, actor: Actor | str, scope: Scope) -> None:
    """One tap for a device found elsewhere: move it to the room where it was found."""
    campaign = await get(campaign_id, scope)
    _require_open(campaign)
    row = await CampaignCheck.select().where(
        (CampaignCheck.campaign == campaign_id) & (CampaignCheck.tag == tag)
        & (CampaignCheck.result == rules.ELSEWHERE)).first().run()
    if row is None:
        raise NotFound(tag)
    asset = await assets.get_asset(tag, scope)
    await assets.move_asset(tag, {"site": campaign["site_code"], "room": row["found_room"]},
                            asset["version"], actor, scope)
    await CampaignCheck.update({CampaignCheck.result: rules.FOUND,
                                CampaignCheck.expected_room: row["found_room"]}).where(
        CampaignCheck.id == row["id"]).run()


async def close(campaign_id: int, actor: Actor | str, scope: Scope) -> dict[str, int]:
    """Mark the devices nobody scanned as missing and date the others as seen."""
    campaign = await get(campaign_id, scope)
    _require_open(campaign)
    actor = audit.as_actor(actor)
    async with audit.atomic():
        expected = await Asset.select(Asset.id, Asset.tag, Asset.room).where(
            (Asset.site == campaign["site"]) & (Asset.status != "retired")).run()
        done = await CampaignCheck.select(CampaignCheck.tag, CampaignCheck.asset,
                                          CampaignCheck.checked_at).where(
            CampaignCheck.campaign == campaign_id).run()
        by_tag = {a["tag"]: a for a in expected}
        missing = rules.missing_tags(set(by_tag), {d["tag"] for d in done})
        if missing:
            await CampaignCheck.insert(*[CampaignCheck(
                campaign=campaign_id, tag=t, asset=by_tag[t]["id"],
                expected_room=by_tag[t]["room"], result=rules.MISSING,
                checked_by=actor.label) for t in missing]).run()
        seen_on = {}
        for d in done:
            if d["asset"] is not None:
                seen = d["checked_at"]
                seen_on[d["asset"]] = (seen.date() if isinstance(seen, dt.datetime)
                                       else clock.today())
        await assets.mark_seen_many(seen_on, actor)  # the assets service writes the dates
        await InventoryCampaign.update({
            InventoryCampaign.closed_at: clock.now(), InventoryCampaign.closed_by: actor.label,
            InventoryCampaign.version: campaign["version"] + 1,
        }).where(InventoryCampaign.id == campaign_id).run()
        summary = await summary_of(campaign_id)
        await audit.record(actor=actor, entity="campaign", entity_key=str(campaign_id),
                           action="close", changes={k: [None, n] for k, n in summary.items()},
                           site_id=campaign["site"])
    return summary


async def summary_of(campaign_id: int) -> dict[str, int]:
    rows = await CampaignCheck.raw(
        "SELECT result, COUNT(*) AS n FROM campaign_check WHERE campaign = {} GROUP BY result",
        campaign_id).run()
    counts = {r["result"]: r["n"] for r in rows}
    return {result: counts.get(result, 0) for result in rules.RESULTS}


REPORT_COLUMNS = ("tag", "result", "category", "model", "expected_room", "found_room",
                  "checked_at", "checked_by")


def report_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    def when(value: object) -> str:
        return value.isoformat() if hasattr(value, "isoformat") else str(value or "")

    return [[r["tag"], r["result"], r["category_name"] or "", r["model_name"] or "",
             r["expected_room_name"] or "", r["found_room_name"] or "", when(r["checked_at"]),
             r["checked_by"]] for r in sorted(rows, key=lambda r: (r["result"], r["tag"]))]


async def open_campaigns(scope: Scope) -> list[dict[str, Any]]:
    """The audits in progress on the sites the person sees, latest first, with the number of
    devices checked so far."""
    in_scope, args = scope.sql("inventory_campaign.site")
    return await InventoryCampaign.raw(
        "SELECT inventory_campaign.id, inventory_campaign.started_at, "
        "inventory_campaign.started_by, site.code AS site_code, site.name AS site_name, "
        "(SELECT COUNT(*) FROM campaign_check WHERE campaign_check.campaign = "
        "inventory_campaign.id) AS checked FROM inventory_campaign "
        "JOIN site ON site.id = inventory_campaign.site "
        f"WHERE inventory_campaign.closed_at IS NULL AND {in_scope} "
        "ORDER BY inventory_campaign.started_at DESC, inventory_campaign.id DESC", *args).run()
