"""A device is faulty or in repair because a fault says so: the demo's devices and the
devices an import brings in with such a status get their open fault, with its history."""

from __future__ import annotations

import csv
import datetime as dt

from inventory.accounts.scope import EVERYTHING
from inventory.core import i18n
from inventory.faults import workflow
from inventory.imports import columns
from inventory.imports.service import Importer, run_import
from tests.helpers import count, query

OPEN = ", ".join(f"'{s}'" for s in workflow.OPEN_STATES)


def _when(value):
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_demo_faulty_devices_have_their_open_fault_and_its_history(demo_url):
    # On the demo: its subject is the demo builder's faults.
    devices = query("SELECT id, tag, status FROM asset WHERE status IN ('faulty', 'in_repair')")
    assert len(devices) > 10
    faults = query(f"SELECT * FROM fault WHERE status IN ({OPEN})")
    by_asset = {}
    for fault in faults:
        by_asset.setdefault(fault["asset"], []).append(fault)
    assert sorted(by_asset) == sorted(d["id"] for d in devices)
    assert all(len(found) == 1 for found in by_asset.values())
    # No other device has an open fault: statuses and faults agree both ways.
    assert count("asset", f"status NOT IN ('faulty', 'in_repair') AND id IN "
                 f"(SELECT asset FROM fault WHERE status IN ({OPEN}))") == 0
    now = dt.datetime.now(dt.UTC)
    for device in devices:
        fault = by_asset[device["id"]][0]
        events = query("SELECT * FROM fault_event WHERE fault = {} ORDER BY at, id", fault["id"])
        states = tuple(e["to_status"] for e in events)
        if device["status"] == "in_repair":
            assert states == ("new", "acknowledged", "in_progress")
            assert fault["status"] == "in_progress"
            assert fault["assigned_to"] == "tech@brenneville.example"
        else:
            assert states in (("new",), ("new", "acknowledged"))
            assert fault["status"] == states[-1]
        assert [e["from_status"] for e in events] == ["", *states[:-1]]
        times = [_when(e["at"]) for e in events]
        assert times == sorted(times) and times[-1] <= now
        assert _when(fault["created_at"]) == times[0]
        assert fault["reported_by"].startswith("direction.")
        assert fault["symptom"] != "other" and fault["description"]
    assert count("audit_record", "entity = 'fault' AND action = 'create' AND actor = 'demo'") \
        == len(devices)


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _import(run, path, *, commit=True, language="en"):
    header = next(csv.reader(path.open(encoding="utf-8")))

    async def go():
        i18n.set_language(language)
        return await run_import(path, columns.guess_mapping(header),
                                Importer(actor="import@test", scope=EVERYTHING), commit=commit)

    return run(go())


def _open_faults(tag):
    return query(f"SELECT fault.* FROM fault JOIN asset ON asset.id = fault.asset "
                 f"WHERE asset.tag = {{}} AND fault.status IN ({OPEN})", tag)


def test_an_import_of_faulty_devices_opens_their_faults(empty_url, make, tmp_path, run):
    school = make.site()
    make.category(code="TNI"), make.category(code="VPI")
    changed, unchanged = (a["tag"] for a in make.assets(2, site=school))
    already = make.asset(site=school)["tag"]
    make.fault(already)  # the device is now faulty, its fault open
    assert query("SELECT status FROM asset WHERE tag = {}", already) == [{"status": "faulty"}]
    new_devices = _write(tmp_path / "new.csv", [
        ["tag", "category", "site", "serial", "status"],
        ["", "TNI", school["code"], "IMPORT-HS-1", "faulty"],
        ["", "VPI", school["code"], "IMPORT-REP-1", "in_repair"],
        ["", "VPI", school["code"], "IMPORT-OK-1", "in_service"],
    ])
    changes = _write(tmp_path / "changes.csv", [
        ["tag", "status"], [changed, "faulty"], [unchanged, "in_service"], [already, "in_repair"],
    ])
    faults_before = count("fault")
    dry = _import(run, new_devices, commit=False)
    assert dry.ok and not dry.committed and count("fault") == faults_before
    report = _import(run, new_devices, language="fr")
    assert report.committed, report.errors()
    created = {r.number: r.tag for r in report.rows}
    faulty_tag, repair_tag, ok_tag = created[2], created[3], created[4]
    # New faulty device: one fault "new", described in the importer's language.
    [fault] = _open_faults(faulty_tag)
    assert fault["status"] == "new" and fault["reported_by"] == "import@test"
    assert fault["description"].startswith("Importé en panne")
    assert "« En panne »" in fault["description"]
    events = query("SELECT from_status, to_status FROM fault_event WHERE fault = {}",
                   fault["id"])
    assert events == [{"from_status": "", "to_status": "new"}]
    # In repair: acknowledged and taken, as the status says.
    [repair] = _open_faults(repair_tag)
    assert repair["status"] == "in_progress" and repair["assigned_to"] == "import@test"
    assert [e["to_status"] for e in query(
        "SELECT to_status FROM fault_event WHERE fault = {} ORDER BY id", repair["id"])] == [
        "new", "acknowledged", "in_progress"]
    assert _open_faults(ok_tag) == []
    # An existing device whose status the file changes to faulty gets its fault too.
    updated = _import(run, changes)
    assert updated.committed, updated.errors()
    assert [f["status"] for f in _open_faults(changed)] == ["new"]
    assert _open_faults(unchanged) == []
    # A device that already had its open fault does not get a second one.
    assert len(_open_faults(already)) == 1
    assert count("fault") == faults_before + 3
    assert count("audit_record", "entity = 'fault' AND actor = 'import@test'") == 3
    # Importing the same files again opens nothing more.
    assert _import(run, changes).committed
    assert count("fault") == faults_before + 3


def test_faulty_devices_in_a_refused_import_leave_no_fault(empty_url, make, tmp_path, run):
    school, _boards = make.site(), make.category(code="TNI")
    make.fault()  # an open fault elsewhere, left as it is
    path = _write(tmp_path / "bad.csv", [
        ["tag", "category", "site", "serial", "status"],
        ["", "TNI", school["code"], "IMPORT-HS-2", "faulty"],
        ["", "Robot", school["code"], "IMPORT-HS-3", "faulty"],  # no such category
    ])
    before = count("fault")
    report = _import(run, path)
    assert not report.committed and count("fault") == before
