"""One write path per record (issue 13): an asset created by a page, by the import or by the
demo is written by the same code, with the same derived values and audit records; partial
changes merge with the stored row inside their transaction. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import pytest

from inventory.accounts.scope import Scope
from inventory.assets import service as assets
from inventory.catalog import service as catalog
from inventory.core import audit
from inventory.core.errors import Conflict
from inventory.demo.commune import _demo_plan
from inventory.imports.service import Importer, run_import
from inventory.interventions import service as interventions
from tests.helpers import assert_search_text_current, count, query

# The same device, as the asset form posts it and as an import file gives it.
FORM = {"category": "TNI", "site": "EE-CURIE", "serial": "WP-PAGE", "status": "in_service",
        "purchase_date": "2021-03-04", "commissioning_date": "2021-04-01",
        "warranty_end": "2024-03-04", "purchase_price_eur": "1234,50", "supplier": "UGAP",
        "order_ref": "BC-2021-007", "holder": "Équipe Réseau", "hostname": "tni-curie.example",
        "notes": "Salle du fond, côté fenêtre"}
FILE_COLUMNS = ["category", "manufacturer", "model", "serial", "site", "room", "purchase_date",
                "commissioning_date", "warranty_end", "purchase_price_eur", "supplier",
                "order_ref", "holder", "hostname", "notes"]


def _stored(serial: str) -> dict:
    row = query("SELECT * FROM asset WHERE serial = {}", serial)[0]
    record = query("SELECT * FROM audit_record WHERE entity = 'asset' AND entity_key = {}",
                   row["tag"])
    assert len(record) == 1
    changes = record[0]["changes"]
    return {"row": row, "record": record[0],
            "changes": json.loads(changes) if isinstance(changes, str) else changes}


def test_an_asset_created_by_the_page_and_by_the_import_is_written_the_same_way(
        empty_url, make, run, tmp_path):
    curie = make.site(code="EE-CURIE", name="École élémentaire Marie-Curie")
    room = make.room(curie, name="Classe 4")
    board = make.category(code="TNI", name="Tableau numérique interactif (TNI)",
                          is_interactive_display="on", lifespan_years=8)
    model = make.model(board, manufacturer="Fabricant Fictif", name="Tableau 88")
    run(assets.create({**FORM, "model": str(model["id"]), "room": str(room["id"])}, "tester",
                      Scope(), prefix="BRN", digits=6))
    path = tmp_path / "one.csv"
    values = {**FORM, "serial": "WP-FILE", "purchase_date": "04/03/2021",
              "commissioning_date": "01/04/2021", "warranty_end": "04/03/2024",
              "purchase_price_eur": "1234,50", "manufacturer": model["manufacturer"],
              "model": model["name"], "room": room["name"]}
    path.write_text(";".join(FILE_COLUMNS) + "\n" + ";".join(values[c] for c in FILE_COLUMNS)
                    + "\n", encoding="utf-8")
    report = run(run_import(path, FILE_COLUMNS, Importer(actor="tester", scope=Scope()),
                            commit=True))
    assert report.committed, list(report.errors())

    page, imported = _stored("WP-PAGE"), _stored("WP-FILE")
    assert page["row"]["tag"] != imported["row"]["tag"]
    # The same stored columns, derived values (end of life, search text) included.
    differ = {"id", "tag", "serial", "search_text", "created_at", "updated_at"}
    assert {k: v for k, v in page["row"].items() if k not in differ} == \
        {k: v for k, v in imported["row"].items() if k not in differ}
    assert page["row"]["eol_year"] == 2029  # commissioned 2021 + the TNI's 8 years
    # search_text: one line per field, tag and serial first.
    for stored in (page, imported):
        lines = stored["row"]["search_text"].split("\n")
        assert lines[:2] == [stored["row"]["tag"].lower(), stored["row"]["serial"].lower()]
    assert page["row"]["search_text"].split("\n")[2:] == \
        imported["row"]["search_text"].split("\n")[2:] == \
        ["equipe reseau", "bc-2021-007", "tni-curie.example", "salle du fond, cote fenetre"]
    # The same audit record: names rather than ids, no computed value.
    for name in ("actor", "action", "site_id", "user_id"):
        assert page["record"][name] == imported["record"][name]
    assert page["changes"].pop("serial") == [None, "WP-PAGE"]
    assert imported["changes"].pop("serial") == [None, "WP-FILE"]
    assert page["changes"] == imported["changes"]
    assert page["changes"]["category"] == [None, "Tableau numérique interactif (TNI)"]
    assert page["changes"]["site"] == [None, "École élémentaire Marie-Curie"]
    assert "eol_year" not in page["changes"] and "search_text" not in page["changes"]
    assert_search_text_current()


def test_create_many_writes_in_the_callers_transaction(empty_url, make, run):
    """Tags from the sequence, one record each; a failure later in the caller's transaction
    leaves neither assets, records nor used numbers."""
    site = make.site(code="MAIRIE", kind="mairie")["id"]
    category = make.category(code="VISU")["id"]
    make.assets(2)  # the sequence has gone on before
    rows = [{"category": category, "site": site, "serial": f"BULK-{n}",
             "status": "in_service"} for n in range(3)]
    before = query("SELECT last_value FROM tag_sequence WHERE prefix = 'BRN'")[0]["last_value"]
    assert before == 2

    async def fails():
        async with audit.atomic():
            await assets.create_many(rows, "bulk", prefix="BRN", digits=6)
            raise RuntimeError("later step fails")

    with pytest.raises(RuntimeError):
        run(fails())
    assert count("asset", "serial LIKE {}", "BULK-%") == 0
    assert count("audit_record", "actor = 'bulk'") == 0

    tags = run(assets.create_many(rows, "bulk", prefix="BRN", digits=6))
    assert tags == [f"BRN-{before + n:06d}" for n in (1, 2, 3)]
    assert [r["tag"] for r in query("SELECT tag FROM asset WHERE serial LIKE {} "
                                    "ORDER BY serial", "BULK-%")] == tags
    assert count("audit_record", "actor = 'bulk' AND action = 'create'") == 3
    with pytest.raises(ValueError):  # a name that is no column is a programming error
        run(assets.create_many([{**rows[0], "colour": "red"}], "bulk", prefix="BRN", digits=6))


def test_the_demo_writes_through_the_services(demo_url):
    """The demo's sites, rooms, categories, models and assets have the audit records any
    creation leaves."""
    # On the demo: its subject is the demo builder.
    for entity, table in (("site", "site"), ("room", "room"), ("category", "category"),
                          ("model", "equipment_model"), ("asset", "asset"),
                          ("plan", "renewal_plan")):
        assert count("audit_record", "entity = {} AND action = 'create' AND actor = 'demo'",
                     entity) == count(table), entity
    first = query("SELECT changes FROM audit_record WHERE entity = 'asset' "
                  "AND entity_key = 'BRN-000001'")[0]["changes"]
    changes = json.loads(first) if isinstance(first, str) else first
    assert changes["site"] == [None, "Groupe scolaire Jules-Ferry"]
    assert {"category", "status", "serial", "purchase_date"} <= set(changes)
    # The renewal plan went through the planning service's create path: the settings the
    # demo means, stored as the form would store them, and its summary computed.
    plan = query("SELECT * FROM renewal_plan")
    assert len(plan) == 1
    stored = {k: json.loads(v) if isinstance(v, str) else v
              for k, v in plan[0].items() if k in ("settings", "summary")}
    meant = _demo_plan(plan[0]["first_year"])
    assert (plan[0]["name"], plan[0]["years"], plan[0]["status"], plan[0]["created_by"]) == (
        meant["name"], 5, "draft", "demo")
    assert stored["settings"] == meant["settings"]
    assert stored["summary"]["lines"] > 0 and stored["summary"]["total_cents"] > 0


def test_a_partial_change_keeps_what_it_omits_and_a_full_form_does_not(empty_url, make, run):
    make.category(code="SWITCH", is_network="on", lifespan_years=8)
    network = catalog.get_category("SWITCH")
    stored = run(network)
    assert stored["is_network"]
    # The API's PATCH: only the name; the stored flags stay.
    changed = run(catalog.update_category("SWITCH", {"name": "Commutateurs"},
                                          stored["version"], "tester", partial=True))
    assert changed["name"] == "Commutateurs" and changed["is_network"]
    assert changed["lifespan_years"] == stored["lifespan_years"]
    # A stale version is refused, the stored row unchanged.
    with pytest.raises(Conflict):
        run(catalog.update_category("SWITCH", {"name": "Autre"}, stored["version"], "tester",
                                    partial=True))
    # The page's form: an unticked box is absent and means "no".
    form = {"code": "SWITCH", "name": "Commutateurs", "lifespan_years": "8"}
    after = run(catalog.update_category("SWITCH", form, changed["version"], "tester"))
    assert not after["is_network"]


def test_an_asset_update_merges_inside_its_transaction(empty_url, make, run):
    tag = make.asset(holder="Équipe A", serial="SN-MERGE", purchase_date="2021-03-04")["tag"]
    current = run(assets.get_asset(tag, Scope()))
    run(assets.update(tag, {"notes": "Première"}, current["version"], "a", Scope()))
    # A partial change sent with the version read before: refused, nothing overwritten.
    with pytest.raises(Conflict):
        run(assets.update(tag, {"holder": "B"}, current["version"], "b", Scope()))
    stored = run(assets.get_asset(tag, Scope()))
    assert (stored["notes"], stored["holder"]) == ("Première", current["holder"])
    run(assets.update(tag, {"holder": "Équipe B"}, stored["version"], "b", Scope()))
    stored = run(assets.get_asset(tag, Scope()))
    assert (stored["notes"], stored["holder"]) == ("Première", "Équipe B")
    assert stored["serial"] == current["serial"] and stored["eol_year"] == current["eol_year"]


def test_an_action_checked_against_a_version_holds_the_device_until_it_commits(
        empty_url, make, run):
    """A phone's queued intervention (or fault report) is checked against the version it saw
    in its own transaction, and a move sent meanwhile waits for it: the move cannot slip in
    between the check and the write (before, the API checked outside the transaction)."""
    site = make.site()
    hall, lab = make.room(site, name="Salle 1"), make.room(site, name="Salle 2")
    device = make.asset(site=site, room=hall)
    seen = run(assets.get_asset(device["tag"], Scope()))
    events: list[str] = []

    async def logged_on_the_phone() -> None:
        async with audit.atomic():
            await assets.current_as_seen(device["tag"], seen["version"], Scope())
            events.append("checked")
            await asyncio.sleep(0.4)  # the intervention being written
            events.append("committed")

    async def moved_meanwhile() -> None:
        while not events:
            await asyncio.sleep(0.01)
        await assets.move_asset(device["tag"], {"site": site["code"], "room": str(lab["id"])},
                                seen["version"], "someone else", Scope())
        events.append("moved")

    async def both() -> None:
        await asyncio.gather(logged_on_the_phone(), moved_meanwhile())

    run(both())
    assert events == ["checked", "committed", "moved"]
    # The intervention now sent with the version seen before the move: refused with the
    # device as it is, and nothing written.
    with pytest.raises(Conflict) as refused:
        run(interventions.log(device["tag"], {"notes": "Fait"}, "phone", Scope(),
                              version=seen["version"]))
    assert refused.value.current["room"] == lab["id"]
    assert count("intervention") == 0
    run(interventions.log(device["tag"], {"notes": "Fait"}, "phone", Scope(),
                          version=seen["version"] + 1))
    assert count("intervention") == 1


def _changes(record: dict) -> dict:
    changes = record["changes"]
    return json.loads(changes) if isinstance(changes, str) else changes


def test_a_new_lifespan_moves_end_of_life_years_through_the_assets_service(
        empty_client, make, run):
    """The category's new lifespan moves its assets' stored end-of-life years (not an
    override's, not another category's), each move with the audit record an edit leaves."""
    kind = make.category(lifespan_years=5)
    dated = make.asset(category=kind, purchase_date="2020-05-01",
                       commissioning_date="2021-02-01")
    fixed = make.asset(category=kind, purchase_date="2020-05-01", eol_year_override="2031")
    undated = make.asset(category=kind)
    other = make.asset(purchase_date="2020-05-01")
    assert query("SELECT eol_year FROM asset WHERE tag = {}", dated["tag"])[0]["eol_year"] == 2026
    before = count("audit_record", "entity = 'asset' AND action = 'update'")
    stored = run(catalog.get_category(kind["code"]))
    run(catalog.update_category(kind["code"], {"lifespan_years": "7"}, stored["version"],
                                "tester", partial=True))
    years = {r["tag"]: r["eol_year"] for r in query("SELECT tag, eol_year FROM asset")}
    assert years[dated["tag"]] == 2028 and years[fixed["tag"]] == 2031
    assert years[undated["tag"]] is None and years[other["tag"]] == other["eol_year"]
    records = query("SELECT * FROM audit_record WHERE entity = 'asset' AND action = 'update' "
                    "ORDER BY id")
    assert len(records) == before + 1
    assert (records[-1]["entity_key"], records[-1]["actor"], _changes(records[-1])) == (
        dated["tag"], "tester", {"eol_year": [2026, 2028]})
    # The same lifespan again changes nothing and records nothing.
    stored = run(catalog.get_category(kind["code"]))
    run(catalog.update_category(kind["code"], {"name": "Renommée"}, stored["version"],
                                "tester", partial=True))
    assert count("audit_record", "entity = 'asset' AND action = 'update'") == before + 1


def test_dates_seen_in_bulk_are_written_like_one_seen(empty_client, make, run):
    """mark_seen_many (an inventory audit's close) writes only changed dates, each with the
    "seen" record mark_seen leaves; all or nothing."""
    import datetime as dt

    first, second = make.asset(), make.asset()
    day = dt.date(2026, 3, 2)
    run(assets.mark_seen_many({first["id"]: day}, "tester"))
    assert run(assets.mark_seen_many({first["id"]: day, second["id"]: day}, "tester")) == 1
    seen = query("SELECT * FROM audit_record WHERE action = 'seen' ORDER BY id")
    assert [(r["entity_key"], _changes(r)) for r in seen] == [
        (first["tag"], {"last_seen_on": [None, "2026-03-02"]}),
        (second["tag"], {"last_seen_on": [None, "2026-03-02"]})]
    assert {str(r["last_seen_on"]) for r in query("SELECT last_seen_on FROM asset")} == {
        "2026-03-02"}
    assert run(assets.mark_seen_many({}, "tester")) == 0


def test_a_plan_saved_by_the_page_or_the_api_stores_its_new_summary(empty_client, make):
    """A draft's summary (what the scenario list shows) is refreshed by the plan's save
    itself, whoever saves it (before, each caller had to remember to)."""
    client = empty_client
    laptops = make.category(code="PORT", lifespan_years=5)
    site = make.site()
    make.assets(3, site=site, category=laptops, purchase_date="2019-09-01",
                commissioning_date="2019-09-01")
    make.sign_in(client, "planner")
    created = client.post("/api/v1/plans", json={"name": "PPI essai", "first_year": 2027,
                                                 "years": 4})
    assert created.status_code == 201, created.text
    plan = created.json()

    def summary() -> dict:
        stored = query("SELECT summary FROM renewal_plan WHERE id = {}", plan["id"])[0]
        value = stored["summary"]
        return json.loads(value) if isinstance(value, str) else value

    counted = summary()["lines"] + summary()["backlog_count"]
    assert counted == 3
    # The fleet grows; the API's PATCH of the name alone brings the summary up to date.
    make.assets(2, site=site, category=laptops, purchase_date="2020-09-01",
                commissioning_date="2020-09-01")
    patched = client.patch(f"/api/v1/plans/{plan['id']}",
                           json={"name": "PPI essai 2", "version": plan["version"]})
    assert patched.status_code == 200, patched.text
    assert summary()["lines"] + summary()["backlog_count"] == 5
    # And the page's save likewise.
    make.assets(1, site=site, category=laptops, purchase_date="2021-09-01",
                commissioning_date="2021-09-01")
    saved = client.post(f"/plans/{plan['id']}", data={
        "name": "PPI essai 3", "first_year": "2027", "years": "4", "budgets": "one",
        "version": str(patched.json()["version"])}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert summary()["lines"] + summary()["backlog_count"] == 6
    listed = client.get("/api/v1/plans").json()["items"][0]["summary"]
    assert {name: listed[name] for name in summary()} == summary()
    assert listed["totals"] is None  # a draft's yearly totals are not kept (an approved one's are)
