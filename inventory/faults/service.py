"""Faults: reporting, the technicians' queue, moving a fault through its workflow. The asset's
status follows its faults (faulty, in repair, back in service)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inventory.accounts import permissions
from inventory.accounts import rules as account_rules
from inventory.accounts import service as accounts
from inventory.accounts.scope import EVERYTHING, Scope
from inventory.assets import rules as asset_rules
from inventory.assets import service as assets
from inventory.core import audit, clock, db
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, FieldError, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.i18n import lazy_gettext as L
from inventory.core.tables import (
    Asset,
    AuditRecord,
    Fault,
    FaultEvent,
    FaultFollower,
    Room,
    User,
    UserSite,
)
from inventory.faults import emails, photos, scoping, symptoms, workflow
from inventory.faults.rows import FaultRow
from inventory.notifications import outbox


def target_days(setting: str) -> dict[bool, int]:
    """INVENTORY_FAULT_TARGET_DAYS "blocked,other" (working days) -> {blocked?: days}. Pure."""
    try:
        blocked, other = (int(x) for x in setting.split(","))
    except ValueError:
        blocked, other = 2, 5
    return {True: max(0, blocked), False: max(0, other)}


# Target delays before a fault is overdue, in working days (Monday to Friday): by default two
# when teaching is blocked, five otherwise.
TARGET_WORKING_DAYS = target_days(os.environ.get("INVENTORY_FAULT_TARGET_DAYS", "2,5"))


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Whole working days (Mon–Fri) from `start` to `end`. Pure."""
    if end <= start:
        return 0
    days = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            days += 1
    return days


def is_overdue(fault: Mapping[str, Any], today: dt.date) -> bool:
    if fault["status"] not in workflow.OPEN_STATES:
        return False
    created = fault["created_at"]
    start = created.date() if isinstance(created, dt.datetime) else today
    return working_days_between(start, today) > TARGET_WORKING_DAYS[bool(fault["teaching_blocked"])]


async def report(raw: Mapping[str, Any], actor: Actor | str, scope: Scope, *,
                 base_url: str = "", photo: bytes | None = None,
                 data_dir: Path | None = None, version: int | None = None) -> FaultRow:
    """A fault on an asset (tag), or on a room when the device is not known. With `version`
    (the device's as a phone saw it), a device changed since is a Conflict carrying it as it
    is now."""
    c = Collector()
    tag = asset_rules.normalise_tag(str(raw.get("asset") or ""))
    room_value = str(raw.get("room") or "").strip()
    asset = room = None
    if tag:
        try:
            asset = await assets.get_asset(tag, scope)
        except NotFound:
            c.error("asset", _("Choose one of the proposed values."))
    elif room_value.isdigit() and int(room_value) <= v.INT_MAX:
        room = await Room.select(Room.id, Room.site).where(Room.id == int(room_value)).first().run()
        if room is None or not scope.allows(room["site"]):
            c.error("room", _("Choose one of the proposed values."))
    else:
        c.error("asset", _("Choose the device, or the room if you do not know which device."))
    # On a known device, the symptoms of its kind; on a room, any symptom. A device chosen
    # on the room's form (`room` sent too) was chosen beside every symptom: any of them.
    known = (symptoms.offered(asset["category_symptoms"]) if asset and not room_value
             else symptoms.all_symptoms())
    c.field("symptom", v.choice, raw.get("symptom") or "", known)
    c.field("description", v.text, raw.get("description"), max_length=2000,
            multiline=True)
    if c.values.get("symptom") == "other" and not c.values.get("description"):
        c.error("description", _("Describe what happens."))
    jpeg = None
    if photo:
        try:
            jpeg = await photos.reencode_in_worker(photo)
        except FieldError as error:
            c.error("photo", error.message)
    c.raise_if_any()
    actor = audit.as_actor(actor)
    if not asset:
        assert room is not None  # without a device, a room was found (else an error above)
        site_id, room_id = room["site"], room["id"]
    blocked = raw.get("teaching_blocked") in (True, "on", "true", "1", "yes")
    async with audit.atomic():
        if asset:  # read again in the transaction: its place and status as they are now
            asset = await assets.current_as_seen(asset["tag"], version, scope)
            site_id, room_id = asset["site"], asset["room"]
        fault = await _open(
            Fault(site=site_id, room=room_id, asset=asset["id"] if asset else None,
                  symptom=c.values["symptom"], description=c.values["description"],
                  teaching_blocked=blocked, reported_by=actor.label,
                  reporter_user_id=actor.user_id),
            actor, changes={"symptom": [None, c.values["symptom"]]})
        if jpeg and data_dir is not None:
            name = photos.save(data_dir, fault["id"], jpeg)
            await Fault.update({Fault.photo: name}).where(Fault.id == fault["id"]).run()
        if asset and asset["status"] == "in_service":
            await _set_asset_status(asset, "faulty", actor)
        created = await get(fault["id"], scope)
        # In the same transaction: the emails go out only if the report is saved.
        for email in await technicians_covering(site_id):
            await outbox.queue_for_user(email, lambda: emails.new_fault(created, base_url))
    return created


