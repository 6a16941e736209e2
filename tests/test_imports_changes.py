"""A file of changes is written in bulk (issue 17: assets.apply_changes_many) and leaves what
changing each device on its own left: the same rows, versions, search text, tally, and the
same audit records (a move, a status change and an edit each their own). A device changed by
someone else between the check and the write refuses the whole file. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from inventory.accounts.scope import EVERYTHING
from inventory.assets import queries, rules
from inventory.assets import service as assets
from inventory.core import audit, db
from inventory.core.errors import Conflict, NotFound
from inventory.core.tables import Asset
from inventory.imports import columns
from inventory.imports.service import Importer, run_import
from tests.helpers import assert_search_text_current, count, query, saved_meanwhile
from tests.test_imports import _export
from tests.test_tally import assert_tally_matches

# What differs between two databases written at different moments.
_MOMENTS = {"updated_at", "at", "id"}


async def _apply_changes_one_by_one(current, values, version, actor):
    """apply_changes as it was written before the bulk path (one audit.update_versioned per
    kind of change): the reference the bulk path must match."""
    changes = audit.diff(current, values)
    if not changes:
        if version is not None and version != current["version"]:
            raise Conflict(current)
        return {}
    groups = (
        ("move", {k: values[k] for k in ("site", "room") if k in changes}),
        ("retire" if values.get("status") == "retired" else "status",
         {"status": values["status"]} if "status" in changes else {}),
        ("update", {k: values[k] for k in changes if k not in ("site", "room", "status")}),
    )
    expected = version
    async with audit.atomic():
        for action, group in groups:
            if group:
                await audit.update_versioned(
                    Asset, current["id"], expected, group, entity="asset",
                    entity_key=current["tag"], action=action, actor=actor,
                    site_id=values.get("site", current["site"]), derive=rules.derived_values)
                expected = None
    return changes


def _written(actor: str) -> dict[str, Any]:
    """The assets and the actor's audit records, without ids and moments."""
    rows = query("SELECT * FROM asset ORDER BY tag")
    records = query("SELECT * FROM audit_record WHERE actor = {} ORDER BY id", actor)
    for record in records:
        if isinstance(record["changes"], str):
            record["changes"] = json.loads(record["changes"])
    return {"assets": [{k: v for k, v in row.items() if k not in _MOMENTS} for row in rows],
            "records": [{k: v for k, v in r.items() if k not in _MOMENTS} for r in records]}


async def _current(ids: list[int]) -> list[dict[str, Any]]:
    """The devices as the import reads them in its write transaction."""
    sql = queries.DETAIL_SELECT + " WHERE asset.id IN (" + ", ".join("{}" for _ in ids) + ")"
    found = {row["id"]: row for row in await Asset.raw(sql, *ids).run()}
    return [found[i] for i in ids]


def _changes_for(assets_now: list[dict], rooms: dict[int, list[int]]) -> list[dict[str, Any]]:
    """Moves, status changes (a retirement among them), edits, all three at once, and
    nothing at all, spread over the devices."""
    wanted = []
    for n, current in enumerate(assets_now):
        values: dict[str, Any] = {}
        if n % 3 == 0:
            values["notes"] = f"Vérifié en masse {n}"
        if n % 4 == 1:
            values["supplier"] = "Fournisseur repris"
            values["purchase_date"] = None
        if n % 5 == 2:
            others = [r for r in rooms[current["site"]] if r != current["room"]]
            values["room"] = others[0] if others else None
        if n % 7 == 3:
            values["site"] = next(s for s in sorted(rooms) if s != current["site"])
            values["room"] = None
        if n % 8 == 4:
            values["status"] = "in_stock" if current["status"] != "in_stock" else "in_service"
        if n == 10:
            values["status"] = "retired"
        wanted.append(values)
    return wanted


def test_changes_in_bulk_are_written_as_one_by_one(templates, engine_kind, run):
    """apply_changes_many over many devices, apply_changes device by device and the old
    update_versioned per kind of change leave the same databases."""
    # On the demo: three identical copies of a filled installation (120 varied devices).
    written = {}
    for way in ("bulk", "single", "before"):
        db.configure(templates.copy(engine_kind, "demo"))
        ids = [r["id"] for r in query("SELECT id FROM asset ORDER BY id LIMIT 120")]
        rooms: dict[int, list[int]] = {}
        for room in query("SELECT id, site FROM room ORDER BY id"):
            rooms.setdefault(room["site"], []).append(room["id"])
        for site in query("SELECT id FROM site"):
            rooms.setdefault(site["id"], [])

        async def write(way=way, ids=ids, rooms=rooms):
            async with audit.atomic():
                now = await _current(ids)
                items = [(current, values, current["version"])
                         for current, values in zip(now, _changes_for(now, rooms), strict=True)]
                if way == "bulk":
                    return await assets.apply_changes_many(items, "changer")
                one = (assets.apply_changes if way == "single"
                       else _apply_changes_one_by_one)
                return [await one(current, values, version, "changer")
                        for current, values, version in items]

        returned = run(write())
        written[way] = {**_written("changer"), "returned": returned}
        assert_search_text_current()
        assert_tally_matches(run)
        # The search index found the new words (SQLite's FTS5 triggers, PostgreSQL's GIN).
        found = run(assets.list_assets(assets.AssetFilter(q="Vérifié en masse"), EVERYTHING))
        assert found.total == 40
    assert written["bulk"] == written["single"] == written["before"]
    records = written["bulk"]["records"]
    assert {r["action"] for r in records} == {"move", "status", "retire", "update"}
    # A device moved, put in stock and edited has three records and three versions more.
    by_key: dict[str, list[str]] = {}
    for record in records:
        by_key.setdefault(record["entity_key"], []).append(record["action"])
    assert ["move", "status", "update"] in by_key.values()
    versions = {a["tag"]: a["version"] for a in written["bulk"]["assets"]}
    assert all(versions[tag] == 1 + len(actions) for tag, actions in by_key.items())


