"""The bulk write paths a million-device demo goes through (issue 17) store what the
one-at-a-time paths stored: a device's "create" audit record (assets.create_many) and the
faults of devices that arrive faulty (faults.open_for_status), on both engines."""

from __future__ import annotations

import datetime as dt
import json

from inventory.accounts.scope import EVERYTHING
from inventory.assets import service as assets
from inventory.core import audit
from inventory.faults import service as faults
from inventory.faults import workflow
from tests.factories import ACTOR, TAG_DIGITS, TAG_PREFIX
from tests.helpers import query


def _recorded_before(values, category_name, site_name, replaced_tag=None) -> str:
    """The record create_many wrote until it was made cheaper: the changes as a dict of
    names, then created_changes and json.dumps."""
    described = {k: v for k, v in values.items() if k not in ("tag", "eol_year")}
    described["category"] = category_name
    described["site"] = site_name
    if values.get("replaces_id"):
        described["replaces_id"] = replaced_tag
    return json.dumps(audit.created_changes(described), ensure_ascii=False, default=str)


def test_create_many_records_what_it_always_recorded(empty_url, run, make):
    site = make.site(name="École « Les Œillets »")
    room = make.room(site)
    category = make.category(name="Écran numérique interactif")
    model = make.model(category)
    old = make.asset(site, category)
    rows = [
        # Every kind of value: text with accents and quotes, zero, empty text and None
        # (left out of the record), dates, a tag given, a device it replaces.
        dict(category=category["id"], site=site["id"], room=room["id"], model=model["id"],
             serial='SN-"42"\\é', holder="Élève n°7 (exemple)", notes="", supplier="",
             eol_year_override=None,
             purchase_date=dt.date(2024, 2, 29), warranty_end=dt.date(2027, 2, 28),
             purchase_price_cents=0, status="faulty", replaces_id=old["id"]),
        dict(tag=f"{TAG_PREFIX}-990001", category=category["id"], site=site["id"],
             status="in_service", commissioning_date=dt.date(2020, 1, 5),
             ip_address="10.0.0.7", mac_address="00:1A:2B:3C:4D:5E", eol_year=2099,
             hostname="tni-07.ecole.lan", firmware="1.2.3", order_ref="MAPA-2020-007"),
        dict(category=category["id"], site=site["id"], room=None, status="in_stock",
             holder="ÆØÅ 中文 \U0001f600", purchase_price_cents=123_456),
    ]

    async def create():
        async with audit.atomic():
            return await assets.create_many(rows, ACTOR, prefix=TAG_PREFIX, digits=TAG_DIGITS)

    tags = run(create())
    assert tags[1] == f"{TAG_PREFIX}-990001" and len(set(tags)) == 3
    for tag, values in zip(tags, rows, strict=True):
        # The stored text itself (PostgreSQL's json type keeps it as written).
        stored = query("SELECT CAST(changes AS TEXT) AS changes, site_id, actor FROM "
                       "audit_record WHERE entity = 'asset' AND entity_key = {} AND "
                       "action = 'create'", tag)
        assert len(stored) == 1
        assert stored[0]["changes"] == _recorded_before(values, category["name"], site["name"],
                                                        old["tag"])
        assert stored[0]["site_id"] == site["id"] and stored[0]["actor"] == ACTOR
    first = json.loads(query("SELECT CAST(changes AS TEXT) AS c FROM audit_record WHERE "
                             "entity_key = {} AND action = 'create'", tags[0])[0]["c"])
    assert first["replaces_id"] == [None, old["tag"]]
    assert first["purchase_price_cents"] == [None, 0] and "notes" not in first
    assert first["purchase_date"] == [None, "2024-02-29"]