@dataclass
class _NewFault:
    """A fault to open (_open_many): its columns (those not given take their defaults), its
    "create" record's changes, and its steps with their times."""

    values: dict[str, Any]
    changes: Mapping[str, Any]
    steps: Sequence[str] = (workflow.NEW,)
    times: Sequence[dt.datetime] | None = None
    handler: str = ""


async def _open(fault: Fault, actor: Actor, *, changes: Mapping[str, Any],
                steps: Sequence[str] = (workflow.NEW,),
                times: Sequence[dt.datetime] | None = None, handler: str = "") -> dict:
    """One new fault (a report, an anonymous report), through _open_many. Inside the
    caller's transaction."""
    values = {column._meta.db_column_name: getattr(fault, column._meta.name)
              for column in Fault._meta.columns if column is not Fault._meta.primary_key}
    ids = await _open_many([_NewFault(values, changes, steps, times, handler)], actor)
    return {"id": ids[0]}


async def _open_many(new: Sequence[_NewFault], actor: Actor) -> list[int]:
    """The one writer of new faults (reports, devices that arrive faulty): each fault at
    the last of its steps, one timeline event per step (the first by its reporter, the
    others by its handler), and its "create" audit record; in bulk (a statement per table
    for any number of faults). Inside the caller's transaction. Returns the faults' ids,
    in the order of `new`."""
    if not new:
        return []
    # The columns' defaults, "now" included, taken once: as Fault(...) and record() give.
    defaults = db.column_defaults(Fault)
    rows = []
    for item in new:
        row = {**defaults, **item.values, "status": item.steps[-1]}
        if item.times:
            row["created_at"], row["updated_at"] = item.times[0], item.times[-1]
        rows.append(row)
    ids = await db.insert_returning_ids(Fault, rows)
    event_at = db.column_defaults(FaultEvent)["at"]
    recorded_at = db.column_defaults(AuditRecord)["at"]
    events, records = [], []
    for fault_id, row, item in zip(ids, rows, new, strict=True):
        for i, state in enumerate(item.steps):
            events.append({
                "fault": fault_id, "at": item.times[i] if item.times else event_at,
                "actor": row["reported_by"] if i == 0 else item.handler,
                "from_status": item.steps[i - 1] if i else "", "to_status": state, "note": ""})
        records.append(audit.entry(actor=actor, entity="fault", entity_key=str(fault_id),
                                   action="create", changes=item.changes,
                                   site_id=row["site"], at=recorded_at))
    await db.insert_many(FaultEvent, events)
    await audit.record_many(records)
    return ids


async def count_public_view(client: str) -> int:
    """Count one label page opened without an account from `client`; seconds to wait
    (0: it may be shown)."""
    return await accounts.take_attempt(f"view:{client}", account_rules.PUBLIC_VIEW_POLICY,
                                       accounts.now())