def test_a_device_changed_since_its_version_stops_the_bulk_changes(empty_url, make, run):
    ids = [a["id"] for a in make.assets(30)]
    make.asset()  # one more, not in the change

    async def write(stale_version: bool):
        async with audit.atomic():
            now = await _current(ids)
            items = [(current, {"notes": "En masse"}, current["version"]) for current in now]
            if stale_version:
                items[17] = (items[17][0], items[17][1], items[17][2] - 1)
            else:  # deleted meanwhile
                await Asset.delete().where(Asset.id == ids[17]).run()
            await assets.apply_changes_many(items, "changer")

    with pytest.raises(Conflict):
        run(write(stale_version=True))
    with pytest.raises(NotFound):
        run(write(stale_version=False))
    assert count("asset", "notes = 'En masse'") == 0
    assert count("audit_record", "actor = 'changer'") == 0
    assert count("asset") == 31


def _changed_file(url: str, path: Path) -> list[dict[str, str]]:
    """The demo's whole export (1,500 rows: three of the write's slices of 500), every row
    changed: edits, moves to another room of the site, status changes, some all three."""
    rows = list(csv.DictReader(io.StringIO(_export(url))))
    rooms: dict[str, list[str]] = {}
    for room in query("SELECT site.code, room.name FROM room JOIN site ON site.id = room.site "
                      "ORDER BY room.id"):
        rooms.setdefault(room["code"], []).append(room["name"])
    for n, row in enumerate(rows):
        row["notes"] = f"Vérifié (import) {n}"
        others = [name for name in rooms.get(row["site"], []) if name != row["room"]]
        if n % 5 == 1 and others:
            row["room"] = others[n % len(others)]
        if n % 4 == 2 and row["status"] in ("in_service", "in_stock"):
            row["status"] = "in_stock" if row["status"] == "in_service" else "in_service"
        if n % 9 == 3:
            row["supplier"] = "Fournisseur repris"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def test_an_import_of_changes_leaves_the_records_of_one_change_at_a_time(
        templates, engine_kind, run, tmp_path):
    """The file imported (apply_changes_many, 500 devices a statement) and the same changes
    applied one device at a time by the old path leave the same assets and records."""
    # On the demo: its 1,500 varied devices make three of the write's slices of 500.
    imported_url = templates.copy(engine_kind, "demo")
    db.configure(imported_url)
    before = {r["id"]: r for r in query("SELECT * FROM asset")}
    path = tmp_path / "changes.csv"
    rows = _changed_file(imported_url, path)
    report = run(run_import(path, columns.guess_mapping(list(rows[0])),
                            Importer(actor="cli", scope=EVERYTHING), commit=True))
    assert report.committed, (report.problem, list(report.errors())[:3])
    assert report.counts["update"] == 1500
    after = {r["id"]: r for r in query("SELECT * FROM asset")}
    imported = _written("cli")
    assert_search_text_current()
    assert_tally_matches(run)

    # The same values over the same devices, one at a time, in another copy of the demo.
    db.configure(templates.copy(engine_kind, "demo"))
    skip = _MOMENTS | {"version", "search_text"}

    async def one_by_one():
        async with audit.atomic():
            for row_id in sorted(after):
                values = {k: v for k, v in after[row_id].items()
                          if k not in skip and v != before[row_id][k]}
                current = (await _current([row_id]))[0]
                await _apply_changes_one_by_one(current, values, current["version"], "cli")

    run(one_by_one())
    assert _written("cli") == imported
    kinds = [r["action"] for r in imported["records"]]
    assert {"move", "status", "update"} <= set(kinds) and len(kinds) > 1500


def test_a_stale_device_in_the_middle_of_a_big_file_refuses_it_all(
        demo_url, run, tmp_path, monkeypatch):
    # On the demo: the stale device must sit in the third slice of 500 of a 1,500-row file.
    path = tmp_path / "changes.csv"
    rows = _changed_file(demo_url, path)
    changed_meanwhile = rows[1234]["tag"]  # in the file's third slice of 500
    state = query("SELECT id, version, notes, room, status FROM asset ORDER BY id")
    records = count("audit_record")

    saved_meanwhile(monkeypatch, changed_meanwhile)
    report = run(run_import(path, columns.guess_mapping(list(rows[0])),
                            Importer(actor="cli", scope=EVERYTHING), commit=True))
    assert report.counts["update"] == 1500
    assert not report.committed
    assert report.problem == ("Devices of this file were changed by someone else while it was "
                              "being checked; nothing was imported. Check the file again.")
    meanwhile = query("SELECT id FROM asset WHERE tag = {}", changed_meanwhile)[0]["id"]
    now = {r["id"]: r for r in query("SELECT id, version, notes, room, status FROM asset")}
    assert now.pop(meanwhile)["notes"] == "Saved on the page"
    assert now == {r["id"]: r for r in state if r["id"] != meanwhile}
    assert count("audit_record", "actor = 'cli'") == 0
    assert count("audit_record") == records + 1  # the page's save alone