def test_open_for_status_opens_each_fault_once_in_slices(empty_url, run, make, monkeypatch):
    """Faults opened in bulk (here in slices of 3) get their timeline, their record and their
    ids in the order asked; a tag given twice, or whose device has an open fault already,
    gets none."""
    monkeypatch.setattr(faults, "OPEN_BATCH", 3)
    site = make.site()
    category = make.category()
    devices = [make.asset(site, category, status="faulty" if n % 3 else "in_repair")
               for n in range(8)]
    reported = make.fault(devices[5])  # an open fault already
    now = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
    wanted = [faults.StatusFault(
        tag=d["tag"], description=f"Panne n°{n}", reported_by=f"direction{n}@example.org",
        handled_by="tech@example.org", symptom="no_power", teaching_blocked=n % 2 == 0,
        steps=(workflow.NEW, workflow.ACKNOWLEDGED, workflow.IN_PROGRESS) if n == 0 else (),
        times=(now, now + dt.timedelta(hours=2), now + dt.timedelta(hours=5)) if n == 0
        else ()) for n, d in enumerate(devices)]
    wanted.insert(4, wanted[1])  # the same device again, in another slice
    wanted.append(faults.StatusFault(tag="BRN-999999", description="inconnu"))

    async def open_them():
        async with audit.atomic():
            return await faults.open_for_status(wanted, "demo")

    assert run(open_them()) == 7  # 8 devices, one with an open fault already
    opened = query("SELECT fault.*, asset.tag FROM fault JOIN asset ON asset.id = fault.asset "
                   "WHERE fault.id != {} ORDER BY fault.id", reported["id"])
    assert [f["tag"] for f in opened] == [d["tag"] for n, d in enumerate(devices) if n != 5]
    for fault in opened:
        n = next(i for i, d in enumerate(devices) if d["tag"] == fault["tag"])
        assert fault["description"] == f"Panne n°{n}" and fault["symptom"] == "no_power"
        assert fault["reported_by"] == f"direction{n}@example.org"
        assert bool(fault["teaching_blocked"]) == (n % 2 == 0)
        assert fault["site"] == site["id"]
        events = query("SELECT * FROM fault_event WHERE fault = {} ORDER BY id", fault["id"])
        states = [e["to_status"] for e in events]
        in_repair = n % 3 == 0
        assert states == (["new", "acknowledged", "in_progress"] if in_repair else ["new"])
        assert fault["status"] == states[-1]
        assert [e["actor"] for e in events] == [fault["reported_by"]] + [
            "tech@example.org"] * (len(events) - 1)
        assert fault["assigned_to"] == ("tech@example.org" if in_repair else "")
        record = query("SELECT actor, CAST(changes AS TEXT) AS changes FROM audit_record "
                       "WHERE entity = 'fault' AND entity_key = {}", str(fault["id"]))
        assert len(record) == 1 and record[0]["actor"] == "demo"
        assert json.loads(record[0]["changes"]) == {"symptom": [None, "no_power"],
                                                    "status": [None, states[-1]]}
    first = opened[0]
    created = first["created_at"]
    created = dt.datetime.fromisoformat(created) if isinstance(created, str) else created
    assert created.astimezone(dt.UTC) == now
    # Statuses and faults still agree: one open fault per device.
    assert len(query("SELECT asset FROM fault GROUP BY asset HAVING COUNT(*) > 1")) == 0


def test_a_report_still_opens_one_fault(empty_url, run, make):
    asset = make.asset()
    fault = make.fault(asset)
    rows = query("SELECT * FROM fault WHERE asset = {}", asset["id"])
    assert len(rows) == 1 and rows[0]["id"] == fault["id"] and rows[0]["status"] == "new"
    events = query("SELECT * FROM fault_event WHERE fault = {}", fault["id"])
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in events] == [
        ("", "new", ACTOR)]
    record = query("SELECT * FROM audit_record WHERE entity = 'fault' AND entity_key = {}",
                   str(fault["id"]))
    assert len(record) == 1 and record[0]["action"] == "create"
    status = run(assets.get_asset(asset["tag"], EVERYTHING))["status"]
    assert status == "faulty"