async def public_view(tag: str) -> dict[str, Any]:
    """What a visitor without an account may see of a device: its kind, school and room."""
    asset = await assets.get_asset(tag, EVERYTHING)
    if asset["status"] == "retired":
        raise NotFound(tag)
    return {k: asset[k] for k in ("id", "tag", "category_code", "category_name",
                                  "category_symptoms", "site_name", "room_name")}


async def report_anonymous(tag: str, raw: Mapping[str, Any], client: str, *,
                           base_url: str = "") -> int:
    """A report from someone who scanned a label without an account: limited per client
    address, marked anonymous, with an optional name and email."""
    seen = await public_view(tag)
    moment = accounts.now()
    key = f"report:{client}"
    wait = await accounts.throttle_wait(key, account_rules.ANONYMOUS_REPORT_POLICY, moment)
    if wait:
        raise ValidationFailed({"limit": _("Too many reports from this connection. Try again "
                                             "in %(n)d minutes.") % {"n": max(1, wait // 60)}})
    c = Collector()
    c.field("name", v.text, raw.get("name"), max_length=120)
    email = c.field("email", v.text, raw.get("email"), max_length=180)
    if email and "@" not in email:
        c.error("email", _("Enter an email address such as name@example.org."))
    c.field("symptom", v.choice, raw.get("symptom") or "", symptoms.offered(
        seen["category_symptoms"]))
    c.field("description", v.text, raw.get("description"), max_length=2000,
            multiline=True)
    if c.values.get("symptom") == "other" and not c.values.get("description"):
        c.error("description", _("Describe what happens."))
    c.raise_if_any()
    asset = await assets.get_asset(tag, EVERYTHING)
    contact = " ".join(x for x in (c.values["name"], f"<{email}>" if email else "") if x)
    async with audit.atomic():
        await accounts.count_attempt(key, account_rules.ANONYMOUS_REPORT_POLICY, moment)
        fault = await _open(
            Fault(site=asset["site"], room=asset["room"], asset=asset["id"],
                  symptom=c.values["symptom"], description=c.values["description"],
                  teaching_blocked=raw.get("teaching_blocked") in ("on", "true", "1"),
                  reported_by="anonymous", anonymous=True, reporter_contact=contact[:300]),
            audit.Actor("anonymous"), changes={"client": [None, client]})
        if asset["status"] == "in_service":
            await _set_asset_status(asset, "faulty", audit.Actor("anonymous"))
        created = await get(fault["id"], EVERYTHING)
        for address in await technicians_covering(asset["site"]):
            await outbox.queue_for_user(address, lambda: emails.new_fault(created, base_url))
    return fault["id"]


# Devices that arrive already faulty or in repair (an import, the demo): their status is
# true to a fault, as if it had been reported here.

IMPORTED_DESCRIPTION = L("Imported as faulty: the file gave this device the status "
                         "“%(status)s”.")


@dataclass(frozen=True)
class StatusFault:
    """The fault a device's status already says. Empty `steps` and `times`: what the status
    stands for (see workflow.history_for_asset_status), all at the time of writing."""

    tag: str
    description: str
    steps: tuple[str, ...] = ()
    times: tuple[dt.datetime, ...] = ()
    reported_by: str = ""  # default: the actor
    handled_by: str = ""  # who acknowledged and took it; default: the actor
    symptom: str = "other"
    teaching_blocked: bool = False


OPEN_BATCH = 2_000  # faults written per statement group by open_for_status


async def open_for_status(wanted: Sequence[StatusFault], actor: Actor | str) -> int:
    """Open the fault of each device (by tag) whose status is faulty or in repair and that
    has no open fault yet, with its history of transitions and their times; the device's
    status is left as it is (it already says so). Runs in the caller's transaction, so an
    import or the demo writes its devices and their faults together or not at all.
    Returns how many faults were opened."""
    actor = audit.as_actor(actor)
    now = clock.now()
    opened = 0
    # In slices: bounded statements (and parameters) however many devices arrive faulty;
    # a tag given twice finds its fault, opened by an earlier slice, already open.
    for start in range(0, len(wanted), OPEN_BATCH):
        some = wanted[start:start + OPEN_BATCH]
        rows = await Asset.select(Asset.id, Asset.tag, Asset.site, Asset.room,
                                  Asset.status).where(
            Asset.tag.is_in(sorted({w.tag for w in some}))).run()
        by_tag = {r["tag"]: r for r in rows}
        already = {r["asset"] for r in await Fault.select(Fault.asset).where(
            Fault.asset.is_in([r["id"] for r in rows] or [-1])
            & Fault.status.is_in(list(workflow.OPEN_STATES))).run()}
        new: list[_NewFault] = []
        for item in some:
            asset = by_tag.get(item.tag)
            if asset is None or asset["id"] in already:
                continue
            steps = item.steps or workflow.history_for_asset_status(asset["status"])
            if not steps:
                continue
            if not workflow.steps_are_valid(steps):
                raise ValueError(f"not a fault history: {steps}")
            times = item.times or (now,) * len(steps)
            reporter = item.reported_by or actor.label
            handler = item.handled_by or actor.label
            new.append(_NewFault(
                dict(site=asset["site"], room=asset["room"], asset=asset["id"],
                     symptom=item.symptom, description=item.description[:2000],
                     teaching_blocked=item.teaching_blocked, reported_by=reporter,
                     reporter_user_id=actor.user_id if reporter == actor.label else None,
                     assigned_to=handler if workflow.IN_PROGRESS in steps else ""),
                changes={"symptom": [None, item.symptom], "status": [None, steps[-1]]},
                steps=steps, times=times, handler=handler))
            already.add(asset["id"])
        await _open_many(new, actor)
        opened += len(new)
    return opened


async def open_for_imported(statuses: Mapping[str, str], actor: Actor | str) -> int:
    """The import's call: {tag: status the file gave} of the devices it created or whose
    status it changed; those faulty or in repair get their fault "imported as faulty"."""
    return await open_for_status([
        StatusFault(tag=tag, description=str(IMPORTED_DESCRIPTION) % {
            "status": str(asset_rules.STATUSES.get(status, status))})
        for tag, status in statuses.items() if workflow.history_for_asset_status(status)],
        actor)


async def technicians_covering(site_id: int) -> list[str]:
    """Active technicians who want new-fault emails and cover the site (a technician with no
    site attached covers them all)."""
    rows = await User.raw(
        "SELECT app_user.email FROM app_user WHERE app_user.role = 'technician' "
        "AND app_user.active AND app_user.notify_new_faults AND ("
        "NOT EXISTS (SELECT 1 FROM user_site WHERE user_site.\"user\" = app_user.id) OR "
        "EXISTS (SELECT 1 FROM user_site WHERE user_site.\"user\" = app_user.id "
        "AND user_site.site = {})) ORDER BY app_user.email", site_id).run()
    return [r["email"] for r in rows]


async def _set_asset_status(asset: Mapping[str, Any], status: str, actor: Actor) -> None:
    if asset["status"] == status or asset["status"] == "retired":
        return
    await assets.apply_changes(asset, {"status": status}, None, actor)


FAULT_SELECT = (
    "SELECT fault.*, site.code AS site_code, site.name AS site_name, room.name AS room_name, "
    "asset.tag AS asset_tag, asset.site AS asset_site, asset.status AS asset_status, "
    "asset.warranty_end AS warranty_end, "
    "asset.supplier AS supplier, asset.order_ref AS order_ref, category.code AS category_code, "
    "category.name AS category_name, equipment_model.name AS model_name "
    "FROM fault JOIN site ON site.id = fault.site "
    "LEFT JOIN room ON room.id = fault.room "
    "LEFT JOIN asset ON asset.id = fault.asset "
    "LEFT JOIN category ON category.id = asset.category "
    "LEFT JOIN equipment_model ON equipment_model.id = asset.model"
)


def _left_scope(fault: Mapping[str, Any], scope: Scope) -> bool:
    """Whether the fault's device is now at a site the reader does not see."""
    return bool(scope.limited and fault["asset"] and not scope.allows(fault["asset_site"]))


async def as_seen(fault: FaultRow, scope: Scope) -> FaultRow:
    """The fault as the reader may see it once its device has left their sites (see
    faults/scoping.py): as it stood when the device left."""
    tag = fault["asset_tag"]
    if tag is None or not _left_scope(fault, scope):  # a fault on a room never leaves
        return fault
    stretches = await assets.away_from_scope(tag, scope)
    return scoping.fault_for_scope(fault, await timeline(fault["id"]), stretches)


async def get(fault_id: int, scope: Scope) -> FaultRow:
    """A fault reported at one of the reader's sites (else NotFound). Its device may have
    moved since: the reader then reads nothing of its new place (faults/scoping.py)."""
    rows: list[FaultRow] = await Fault.raw(FAULT_SELECT + " WHERE fault.id = {}", fault_id).run()
    if not rows or not scope.allows(rows[0]["site"]):
        raise NotFound(str(fault_id))
    fault = rows[0]
    today = clock.today()
    fault["overdue"] = is_overdue(fault, today)
    fault["under_warranty"] = bool(fault["warranty_end"] and fault["warranty_end"] >= today)
    return await as_seen(fault, scope)


async def timeline(fault_id: int, scope: Scope = EVERYTHING) -> list[dict[str, Any]]:
    """The fault's transitions, oldest first; for a reader who sees only some sites, those
    made while the device was at another site are one line "elsewhere"."""
    events = await FaultEvent.select().where(FaultEvent.fault == fault_id).order_by(
        FaultEvent.id).run()
    if not scope.limited:
        return events
    fault = await Fault.select(Fault.asset.tag.as_alias("asset_tag")).where(
        Fault.id == fault_id).first().run()
    if not fault or not fault["asset_tag"]:
        return events
    stretches = await assets.away_from_scope(fault["asset_tag"], scope)
    return scoping.timeline_for_scope(events, stretches)


def _filters(scope: Scope, site: str, category: str, open_only: bool, asset: str = ""
             ) -> tuple[list[str], list[object]]:
    """WHERE parts and their arguments shared by the queue and the API's pages."""
    in_scope, site_ids = scope.sql("fault.site")
    args: list[object] = list(site_ids)
    parts = [in_scope]
    if open_only:
        parts.append("fault.status IN (" + ", ".join("{}" for _ in workflow.OPEN_STATES) + ")")
        args = [*args, *workflow.OPEN_STATES]
    if site:
        parts.append("site.code = {}")
        args.append(site.upper())
    if category:
        parts.append("category.code = {}")
        args.append(category.upper())
    if asset:
        parts.append("asset.tag = {}")
        args.append(asset_rules.normalise_tag(asset))
    return parts, args


async def _select(parts: list[str], args: list, order: str, limit: int,
                  scope: Scope) -> list[FaultRow]:
    rows: list[FaultRow] = await Fault.raw(
        FAULT_SELECT + " WHERE " + " AND ".join(parts) + f" ORDER BY {order} LIMIT {{}}",
        *args, limit).run()
    today = clock.today()
    for row in rows:
        row["overdue"] = is_overdue(row, today)
    # Rare (a device moved away with its fault): a few more reads for those rows only.
    return [await as_seen(row, scope) if _left_scope(row, scope) else row for row in rows]


async def queue(scope: Scope, *, site: str = "", category: str = "", open_only: bool = True,
                limit: int = 200) -> list[FaultRow]:
    """Open faults, teaching-blocked first, then oldest first."""
    parts, args = _filters(scope, site, category, open_only)
    return await _select(parts, args, "fault.teaching_blocked DESC, fault.created_at ASC, "
                         "fault.id ASC", limit, scope)


async def page(scope: Scope, *, site: str = "", category: str = "", open_only: bool = True,
               asset: str = "", after_id: int = 0, limit: int = 100) -> list[FaultRow]:
    """Faults in id order after `after_id` (the API's cursor), with the queue's filters
    (and one device's, by tag)."""
    parts, args = _filters(scope, site, category, open_only, asset)
    return await _select([*parts, "fault.id > {}"], [*args, after_id], "fault.id", limit, scope)


async def already_reported(scope: Scope, *, asset_id: int | None = None,
                           room_id: int | None = None) -> list[FaultRow]:
    """The open faults someone about to report should see first: the device's, or the
    room's (on the room itself or on a device in it), newest first, at the reader's sites."""
    states = ", ".join("{}" for _ in workflow.OPEN_STATES)
    where = "fault.asset = {}" if asset_id is not None else "fault.room = {}"
    arg = asset_id if asset_id is not None else room_id
    rows = await db.fetch_small(FAULT_SELECT + f" WHERE {where} AND fault.status IN ({states}) "
                                "ORDER BY fault.id DESC LIMIT 20", arg, *workflow.OPEN_STATES,
                                row=FaultRow)
    return [row for row in rows if scope.allows(row["site"])]


async def public_open_faults(asset_id: int) -> list[dict[str, Any]]:
    """What a visitor without an account may read of a device's open faults: when, what and
    its state; never who reported it."""
    rows = await already_reported(EVERYTHING, asset_id=asset_id)
    return [{k: row[k] for k in ("created_at", "symptom", "status")} for row in rows]


async def follow(fault_id: int, actor: Actor | str, scope: Scope) -> FaultRow:
    """The same problem as an open fault, seen by someone about to report it again: they
    follow it (they hear what its reporter hears) instead of opening another one. Following
    twice, or one's own report, changes nothing."""
    fault = await get(fault_id, scope)
    if fault["status"] not in workflow.OPEN_STATES:
        raise ValidationFailed({"action": _("This fault is no longer open: report the "
                                            "problem again if it is back.")})
    actor = audit.as_actor(actor)
    if actor.user_id is None:
        raise ValidationFailed({"action": _("Only a signed-in person can follow a fault.")})
    async with audit.atomic():
        known = await FaultFollower.exists().where(
            (FaultFollower.fault == fault_id) & (FaultFollower.follower == actor.user_id)).run()
        if not known and fault["reporter_user_id"] != actor.user_id:
            await FaultFollower.insert(FaultFollower(fault=fault_id,
                                                     follower=actor.user_id)).run()
            await audit.record(actor=actor, entity="fault", entity_key=str(fault_id),
                               action="follow", changes={"follower": [None, actor.label]},
                               site_id=fault["site"])
    return fault


async def followers(fault_id: int) -> list[str]:
    """The emails of the people who follow the fault, in the order they began."""
    rows = await FaultFollower.select(FaultFollower.follower.email.as_alias("email")).where(
        FaultFollower.fault == fault_id).order_by(FaultFollower.id).run()
    return [row["email"] for row in rows]


async def for_asset(asset_id: int, scope: Scope) -> list[FaultRow]:
    """The device's open faults that were reported at a site the reader sees."""
    rows = await db.fetch_small(FAULT_SELECT + " WHERE fault.asset = {} AND fault.status IN ("
                                + ", ".join("{}" for _ in workflow.OPEN_STATES) + ") "
                                "ORDER BY fault.id DESC", asset_id, *workflow.OPEN_STATES,
                                row=FaultRow)
    return [row for row in rows if scope.allows(row["site"])]


# The reporter hears when their fault is taken into account and when it is fixed.
REPORTER_NOTICES = (workflow.ACKNOWLEDGED, workflow.RESOLVED)


async def transition(fault_id: int, action: str, note: str, actor: Actor | str, role: str,
                     scope: Scope, version: int | None = None, *,
                     base_url: str = "") -> FaultRow:
    fault = await get(fault_id, scope)
    if fault.get("left_sites"):  # acting from afar would change a device of another site
        raise ValidationFailed({"action": _(
            "This device has since moved to a site you do not see: its fault is followed "
            "there.")})
    note = v.clean_text(str(note or ""), multiline=True).strip()
    try:
        target = workflow.check(action, fault["status"], role, note)
    except workflow.TransitionRefused as refused:
        raise ValidationFailed({"action": refused.message}) from None
    actor = audit.as_actor(actor)
    changes: dict[str, Any] = {"status": target, "updated_at": clock.now()}
    if action == "start":
        changes["assigned_to"] = actor.label
    if action == "reject":
        changes["reject_reason"] = note[:2000]
    async with audit.atomic():
        await audit.update_versioned(Fault, fault_id, version, changes, entity="fault",
                                     entity_key=str(fault_id), action=action, actor=actor,
                                     site_id=fault["site"])
        await FaultEvent.insert(FaultEvent(fault=fault_id, actor=actor.label,
                                           from_status=fault["status"], to_status=target,
                                           note=note[:2000])).run()
        if fault["asset"]:
            await _asset_follows(fault, target, actor)
        reporter = fault["reported_by"]
        # Taking a new fault at once is acknowledging it too, as far as the reporter knows.
        acknowledged = target == workflow.IN_PROGRESS and fault["status"] == workflow.NEW
        notice = target in REPORTER_NOTICES or acknowledged
        if notice:
            label = workflow.STATES[workflow.ACKNOWLEDGED if acknowledged else target]
            # The reporter, and those who follow the fault instead of reporting it again.
            for person in dict.fromkeys([reporter, *await followers(fault_id)]):
                if "@" in person and person != actor.label \
                        and await _reporter_sees_device(person, fault):
                    await outbox.queue_for_user(person, lambda: emails.status_changed(
                        fault, str(label), base_url))
    return await get(fault_id, scope)


async def _reporter_sees_device(email: str, fault: Mapping[str, Any]) -> bool:
    """Whether the reporter may hear what happens to the fault now: not a director whose
    school the device has left (they read the fault as it stood then, faults/scoping.py)."""
    if not fault["asset"]:
        return True
    user = await User.select(User.id, User.role).where(User.email == email).first().run()
    if user is None or user["role"] not in permissions.SITE_BOUND_ROLES:
        return True
    return await UserSite.exists().where((UserSite.user == user["id"])
                                         & (UserSite.site == fault["asset_site"])).run()


async def _asset_follows(fault: Mapping[str, Any], target: str, actor: Actor) -> None:
    asset = await Asset.select(Asset.id, Asset.tag, Asset.status, Asset.site).where(
        Asset.id == fault["asset"]).first().run()
    if asset is None:
        return
    if target == workflow.IN_PROGRESS and asset["status"] in ("faulty", "in_service"):
        await _set_asset_status(asset, "in_repair", actor)
    elif target in (workflow.RESOLVED, workflow.REJECTED, workflow.CLOSED):
        still_open = await Fault.count().where(
            (Fault.asset == asset["id"]) & (Fault.id != fault["id"])
            & Fault.status.is_in(list(workflow.OPEN_STATES))).run()
        if not still_open and asset["status"] in ("faulty", "in_repair"):
            await _set_asset_status(asset, "in_service", actor)
    elif target == workflow.ACKNOWLEDGED and asset["status"] == "in_service":
        await _set_asset_status(asset, "faulty", actor)  # reopened


async def queue_for(handler: str, scope: Scope, limit: int = 500) -> list[FaultRow]:
    """A technician's queue: the open faults they have taken or nobody has, in the queue's
    order (teaching-blocked first, then oldest first)."""
    return [fault for fault in await queue(scope, limit=limit)
            if fault["assigned_to"] in ("", handler)]
